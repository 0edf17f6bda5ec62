"""deploy/: alert rules and configs pass promtool, manifests validate, the Dockerfile lints,
compose and Grafana files parse and use only metric names careguard defines."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import kubernetes_validate
import pytest
import yaml

from careguard.metrics import METRIC_NAMES
from careguard.policy import decode_policy

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
PROM = DEPLOY / "prometheus"
K8S = sorted((DEPLOY / "k8s").glob("*.yaml"))
DASHBOARD = DEPLOY / "grafana" / "dashboards" / "careguard.json"
_METRIC = re.compile(r"\b(careguard_[a-z_]+)")
_SUFFIXES = ("_bucket", "_sum", "_count", "_created")


def tool(name: str) -> str:
    """Path of a required command-line tool (fails, not skips, when it is missing)."""
    found = shutil.which(name) or shutil.which(name, path=str(Path(sys.executable).parent))
    if found is None:
        pytest.fail(f"{name} not found: run tools/install-prometheus.sh (or `make test`)")
    return found


def run(*cmd: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT, timeout=120)


def metric_names(text: str) -> set[str]:
    """careguard metric names used in PromQL, with histogram/counter suffixes removed."""
    names = set()
    for name in _METRIC.findall(text):
        for suffix in _SUFFIXES:
            if name.endswith(suffix) and name.removesuffix(suffix) in METRIC_NAMES:
                name = name.removesuffix(suffix)
        names.add(name)
    return names


@pytest.mark.parametrize(
    "args",
    [
        ("check", "rules", "deploy/prometheus/alerts.yml"),
        ("check", "config", "deploy/prometheus/prometheus.yml"),
        ("test", "rules", "deploy/prometheus/alerts.test.yml"),
    ],
)
def test_promtool_passes(args: tuple[str, ...]) -> None:
    """promtool accepts the alert rules and config, and the rule unit tests pass."""
    result = run(tool("promtool"), *args)
    assert result.returncode == 0, result.stdout + result.stderr


def test_alert_rules_use_defined_metrics() -> None:
    """Every careguard metric an alert queries is defined in careguard.metrics."""
    used = metric_names((PROM / "alerts.yml").read_text())
    assert used
    assert used - METRIC_NAMES == set()


@pytest.mark.parametrize("alert", [
    "CareguardFailSafeActivations", "CareguardUpstreamErrors", "CareguardOverheadLatencyHigh",
    "CareguardImminentSpike",
])  # fmt: skip
def test_required_alerts_exist(alert: str) -> None:
    """The alerts the issue asks for (fail-safe, upstream, latency, imminent spikes) exist."""
    rules = yaml.safe_load((PROM / "alerts.yml").read_text())["groups"][0]["rules"]
    assert alert in {r["alert"] for r in rules}


@pytest.mark.parametrize("path", K8S, ids=lambda p: p.name)
def test_kubernetes_manifest_validates(path: Path) -> None:
    """Each manifest validates offline (strict) against the bundled Kubernetes schemas."""
    for doc in yaml.safe_load_all(path.read_text()):
        kubernetes_validate.validate(doc, kubernetes_validate.latest_version(), strict=True)


def k8s_kinds() -> dict[str, dict[str, Any]]:
    docs = [d for p in K8S for d in yaml.safe_load_all(p.read_text())]
    return {d["kind"]: d for d in docs}


@pytest.mark.parametrize(
    "kind",
    ["Deployment", "Service", "HorizontalPodAutoscaler", "ConfigMap", "PodDisruptionBudget"],
)
def test_kubernetes_kind_present(kind: str) -> None:
    """The manifests include each kind the deployment needs."""
    assert kind in k8s_kinds()


def test_deployment_readiness_is_readyz_and_runs_non_root() -> None:
    """The Deployment gates traffic on /readyz and runs as a non-root user."""
    pod = k8s_kinds()["Deployment"]["spec"]["template"]["spec"]
    (container,) = pod["containers"]
    assert container["readinessProbe"]["httpGet"]["path"] == "/readyz"
    assert pod["securityContext"]["runAsNonRoot"] is True


def test_configmap_policy_loads() -> None:
    """The policy in the ConfigMap decodes as a valid careguard policy."""
    data = k8s_kinds()["ConfigMap"]["data"]["operator.yaml"]
    policy = decode_policy(yaml.safe_load(data), "configmap.yaml")
    assert policy.name == "operator"


def test_dockerfile_passes_hadolint() -> None:
    """hadolint reports nothing on the Dockerfile."""
    result = run(tool("hadolint"), "deploy/Dockerfile")
    assert result.returncode == 0, result.stdout + result.stderr


def test_dockerfile_is_multistage_non_root_with_healthcheck() -> None:
    """The image is built in stages, runs as a non-root user and has a healthcheck."""
    text = (DEPLOY / "Dockerfile").read_text()
    assert len(re.findall(r"^FROM ", text, re.M)) >= 2
    users = re.findall(r"^USER (\S+)", text, re.M)
    assert users and users[-1].split(":")[0] not in {"root", "0"}
    assert re.search(r"^HEALTHCHECK ", text, re.M)


def test_dockerfile_bakes_derived_models_where_the_runtime_reads_them() -> None:
    """The build stage writes derived models (int8 embedding, compact toxicity) inside
    /opt/careguard, which the runtime stage copies, and the runtime looks there: the
    non-root user has no home directory to build them in."""
    text = (DEPLOY / "Dockerfile").read_text()
    stages = re.split(r"^FROM ", text, flags=re.M)
    assert all("CAREGUARD_MODELS_DIR=/opt/careguard/models" in s for s in stages[-2:])
    assert "COPY --from=build /opt/careguard /opt/careguard" in text


def compose() -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load((DEPLOY / "compose.yaml").read_text())
    return data


def test_compose_has_the_three_services() -> None:
    """compose runs careguard, Prometheus and Grafana."""
    assert set(compose()["services"]) == {"careguard", "prometheus", "grafana"}


def test_compose_references_existing_files() -> None:
    """The build context, Dockerfile and every bind-mounted path exist."""
    services = compose()["services"]
    build = services["careguard"]["build"]
    context = (DEPLOY / build["context"]).resolve()
    missing = [] if (context / build["dockerfile"]).is_file() else [build["dockerfile"]]
    for service in services.values():
        for volume in service.get("volumes", []):
            source = volume.split(":", 1)[0]
            if source.startswith((".", "/")) and not (DEPLOY / source).exists():
                missing.append(source)
    assert missing == []


def test_prometheus_scrapes_the_compose_service() -> None:
    """The Prometheus config scrapes careguard's /metrics on the compose service name."""
    config = yaml.safe_load((PROM / "prometheus.yml").read_text())
    (job,) = [j for j in config["scrape_configs"] if j["job_name"] == "careguard"]
    port = compose()["services"]["careguard"]["ports"][0].rsplit(":", 1)[1]
    assert job["static_configs"][0]["targets"] == [f"careguard:{port}"]


def test_grafana_dashboard_uses_defined_metrics() -> None:
    """The dashboard parses and every careguard metric its queries use is defined."""
    dashboard = json.loads(DASHBOARD.read_text())
    exprs = [t["expr"] for p in dashboard["panels"] for t in p["targets"]]
    used = metric_names("\n".join(exprs))
    assert used
    assert used - METRIC_NAMES == set()


def test_grafana_datasource_matches_dashboard() -> None:
    """The dashboard's datasource uid is the provisioned Prometheus datasource."""
    provisioned = yaml.safe_load(
        (DEPLOY / "grafana/provisioning/datasources/prometheus.yml").read_text()
    )
    uids = {d["uid"] for d in provisioned["datasources"]}
    dashboard = json.loads(DASHBOARD.read_text())
    assert {p["datasource"]["uid"] for p in dashboard["panels"]} <= uids
