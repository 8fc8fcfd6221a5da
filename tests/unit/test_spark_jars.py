"""The s3a jars (hadoop-aws and its AWS SDK) against the Hadoop release inside pyspark."""

from importlib.util import find_spec
from pathlib import Path

import pytest

from socialpulse.spark.jars import (
    JARS,
    S3A_HADOOP_VERSION,
    bundled_hadoop_version,
    hadoop_aws_package,
    s3a_jars_mismatch,
)


def test_the_bundled_hadoop_version_is_read_from_pysparks_client_jar(tmp_path: Path) -> None:
    for name in ("hadoop-client-api-3.5.0.jar", "hadoop-client-runtime-3.5.0.jar", "x-1.0.jar"):
        (tmp_path / name).touch()
    assert bundled_hadoop_version(tmp_path) == "3.5.0"


def test_no_or_two_hadoop_client_jars_is_an_error_naming_the_folder(tmp_path: Path) -> None:
    with pytest.raises(RuntimeError, match="found none"):
        bundled_hadoop_version(tmp_path)
    (tmp_path / "hadoop-client-api-3.4.1.jar").touch()
    (tmp_path / "hadoop-client-api-3.5.0.jar").touch()
    with pytest.raises(RuntimeError, match=r"\['3.4.1', '3.5.0'\]"):
        bundled_hadoop_version(tmp_path)


def test_the_jar_names_and_the_mismatch_derive_from_one_pinned_version() -> None:
    assert JARS[0] == f"hadoop-aws-{S3A_HADOOP_VERSION}.jar"
    assert s3a_jars_mismatch(S3A_HADOOP_VERSION) is None
    message = s3a_jars_mismatch("3.5.0")
    assert message is not None
    assert f"Hadoop 3.5.0 but the s3a jars ({JARS[0]}" in message
    assert hadoop_aws_package("3.5.0") in message
    assert hadoop_aws_package("3.5.0") == "org.apache.hadoop:hadoop-aws:3.5.0"


# An open problem, kept out of `make test` (marker `known_bug`; run it with `pytest -m known_bug`):
# it fails today, and the assertion is the promise the project must come to keep. pyspark 4.3
# carries Hadoop 3.5.0; the only hadoop-aws reachable here (no Maven) is 3.3.1 from the
# sagemaker-pyspark sdist, and pyspark 3.5 (Hadoop 3.3.4, still not 3.3.1) does not resolve with
# the rest of the lock (requirements/README.md). See docs/deployment.md, "S3 connector jars".
@pytest.mark.known_bug
@pytest.mark.skipif(find_spec("pyspark") is None, reason="pyspark is not installed (spark extra)")
def test_the_s3a_jars_were_built_for_the_hadoop_inside_the_installed_pyspark() -> None:
    assert s3a_jars_mismatch(bundled_hadoop_version()) is None
