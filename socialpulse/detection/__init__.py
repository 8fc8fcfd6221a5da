"""Online anomaly detectors for per-key window series (score first, then learn)."""

from socialpulse.detection.volume_detector import (
    Verdict,
    VolumeDetector,
    batch_detector,
    build_detector,
    stream_detector,
)

__all__ = ["Verdict", "VolumeDetector", "batch_detector", "build_detector", "stream_detector"]
