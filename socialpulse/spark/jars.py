"""hadoop-aws and the AWS SDK bundle for s3a://, and whether they fit the pyspark in use.

hadoop-aws must be built for the very Hadoop release the Spark runtime carries (pyspark bundles
it as `hadoop-client-api-<version>.jar`). Maven is out of reach here; the PyPI source archive of
sagemaker-pyspark 1.4.5 carries hadoop-aws 3.3.1 and the AWS SDK bundle it was built against.
That package itself is never installed (it pins an old pyspark): only the jars are extracted.
Where the two Hadoop versions differ, `s3a_jars_mismatch` says so and `spark_session` logs it;
docs/deployment.md ("S3 connector jars") is the one place that documents the pairing.
"""

from __future__ import annotations

import importlib.util
import re
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

# The Hadoop release hadoop-aws in SDIST was built for, and the AWS SDK it was built against.
S3A_HADOOP_VERSION = "3.3.1"
AWS_SDK_BUNDLE_VERSION = "1.11.901"
JARS = (f"hadoop-aws-{S3A_HADOOP_VERSION}.jar", f"aws-java-sdk-bundle-{AWS_SDK_BUNDLE_VERSION}.jar")
SDIST = "sagemaker-pyspark==1.4.5"
_HADOOP_CLIENT_API = re.compile(r"hadoop-client-api-(\d+\.\d+\.\d+)\.jar")


def pyspark_jars_dir() -> Path:
    """The `jars/` folder of the installed pyspark (found without importing pyspark)."""
    spec = importlib.util.find_spec("pyspark")
    if spec is None or spec.origin is None:
        raise RuntimeError("pyspark is not installed: `pip install 'socialpulse[spark]'`")
    return Path(spec.origin).parent / "jars"


def bundled_hadoop_version(jars_dir: Path | None = None) -> str:
    """The Hadoop release inside pyspark, read from its `hadoop-client-api-<version>.jar`."""
    folder = jars_dir or pyspark_jars_dir()
    versions = sorted(
        {
            m[1]
            for p in folder.glob("hadoop-client-api-*.jar")
            if (m := _HADOOP_CLIENT_API.match(p.name))
        }
    )
    if len(versions) != 1:
        raise RuntimeError(
            f"expected one hadoop-client-api-<version>.jar in {folder}, found {versions or 'none'}"
        )
    return versions[0]


def hadoop_aws_package(hadoop_version: str) -> str:
    """The Maven coordinate that fits `hadoop_version`, for `spark.jars.packages` on a cluster
    that reaches Maven Central (it brings the AWS SDK that release was built against)."""
    return f"org.apache.hadoop:hadoop-aws:{hadoop_version}"


def s3a_jars_mismatch(hadoop_version: str) -> str | None:
    """None when the shipped s3a jars were built for `hadoop_version`; else what differs and
    what to do about it."""
    if hadoop_version == S3A_HADOOP_VERSION:
        return None
    return (
        f"pyspark carries Hadoop {hadoop_version} but the s3a jars ({', '.join(JARS)}) were "
        f"built for Hadoop {S3A_HADOOP_VERSION}; where Maven Central is reachable set "
        f"spark.jars.packages={hadoop_aws_package(hadoop_version)} instead "
        "(see docs/deployment.md, 'S3 connector jars')"
    )


def ensure_s3a_jars(state_dir: Path) -> list[Path]:
    """Paths of the two jars under `<state_dir>/jars/`, downloading them once."""
    target = state_dir / "jars"
    paths = [target / name for name in JARS]
    if all(p.exists() for p in paths):
        return paths
    target.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as download:
        command = [
            sys.executable,
            "-m",
            "pip",
            "download",
            "--no-deps",
            "--no-binary",
            ":all:",
            SDIST,
            "-d",
            download,
        ]
        done = subprocess.run(command, capture_output=True, text=True)
        archives = list(Path(download).glob("*.tar.gz"))
        if done.returncode != 0 or not archives:
            raise RuntimeError(
                f"could not download {SDIST} for the s3a jars ({done.stderr.strip()[-300:]}); "
                f"put {', '.join(JARS)} into {target} by hand"
            )
        with tarfile.open(archives[0]) as archive:
            for member in archive.getmembers():
                name = Path(member.name).name
                if name in JARS:
                    source = archive.extractfile(member)
                    assert source is not None
                    (target / name).write_bytes(source.read())
    missing = [str(p) for p in paths if not p.exists()]
    if missing:
        raise RuntimeError(f"{SDIST} did not contain {missing}; put them there by hand")
    return paths
