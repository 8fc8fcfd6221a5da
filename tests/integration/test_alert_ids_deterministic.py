"""The set of alert ids is a function of the input, not of how the stream ran.

One generated stream (injected events, 4 partitions) on the real broker goes through
`socialpulse stream` twice, with recovery on, each run with its own lake, recovery directory and
alerts topic, side by side: one undisturbed, one killed with SIGKILL twice while consuming and
restarted (at once, then after a pause like a supervisor's restart delay). Each run ends with
SIGTERM once everything is landed and the last windows have closed. Both runs use the default
single worker, as `socialpulse stream` runs; on in-order data neither may count a post late.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
import uuid
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import pytest
from confluent_kafka import Consumer, TopicPartition
from confluent_kafka.admin import AdminClient, NewTopic

from socialpulse.generator import GeneratorConfig, generate_messages
from socialpulse.kafka_producer import PostProducer
from socialpulse.lake import Lake, landing_files
from socialpulse.services.processes import wait_until
from socialpulse.settings import Settings

pytestmark = [pytest.mark.integration, pytest.mark.slow]

REPO_ROOT = Path(__file__).resolve().parents[2]
# A few hours of event time at the generator's rates, one injected event of each kind.
STREAM = GeneratorConfig(10000, seed=5)
PARTITIONS = 4
# After the last post is landed, the last windows close once the partitions have been idle for
# 2 s and stream time has moved the allowed lateness past their end with the wall clock.
LAST_WINDOWS_CLOSE_SECONDS = 2 + 30 + 13
# Longer than the allowed lateness: downtime must not close windows before the replay refills
# them (it did while the windows' clock moved with system time).
RESTART_DELAY_SECONDS = 40


@dataclass
class RunResult:
    topic_ids: Counter[str]
    lake_ids: set[str]
    log: str


def _create_topics(bootstrap: str, partitions: dict[str, int]) -> None:
    admin = AdminClient({"bootstrap.servers": bootstrap})
    new = [NewTopic(name, count, 1) for name, count in partitions.items()]
    for future in admin.create_topics(new).values():
        future.result(10)


def _landed_ids(lake_dir: Path) -> int:
    if not lake_dir.exists():
        return 0
    lake = Lake.from_url(str(lake_dir))
    files = landing_files(lake)
    return lake.read(files)["id"].n_unique() if files else 0


def _lake_alert_ids(lake_dir: Path) -> set[str]:
    names = (p.name for p in (lake_dir / "alerts").glob("dt=*/alert-*.parquet"))
    return {name.removeprefix("alert-").removesuffix(".parquet") for name in names}


def _topic_alert_ids(bootstrap: str, topic: str) -> Counter[str]:
    consumer = Consumer({"bootstrap.servers": bootstrap, "group.id": f"check-{topic}"})
    consumer.assign([TopicPartition(topic, 0, 0)])
    ids: Counter[str] = Counter()
    quiet = 0
    while quiet < 3:  # three empty polls in a row: the topic is read to its end
        batch = [m for m in consumer.consume(1000, 1.0) if m.error() is None]
        ids.update(m.key().decode() for m in batch)
        quiet = 0 if batch else quiet + 1
    consumer.close()
    return ids


class StreamRun:
    """`socialpulse stream` on the shared posts topic with its own state, lake and alerts topic."""

    def __init__(self, bootstrap: str, posts_topic: str, state_dir: Path) -> None:
        suffix = uuid.uuid4().hex[:8]
        self.alerts_topic = f"alerts-{suffix}"
        _create_topics(bootstrap, {self.alerts_topic: 1, f"dlq-{suffix}": 1})
        self.bootstrap = bootstrap
        state_dir.mkdir()
        self.lake_dir = state_dir / "lake"
        self.log_path = state_dir / "stream.log"
        chosen = {
            "STATE_DIR": str(state_dir),
            "KAFKA_BOOTSTRAP": bootstrap,
            "POSTS_TOPIC": posts_topic,
            "DLQ_TOPIC": f"dlq-{suffix}",
            "ALERTS_TOPIC": self.alerts_topic,
            "WATCHLIST": ",".join(STREAM.keywords),
            "LAKE_FLUSH_SECONDS": "1",
            "LAKE_BATCH_SIZE": "150",
        }
        self.env = {
            **os.environ,
            "PYTHONPATH": str(REPO_ROOT),
            **{f"SOCIALPULSE_{k}": v for k, v in chosen.items()},
        }
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        with open(self.log_path, "ab") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "socialpulse.cli.main", "stream"],
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )

    def tail(self) -> str:
        return self.log_path.read_text()[-3000:]

    def wait_landed(self, at_least: int, timeout: float) -> None:
        reached = wait_until(lambda: _landed_ids(self.lake_dir) >= at_least, timeout, interval=0.5)
        assert reached, f"fewer than {at_least} posts landed in {timeout} s\n{self.tail()}"
        assert self.process.poll() is None, self.tail()

    def kill(self) -> None:
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(30)

    def late_observations(self) -> int:
        """Late observations of the last start, from the line the stream logs when it stops."""
        line = [x for x in self.log_path.read_text().splitlines() if "this run:" in x][-1]
        return int(re.search(r"(\d+) late observations", line).group(1))

    def settle_and_stop(self) -> RunResult:
        """Once no alert has been added for a while, SIGTERM (exit 0 expected) and collect."""
        seen = _lake_alert_ids(self.lake_dir)
        while True:
            time.sleep(10)
            now = _lake_alert_ids(self.lake_dir)
            if now == seen:
                break
            seen = now
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            raise AssertionError(f"no exit within 10 s of SIGTERM\n{self.tail()}") from None
        assert self.process.returncode == 0, self.tail()
        return RunResult(
            _topic_alert_ids(self.bootstrap, self.alerts_topic),
            _lake_alert_ids(self.lake_dir),
            self.log_path.read_text(),
        )

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait(30)


# On 2026-11-29 this failed: each key's window clock (Bytewax's `EventClock`) moved its watermark
# on with system time, so under load posts of the backlog arrived after their window closed, and
# even two clean runs disagreed. The windows now close on the source's event-time watermark
# (streaming_flows/clock.py).
def test_a_run_killed_twice_raises_the_alert_ids_of_a_clean_run(
    kafka_bootstrap: str, tmp_path: Path
) -> None:
    posts_topic = f"posts-{uuid.uuid4().hex[:8]}"
    _create_topics(kafka_bootstrap, {posts_topic: PARTITIONS})
    messages = list(generate_messages(STREAM))
    with PostProducer(Settings(kafka_bootstrap=kafka_bootstrap)) as producer:
        for message in messages:
            producer.send(posts_topic, message.value, key=message.key)
    total = len({m.post.id for m in messages})

    clean = StreamRun(kafka_bootstrap, posts_topic, tmp_path / "clean")
    killed = StreamRun(kafka_bootstrap, posts_topic, tmp_path / "killed")
    try:
        # Side by side: the clean run also sees the load the killed run's restarts put on the
        # machine, and the test takes half the time.
        clean.start()
        killed.start()
        # Restarted at once, then after a pause like a supervisor's restart delay.
        for fraction, pause in ((0.25, 0), (0.6, RESTART_DELAY_SECONDS)):
            killed.wait_landed(int(total * fraction), 300)
            killed.kill()
            time.sleep(pause)
            killed.start()
        for run in (clean, killed):
            run.wait_landed(total, 300)
        time.sleep(LAST_WINDOWS_CLOSE_SECONDS)
        clean_result = clean.settle_and_stop()
        killed_result = killed.settle_and_stop()
        clean_late, killed_late = clean.late_observations(), killed.late_observations()
    finally:
        clean.stop()
        killed.stop()

    assert clean_result.lake_ids, "the generated stream should raise alerts"
    assert set(clean_result.topic_ids) == clean_result.lake_ids
    assert max(clean_result.topic_ids.values()) == 1
    assert set(killed_result.topic_ids) == killed_result.lake_ids
    # In-order data, one worker: no post is late, in the clean run or after the last restart.
    assert clean_late == 0, clean_result.log[-3000:]
    assert killed_late == 0, killed_result.log[-3000:]
    # A killed run may send an alert again after recovery; the set of ids is what must not move.
    duplicates = sum(killed_result.topic_ids.values()) - len(killed_result.topic_ids)
    print(f"{len(clean_result.lake_ids)} alerts; {duplicates} sent twice by the killed run")
    assert killed_result.lake_ids == clean_result.lake_ids
