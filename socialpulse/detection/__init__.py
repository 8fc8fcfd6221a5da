"""Online anomaly detectors for per-key window series (score first, then learn)."""

from socialpulse.detection.count_detector import CountDetector, Verdict, build_detector

__all__ = ["CountDetector", "Verdict", "build_detector"]
