"""The detectors' (and the monitor's) documented examples run, with their exact expected outputs."""

import doctest

import pytest

from socialpulse import monitoring
from socialpulse.detection import calibrated, online, volume_detector


@pytest.mark.parametrize("module", [calibrated, online, volume_detector, monitoring])
def test_examples_in_the_docstrings_hold(module) -> None:
    result = doctest.testmod(module)
    assert result.attempted > 0
    assert result.failed == 0
