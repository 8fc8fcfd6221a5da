"""Online anomaly detectors for per-key window series (score first, then learn)."""

from socialpulse.detection.calibrated import (
    STREAM_ALARM,
    SurpriseDetector,
    TailCalibration,
    build_detector,
    resume_detector,
    stream_detector,
)
from socialpulse.detection.volume_detector import (
    Verdict,
    VolumeDetector,
    batch_detector,
    volume_stream_detector,
)

__all__ = [
    "STREAM_ALARM",
    "SurpriseDetector",
    "TailCalibration",
    "Verdict",
    "VolumeDetector",
    "batch_detector",
    "build_detector",
    "resume_detector",
    "stream_detector",
    "volume_stream_detector",
]
