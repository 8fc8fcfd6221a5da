"""The deployment files validate: compose against the Compose Specification schema, Kubernetes
manifests against the Kubernetes OpenAPI schemas (kubernetes-validate, strict), and the
cross-references between them (secrets, config maps, images, env variables) are consistent."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import zipfile
from pathlib import Path

import jsonschema
import kubernetes_validate
import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
DEPLOYMENT = ROOT / "deployment"
COMPOSE = DEPLOYMENT / "compose" / "docker-compose.yml"
K8S_VERSION = "1.33.0"
# The Compose Specification JSON schema ships inside the docker-compose 1.29.2 wheel on PyPI
# (no Docker engine or compose plugin here); downloaded once into the state directory.
COMPOSE_WHEEL = "docker-compose==1.29.2"
COMPOSE_SCHEMA = "compose/config/compose_spec.json"


def _compose_schema() -> dict:
    cache = ROOT / ".socialpulse" / "cache" / "compose_spec.json"
    if not cache.exists():
        cache.parent.mkdir(parents=True, exist_ok=True)
        subprocess.run(
            [
                sys.executable,
                "-m",
                "pip",
                "download",
                "--no-deps",
                COMPOSE_WHEEL,
                "-d",
                str(cache.parent),
                "--quiet",
            ],
            check=True,
        )
        wheel = next(cache.parent.glob("docker_compose-1.29.2-*.whl"))
        with zipfile.ZipFile(wheel) as archive:
            cache.write_bytes(archive.read(COMPOSE_SCHEMA))
    return json.loads(cache.read_text())


def _k8s_documents() -> list[tuple[str, dict]]:
    documents = []
    for path in sorted((DEPLOYMENT / "k8s").glob("*.yaml")):
        for document in yaml.safe_load_all(path.read_text()):
            if document:
                documents.append(
                    (f"{path.name}:{document['kind']}/{document['metadata']['name']}", document)
                )
    return documents


def test_compose_file_matches_the_compose_specification() -> None:
    document = yaml.safe_load(COMPOSE.read_text())
    validator = jsonschema.Draft201909Validator(_compose_schema())
    errors = [f"{list(e.path)}: {e.message}" for e in validator.iter_errors(document)]
    assert errors == []


def test_compose_services_are_wired_consistently() -> None:
    document = yaml.safe_load(COMPOSE.read_text())
    services = document["services"]
    one_shot = {name for name, s in services.items() if s.get("restart") == "no"}
    for name, service in services.items():
        for dependency in service.get("depends_on", {}):
            assert dependency in services, f"{name} depends on unknown {dependency}"
        if name not in one_shot:
            assert "healthcheck" in service, f"long-running {name} has no health check"
        if "build" in service:
            dockerfile = (COMPOSE.parent / service["build"]["context"]) / service["build"][
                "dockerfile"
            ]
            assert dockerfile.exists(), dockerfile
        for volume in service.get("volumes", []):
            source = volume.split(":")[0]
            if not source.startswith("."):
                assert source in document["volumes"], f"{name} mounts undeclared volume {source}"
    # Every ${VAR} without a default is in .env.example.
    example = (COMPOSE.parent / ".env.example").read_text()
    defined = set(re.findall(r"^([A-Z_][A-Z0-9_]*)=", example, re.MULTILINE))
    required = set(re.findall(r"\$\{([A-Z_][A-Z0-9_]*)\}", COMPOSE.read_text()))
    assert required - defined == set()


def test_the_stream_serves_its_metrics_where_the_files_say() -> None:
    # Bytewax serves /metrics on 3030 only with BYTEWAX_DATAFLOW_API_ENABLED; a port named
    # "metrics" without it answers nothing.
    compose = yaml.safe_load(COMPOSE.read_text())["services"]["stream"]
    assert compose["environment"]["BYTEWAX_DATAFLOW_API_ENABLED"] == "true"
    assert "127.0.0.1:3030:3030" in compose["ports"]
    stream = dict(_k8s_documents())["stream.yaml:StatefulSet/stream"]
    template = stream["spec"]["template"]
    (container,) = template["spec"]["containers"]
    assert {"name": "BYTEWAX_DATAFLOW_API_ENABLED", "value": "true"} in container["env"]
    assert {"name": "metrics", "containerPort": 3030} in container["ports"]
    assert template["metadata"]["annotations"]["prometheus.io/port"] == "3030"


def test_the_image_copies_what_exists() -> None:
    dockerfile = (DEPLOYMENT / "docker" / "Dockerfile").read_text()
    copies = re.findall(r"^COPY (?!--from=)(.+)$", dockerfile, re.MULTILINE)
    sources = [source for line in copies for source in line.split()[:-1]]
    assert "socialpulse_assets" in sources
    for source in sources:
        assert (ROOT / source).exists(), f"Dockerfile copies missing {source}"


def test_the_image_installs_the_wheel_without_dev_tools() -> None:
    dockerfile = (DEPLOYMENT / "docker" / "Dockerfile").read_text()
    assert "pip wheel --no-deps" in dockerfile
    (install,) = re.findall(r"pip install (.+)", dockerfile)
    assert "--constraint requirements/lock.txt" in install
    assert "socialpulse-*.whl)[spark]" in install  # the wheel with the spark extra only
    assert "-r requirements/lock.txt" not in dockerfile  # the lock would bring the dev tools


@pytest.mark.parametrize(
    "name,document", _k8s_documents(), ids=lambda v: v if isinstance(v, str) else ""
)
def test_kubernetes_manifests_validate_strictly(name: str, document: dict) -> None:
    kubernetes_validate.validate(document, K8S_VERSION, strict=True)


def test_kubernetes_references_resolve() -> None:
    documents = [d for _, d in _k8s_documents()]
    names = {(d["kind"], d["metadata"]["name"]) for d in documents}
    referenced: set[tuple[str, str]] = set()
    for document in documents:
        text = json.dumps(document)
        referenced |= {("Secret", n) for n in re.findall(r'"secretRef": \{"name": "([^"]+)"', text)}
        referenced |= {
            ("ConfigMap", n) for n in re.findall(r'"configMapRef": \{"name": "([^"]+)"', text)
        }
        referenced |= {
            ("PersistentVolumeClaim", n) for n in re.findall(r'"claimName": "([^"]+)"', text)
        }
    assert referenced - names == set()
    stream = next(d for d in documents if d["kind"] == "StatefulSet")
    command = stream["spec"]["template"]["spec"]["containers"][0]["args"][0]
    addresses = re.search(r'-a "([^"]+)"', command).group(1).split(";")
    assert len(addresses) == stream["spec"]["replicas"]  # one Bytewax process per pod
    assert all(a.startswith(f"stream-{i}.stream.") for i, a in enumerate(addresses))


def test_helm_values_use_the_image_secrets_and_code_location() -> None:
    values = yaml.safe_load((DEPLOYMENT / "helm" / "dagster-values.yaml").read_text())
    secrets = {d["metadata"]["name"] for _, d in _k8s_documents() if d["kind"] == "Secret"}
    deployment = values["dagster-user-deployments"]["deployments"][0]
    assert deployment["dagsterApiGrpcArgs"] == ["--module-name", "socialpulse_assets.definitions"]
    assert {s["name"] for s in deployment["envSecrets"]} <= secrets
    launcher = values["runLauncher"]["config"]["k8sRunLauncher"]
    assert {s["name"] for s in launcher["envSecrets"]} <= secrets
    assert values["postgresql"]["enabled"] is False  # runs and events on the shared Postgres


def test_the_validators_reject_a_broken_file() -> None:
    _, stream = next(d for d in _k8s_documents() if d[1]["kind"] == "StatefulSet")
    broken = json.loads(json.dumps(stream))
    broken["spec"]["template"]["spec"]["containers"][0]["imagePullPolicy"] = 7
    broken["spec"]["replica"] = 2  # a typo strict validation must catch
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(broken, K8S_VERSION, strict=True)
    compose = yaml.safe_load(COMPOSE.read_text())
    compose["services"]["stream"]["restart_policy"] = "always"
    validator = jsonschema.Draft201909Validator(_compose_schema())
    assert any("restart_policy" in e.message for e in validator.iter_errors(compose))
