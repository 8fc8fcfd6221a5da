"""Trained models as versioned artifacts in the lake, and which version of each kind is in use."""
