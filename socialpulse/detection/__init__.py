"""Online anomaly detectors for per-key window series (score first, then learn)."""

from socialpulse.detection.calibrated import SurpriseDetector, TailCalibration
from socialpulse.detection.volume_detector import (
    Verdict,
    VolumeDetector,
    batch_detector,
    build_detector,
    stream_detector,
)

__all__ = [
    "SurpriseDetector",
    "TailCalibration",
    "Verdict",
    "VolumeDetector",
    "batch_detector",
    "build_detector",
    "stream_detector",
]
