"""The local SeaweedFS answers only through its S3 API, and only with the right keys.

A server of its own in a temporary state directory, on free ports: the shared one other tests
use keeps running untouched.
"""

from __future__ import annotations

import random
import socket
import stat
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from botocore.exceptions import ClientError

from socialpulse.services import local
from socialpulse.settings import Settings

pytestmark = [pytest.mark.integration, pytest.mark.slow]

GRPC_OFFSET = 10000  # SeaweedFS puts each component's gRPC port here, above its HTTP port


def _free(port: int) -> bool:
    with socket.socket() as probe:
        try:
            probe.bind((local.HOST, port))
        except OSError:
            return False
    return True


def _free_port_pair(taken: set[int]) -> int:
    """A port that is free, with its gRPC companion (port + 10000) free as well."""
    for _ in range(200):
        port = random.randint(20000, 29999)
        pair = {port, port + GRPC_OFFSET}
        if not pair & taken and all(map(_free, pair)):
            taken.update(pair)
            return port
    raise RuntimeError("no free port pair between 20000 and 39999")


@pytest.fixture(scope="module")
def own_s3(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Settings]:
    taken: set[int] = set()
    settings = Settings(
        state_dir=tmp_path_factory.mktemp("seaweedfs-state"),
        s3_port=_free_port_pair(taken),
        seaweedfs_master_port=_free_port_pair(taken),
        seaweedfs_volume_port=_free_port_pair(taken),
        seaweedfs_filer_port=_free_port_pair(taken),
    )
    try:
        assert local.start_s3(settings) == "started"
        local.ensure_bucket(settings)
        yield settings
    finally:
        local.stop_service(settings, "s3")


def _http_status(method: str, url: str, **options) -> int | None:
    """The HTTP status, or None when nothing answers on that port."""
    try:
        return httpx.request(method, url, timeout=5, **options).status_code
    except httpx.TransportError:
        return None


def test_s3_with_the_generated_key_reads_and_writes_and_a_wrong_key_is_refused(
    own_s3: Settings,
) -> None:
    client = local.s3_client(own_s3, local.local_s3_endpoint(own_s3))
    bucket = own_s3.lake_bucket
    client.put_object(Bucket=bucket, Key="landing/a.txt", Body=b"kept")
    assert client.get_object(Bucket=bucket, Key="landing/a.txt")["Body"].read() == b"kept"
    assert [o["Key"] for o in client.list_objects_v2(Bucket=bucket)["Contents"]] == [
        "landing/a.txt"
    ]
    _, secret = local.s3_credentials(own_s3)
    assert secret and secret != "socialpulse-local-secret"  # generated, not a well-known value
    wrong = own_s3.model_copy(update={"s3_secret_access_key": "wrong"})
    with pytest.raises(ClientError):
        local.s3_client(wrong, local.local_s3_endpoint(own_s3)).list_objects_v2(Bucket=bucket)


def test_filer_and_master_http_apis_refuse_reads_writes_and_deletes(own_s3: Settings) -> None:
    client = local.s3_client(own_s3, local.local_s3_endpoint(own_s3))
    bucket = own_s3.lake_bucket
    client.put_object(Bucket=bucket, Key="landing/keep.txt", Body=b"precious")
    filer = f"http://{local.HOST}:{own_s3.seaweedfs_filer_port}"
    master = f"http://{local.HOST}:{own_s3.seaweedfs_master_port}"

    refused = {None, 401, 403, 404, 405}
    listing = _http_status("GET", f"{filer}/buckets/{bucket}/landing/", params={"pretty": "y"})
    assert listing in refused
    assert _http_status("GET", f"{filer}/buckets/{bucket}/landing/keep.txt") in refused
    assert _http_status("PUT", f"{filer}/buckets/{bucket}/landing/evil.txt", content=b"x") in (
        refused
    )
    assert _http_status("DELETE", f"{filer}/buckets/{bucket}/landing/keep.txt") in refused
    assert _http_status("GET", f"{master}/dir/status") in refused
    assert _http_status("GET", f"{master}/col/delete", params={"collection": bucket}) in refused

    # Nothing of that reached the lake.
    keys = [o["Key"] for o in client.list_objects_v2(Bucket=bucket)["Contents"]]
    assert "landing/evil.txt" not in keys
    assert client.get_object(Bucket=bucket, Key="landing/keep.txt")["Body"].read() == b"precious"


def test_volume_server_refuses_unsigned_requests(own_s3: Settings) -> None:
    volume = f"http://{local.HOST}:{own_s3.seaweedfs_volume_port}"
    assert _http_status("POST", f"{volume}/1,01637037d6", files={"file": b"x"}) == 401
    assert _http_status("GET", f"{volume}/1,01637037d6") == 401
    assert _http_status("DELETE", f"{volume}/1,01637037d6") == 401


def test_secret_files_are_private(own_s3: Settings) -> None:
    def mode(path: Path) -> int:
        return stat.S_IMODE(path.stat().st_mode)

    seaweedfs = local.seaweedfs_dir(own_s3)
    assert mode(local.services_dir(own_s3)) == 0o700
    assert mode(seaweedfs) == 0o700
    assert mode(seaweedfs / "s3.json") == 0o600
    assert mode(seaweedfs / "security.toml") == 0o600
