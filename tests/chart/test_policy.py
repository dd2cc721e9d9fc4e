"""Policy on the rendered chart: pod security, resources, wiring between objects, labels."""

from __future__ import annotations

import base64
import math

import pytest

from tests.chart.support import (
    CHART_DIR,
    PIPELINE_CONFIG_MAP,
    RELEASE,
    Obj,
    by_kind,
    one,
    pipeline_job_specs,
    pod_specs,
    render,
    scenario_id,
    scenarios,
)

CI = CHART_DIR / "ci"
FULL = RELEASE  # the release name contains the chart name


@pytest.mark.parametrize("values", scenarios(), ids=scenario_id)
def test_every_pod_and_container_is_locked_down(values: tuple[str, ...]) -> None:
    specs = pod_specs(render(*values))
    assert specs
    for where, pod in specs:
        psc = pod["securityContext"]
        assert psc["runAsNonRoot"] is True and psc["runAsUser"] > 0, where
        assert psc["seccompProfile"]["type"] == "RuntimeDefault", where
        for c in pod.get("initContainers", []) + pod["containers"]:
            sc, at = c["securityContext"], f"{where}:{c['name']}"
            assert sc["runAsNonRoot"] is True, at
            assert sc["readOnlyRootFilesystem"] is True, at
            assert sc["allowPrivilegeEscalation"] is False, at
            assert sc["capabilities"]["drop"] == ["ALL"] and "add" not in sc["capabilities"], at
            assert sc["seccompProfile"]["type"] == "RuntimeDefault", at
            for kind in ("requests", "limits"):
                assert {"cpu", "memory"} <= set(c["resources"][kind]), f"{at}: {kind}"
            mounts = {m["mountPath"] for m in c.get("volumeMounts", [])}
            assert "/tmp" in mounts, f"{at}: a read-only root needs a writable /tmp"


def test_hpa_on_omits_replicas_and_targets_the_deployment() -> None:
    objs = render()
    deployment = one(objs, "Deployment", f"{FULL}-api")
    assert "replicas" not in deployment["spec"]
    hpa = one(objs, "HorizontalPodAutoscaler", f"{FULL}-api")
    assert hpa["apiVersion"] == "autoscaling/v2"
    assert hpa["spec"]["scaleTargetRef"] == {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "name": f"{FULL}-api",
    }
    assert hpa["spec"]["metrics"][0]["resource"]["name"] == "cpu"


def test_hpa_off_sets_replicas_and_drops_the_hpa() -> None:
    objs = render(str(CI / "hpa-off-values.yaml"))
    assert one(objs, "Deployment", f"{FULL}-api")["spec"]["replicas"] == 3
    assert not by_kind(objs, "HorizontalPodAutoscaler")
    assert not by_kind(objs, "Job") and not by_kind(objs, "CronJob")


def test_graceful_shutdown_fits_the_grace_period() -> None:
    pod = one(render(), "Deployment", f"{FULL}-api")["spec"]["template"]["spec"]
    api = pod["containers"][0]
    pause = api["lifecycle"]["preStop"]["sleep"]["seconds"]
    # gunicorn's graceful timeout is the API's Settings (tests/chart/test_pod_env.py runs gunicorn with it).
    graceful = next(int(e["value"]) for e in api["env"] if e["name"] == "TUNEDIN_GRACEFUL_TIMEOUT_S")
    assert pause > 0 and pause + graceful < pod["terminationGracePeriodSeconds"]
    assert api["livenessProbe"]["httpGet"]["path"] == "/healthz"
    assert api["readinessProbe"]["httpGet"]["path"] == "/readyz"


@pytest.mark.parametrize("values", scenarios(), ids=scenario_id)
def test_selectors_services_and_ports_line_up(values: tuple[str, ...]) -> None:
    objs = render(*values)
    workloads = by_kind(objs, "Deployment") + by_kind(objs, "StatefulSet")
    for w in workloads:
        selector = w["spec"]["selector"]["matchLabels"]
        labels = w["spec"]["template"]["metadata"]["labels"]
        assert selector.items() <= labels.items(), w["metadata"]["name"]
    for svc in by_kind(objs, "Service"):
        targets = [
            w
            for w in workloads
            if svc["spec"]["selector"].items() <= w["spec"]["template"]["metadata"]["labels"].items()
        ]
        assert len(targets) == 1, f"Service {svc['metadata']['name']} selects {len(targets)} workloads"
        ports = {p["name"] for c in targets[0]["spec"]["template"]["spec"]["containers"] for p in c["ports"]}
        for port in svc["spec"]["ports"]:
            assert port["targetPort"] in ports, svc["metadata"]["name"]
    services = {s["metadata"]["name"]: s for s in by_kind(objs, "Service")}
    for ing in by_kind(objs, "Ingress"):
        for rule in ing["spec"]["rules"]:
            for path in rule["http"]["paths"]:
                backend = path["backend"]["service"]
                assert backend["port"]["name"] in {
                    p["name"] for p in services[backend["name"]]["spec"]["ports"]
                }
    for sts in by_kind(objs, "StatefulSet"):
        assert services[sts["spec"]["serviceName"]]["spec"]["clusterIP"] == "None"
    claims = {c["metadata"]["name"] for c in by_kind(objs, "PersistentVolumeClaim")}
    for where, pod in pod_specs(objs):
        for vol in pod.get("volumes", []):
            if "persistentVolumeClaim" in vol and "existing-secret" not in scenario_id(values):
                assert vol["persistentVolumeClaim"]["claimName"] in claims, where


def _evictable(pdb: Obj, replicas: int) -> int:
    """Pods a drain may evict at once under this budget (Kubernetes rounds a percentage up)."""
    assert "minAvailable" not in pdb["spec"]
    limit = pdb["spec"]["maxUnavailable"]
    if isinstance(limit, str):
        return min(replicas, math.ceil(int(limit.rstrip("%")) * replicas / 100))
    return min(replicas, int(limit))


@pytest.mark.parametrize(
    ("values", "sets"),
    [
        ((), ()),
        ((), ("api.autoscaling.minReplicas=1",)),
        ((str(CI / "kind-values.yaml"),), ()),
        ((str(CI / "gateway-values.yaml"),), ("api.autoscaling.enabled=false", "api.replicaCount=1")),
    ],
)
def test_the_disruption_budget_never_blocks_a_drain(values: tuple[str, ...], sets: tuple[str, ...]) -> None:
    objs = render(*values, sets=sets)
    [pdb] = by_kind(objs, "PodDisruptionBudget")
    api = one(objs, "Deployment", f"{FULL}-api")
    pod_labels = api["spec"]["template"]["metadata"]["labels"]
    assert pdb["spec"]["selector"]["matchLabels"].items() <= pod_labels.items()
    hpa = by_kind(objs, "HorizontalPodAutoscaler")
    fewest = hpa[0]["spec"]["minReplicas"] if hpa else api["spec"]["replicas"]
    assert _evictable(pdb, fewest) >= 1, f"{fewest} replica(s): a drain would block"


def _redis_password(objs: tuple[Obj, ...]) -> str:
    return base64.b64decode(one(objs, "Secret", f"{FULL}-redis")["data"]["redis-password"]).decode()


def test_redis_secret_is_generated_given_or_external() -> None:
    generated = _redis_password(render())
    assert len(generated) == 32 and generated.isalnum()
    given = render(str(CI / "tls-on-values.yaml"))
    assert _redis_password(given) == "not-a-real-password-for-tests"
    external = render(str(CI / "existing-secret-values.yaml"))
    assert not by_kind(external, "Secret")
    for name in (f"{FULL}-api", f"{FULL}-redis"):
        kind = "Deployment" if name.endswith("api") else "StatefulSet"
        env = one(external, kind, name)["spec"]["template"]["spec"]["containers"][0]["env"]
        redis_env = ("REDIS_PASSWORD", "REDISCLI_AUTH")
        refs = [e["valueFrom"]["secretKeyRef"] for e in env if e["name"] in redis_env]
        assert refs and all(r == {"name": "my-redis-auth", "key": "password"} for r in refs), name


def test_redis_secret_keeps_the_installed_password() -> None:
    template = (CHART_DIR / "templates" / "redis-secret.yaml").read_text(encoding="utf-8")
    assert 'lookup "v1" "Secret" .Release.Namespace $name' in template
    assert "randAlphaNum" in template.split("lookup", 1)[1], "generate only when the lookup finds nothing"


@pytest.mark.parametrize("export", [True, False])
def test_redis_networkpolicy_admits_the_api_and_the_feedback_export_only(export: bool) -> None:
    objs = render(sets=(f"retrain.feedback.export={str(export).lower()}",))
    policy = one(objs, "NetworkPolicy", f"{FULL}-redis")["spec"]
    redis = one(objs, "StatefulSet", f"{FULL}-redis")["spec"]["template"]["metadata"]["labels"]
    assert policy["podSelector"]["matchLabels"].items() <= redis.items()
    assert policy["policyTypes"] == ["Ingress"]
    [rule] = policy["ingress"]
    assert all(set(peer) == {"podSelector"} for peer in rule["from"])
    admitted = [peer["podSelector"]["matchLabels"] for peer in rule["from"]]
    clients = {
        f"Deployment/{FULL}-api",
        *([f"ConfigMap/{PIPELINE_CONFIG_MAP}/prepare-train"] if export else []),
    }
    for where, pod_labels in _pod_labels(objs):
        selected = any(peer.items() <= pod_labels.items() for peer in admitted)
        assert selected == (where in clients), where
    assert rule["ports"] == [{"port": "redis", "protocol": "TCP"}]


def _pod_labels(objs: tuple[Obj, ...]) -> list[tuple[str, dict[str, str]]]:
    out = []
    for o in objs:
        if o["kind"] in ("Deployment", "StatefulSet", "Job"):
            out.append((f"{o['kind']}/{o['metadata']['name']}", o["spec"]["template"]["metadata"]["labels"]))
        if o["kind"] == "CronJob":
            tmpl = o["spec"]["jobTemplate"]["spec"]["template"]
            out.append((f"CronJob/{o['metadata']['name']}", tmpl["metadata"]["labels"]))
    for key, spec in pipeline_job_specs(objs).items():
        out.append((f"ConfigMap/{PIPELINE_CONFIG_MAP}/{key}", spec["template"]["metadata"]["labels"]))
    return out


@pytest.mark.parametrize("values", scenarios(), ids=scenario_id)
def test_every_object_carries_the_recommended_labels(values: tuple[str, ...]) -> None:
    for obj in render(*values):
        labels = obj["metadata"]["labels"]
        assert labels["app.kubernetes.io/name"] == "tunedin"
        assert labels["app.kubernetes.io/instance"] == RELEASE
        assert labels["app.kubernetes.io/managed-by"] == "Helm"
        assert labels["helm.sh/chart"].startswith("tunedin-")
        assert "app.kubernetes.io/component" in labels and "app.kubernetes.io/version" in labels


def test_monitoring_objects_carry_the_release_label() -> None:
    for values, release in (
        ((str(CI / "monitoring-on-values.yaml"),), RELEASE),
        ((str(CI / "existing-secret-values.yaml"),), "kube-prometheus-stack"),
    ):
        objs = render(*values)
        for kind in ("ServiceMonitor", "PrometheusRule"):
            [obj] = by_kind(objs, kind)
            assert obj["metadata"]["labels"]["release"] == release
        sm = by_kind(objs, "ServiceMonitor")[0]["spec"]
        api_svc = one(objs, "Service", f"{FULL}-api")
        assert sm["selector"]["matchLabels"].items() <= api_svc["metadata"]["labels"].items()
        assert sm["endpoints"][0]["port"] in {p["name"] for p in api_svc["spec"]["ports"]}
        assert sm["endpoints"][0]["path"] == "/metrics"
