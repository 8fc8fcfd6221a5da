"""`services up` says which port blocks SeaweedFS, gRPC ports (+10000) included."""

from __future__ import annotations

import random
import socket
from pathlib import Path

import pytest

from socialpulse.services.local import ServiceError, seaweedfs_ports_taken, start_s3
from socialpulse.settings import Settings


def _free_port() -> int:
    """A port that is free, and so is its gRPC twin (+10000, below 65536)."""
    for _ in range(100):
        port = random.randint(20000, 40000)
        try:
            for candidate in (port, port + 10000):
                with socket.socket() as probe:
                    probe.bind(("127.0.0.1", candidate))
        except OSError:
            continue
        return port
    raise AssertionError("no free port pair found")


def test_a_taken_grpc_port_is_named_before_seaweedfs_starts(tmp_path: Path) -> None:
    ports = [_free_port() for _ in range(4)]
    settings = Settings(
        state_dir=tmp_path,
        s3_port=ports[0],
        seaweedfs_master_port=ports[1],
        seaweedfs_volume_port=ports[2],
        seaweedfs_filer_port=ports[3],
    )
    assert seaweedfs_ports_taken(settings) == []
    with socket.socket() as holder:
        try:
            holder.bind(("127.0.0.1", ports[1] + 10000))
        except OSError:
            pytest.skip("the master's gRPC port is taken by something else on this machine")
        holder.listen()
        assert seaweedfs_ports_taken(settings) == [(ports[1] + 10000, "master gRPC")]
        with pytest.raises(ServiceError, match=rf"port {ports[1] + 10000} \(master gRPC\)"):
            start_s3(settings)
    assert not (tmp_path / "services" / "s3.pid").exists()
