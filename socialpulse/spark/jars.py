"""hadoop-aws and the AWS SDK bundle for s3a://, taken from the sagemaker-pyspark sdist.

Maven is out of reach here; the PyPI source archive of sagemaker-pyspark 1.4.5 carries both jars.
The package itself is never installed (it pins an old pyspark): only the jars are extracted.
"""

from __future__ import annotations

import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

JARS = ("hadoop-aws-3.3.1.jar", "aws-java-sdk-bundle-1.11.901.jar")
SDIST = "sagemaker-pyspark==1.4.5"


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
