"""Graceful stop of a running dataflow: read nothing more, let the last epoch commit, then end.

`request_stop` (called from the SIGTERM handler) makes every `DrainingPartition` stop reading.
Bytewax calls a partition's `next_batch` only once every earlier epoch has been fully written,
recovery snapshot included, so a partition that has seen one snapshot since it stopped reading
knows that the recovery store holds everything it emitted; it then ends the run with
`AbortExecution`. A restart resumes exactly where the stopped run was: nothing is landed, sent or
counted twice, nothing is lost.
"""

from __future__ import annotations

import logging
import threading
from datetime import datetime
from typing import Any

from bytewax.inputs import AbortExecution, StatefulSourcePartition

log = logging.getLogger(__name__)

_stop_requested = threading.Event()
_lock = threading.Lock()
_draining = 0  # partitions of this process still running
_committed = 0  # partitions that ended after a snapshot taken since they stopped reading
_uncommitted = 0  # partitions that ended otherwise


class StreamStopped(Exception):
    """A sink gave up waiting because the stream is stopping; the restart redoes its work."""


def request_stop() -> None:
    _stop_requested.set()


def stop_requested() -> bool:
    return _stop_requested.is_set()


def partitions_running() -> int:
    """Source partitions of this process that have not ended yet."""
    return _draining


def all_committed() -> bool:
    """This process had source partitions and each ended after a snapshot taken since it stopped
    reading: the recovery store holds everything this process emitted. (A worker without
    partitions never ends by itself and is interrupted once they have.)"""
    return _committed > 0 and _draining == 0 and _uncommitted == 0


class DrainingPartition(StatefulSourcePartition[Any, Any]):
    """A source partition that stops reading on `request_stop` and ends the run once committed."""

    def __init__(self, inner: StatefulSourcePartition[Any, Any], name: str) -> None:
        global _draining
        self._inner = inner
        self._name = name
        self._stopped_reading = False
        self._snapshot_since_stop = False
        self._running = True
        with _lock:
            _draining += 1

    def next_batch(self) -> list[Any]:
        if not _stop_requested.is_set():
            return self._inner.next_batch()
        if self._snapshot_since_stop:
            self._ended(committed=True)
            raise AbortExecution(f"stopped after the last snapshot of partition {self._name}")
        if not self._stopped_reading:
            log.info("partition %s stopped reading; ends after the next snapshot", self._name)
            self._stopped_reading = True
        return []

    def next_awake(self) -> datetime | None:
        # A paced or idle partition must still notice the stop promptly.
        return None if _stop_requested.is_set() else self._inner.next_awake()

    def snapshot(self) -> Any:
        if self._stopped_reading:
            self._snapshot_since_stop = True
        return self._inner.snapshot()

    def close(self) -> None:
        self._ended(committed=False)
        self._inner.close()

    def _ended(self, committed: bool) -> None:
        global _draining, _committed, _uncommitted
        with _lock:
            if self._running:
                self._running = False
                _draining -= 1
                if committed:
                    _committed += 1
                else:
                    _uncommitted += 1
