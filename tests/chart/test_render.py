"""helm lint and template on every scenario; every object strictly validated against its schema, at
the oldest Kubernetes the chart supports and the newest one kubernetes-validate knows."""

from __future__ import annotations

import re
from typing import Any

import jsonschema
import kubernetes_validate  # type: ignore[import-untyped]
import pytest
import yaml

from tests.chart.support import (
    CHART_DIR,
    CI_VALUES,
    KUBE_VERSIONS,
    by_kind,
    crd_schema,
    gateway_crd_schema,
    helm,
    offline_chart,
    pipeline_job_specs,
    render,
    scenario_id,
    scenarios,
)

CRD_KINDS = {"ServiceMonitor", "PrometheusRule"}
GATEWAY_KINDS = {"HTTPRoute"}


@pytest.mark.parametrize("kube_version", KUBE_VERSIONS)
def test_lint_strict_on_every_scenario(kube_version: str) -> None:
    for values in scenarios():
        args = ["lint", "--strict", str(offline_chart()), "--namespace", "music"]
        args += ["--kube-version", kube_version]
        for v in values:
            args += ["-f", v]
        result = helm(*args, check=False)
        assert result.returncode == 0, f"{values}: {result.stdout}{result.stderr}"


def test_the_ci_scenarios_exist() -> None:
    names = {scenario_id((str(p),)) for p in CI_VALUES}
    assert {"monitoring-off", "hpa-off", "existing-secret", "tls-on", "gateway", "kind"} <= names


def test_the_versions_are_the_charts_minimum_and_the_newest_known() -> None:
    minimum, newest = KUBE_VERSIONS
    assert minimum == "1.30"
    assert newest == kubernetes_validate.latest_version().rsplit(".", 1)[0]
    assert tuple(int(n) for n in newest.split(".")) >= (1, 37)


def test_a_cluster_older_than_the_minimum_is_refused() -> None:
    args = ["template", "t", str(offline_chart()), "--kube-version", "1.29"]
    result = helm(*args, check=False)
    assert result.returncode != 0
    assert "requires kubeVersion: >=1.30.0-0" in result.stderr


@pytest.mark.parametrize("kube_version", KUBE_VERSIONS)
@pytest.mark.parametrize("values", scenarios(), ids=scenario_id)
def test_every_object_is_valid_kubernetes(values: tuple[str, ...], kube_version: str) -> None:
    objs = render(*values, kube_version=kube_version)
    assert objs
    for obj in objs:
        if obj["kind"] in CRD_KINDS | GATEWAY_KINDS:
            continue
        kubernetes_validate.validate(obj, kube_version, strict=True)
    # The pipeline ConfigMap's Job specs (runner and stages) are Jobs the runners create: validate them too.
    for name, spec in pipeline_job_specs(objs).items():
        job = {"apiVersion": "batch/v1", "kind": "Job", "metadata": {"name": name}, "spec": spec}
        kubernetes_validate.validate(job, kube_version, strict=True)


def test_strict_validation_rejects_an_unknown_field() -> None:
    deployment = next(o for o in render() if o["kind"] == "Deployment")
    broken: dict[str, Any] = yaml.safe_load(yaml.safe_dump(deployment))
    broken["spec"]["template"]["spec"]["containers"][0]["securityContex"] = {}
    for kube_version in KUBE_VERSIONS:
        with pytest.raises(kubernetes_validate.ValidationError):
            kubernetes_validate.validate(broken, kube_version, strict=True)


@pytest.mark.parametrize("values", scenarios(), ids=scenario_id)
def test_gateway_objects_match_the_gateway_api_crds(values: tuple[str, ...]) -> None:
    for obj in render(*values):
        if obj["kind"] in GATEWAY_KINDS:
            jsonschema.Draft7Validator(gateway_crd_schema(obj["kind"])).validate(obj)


def test_gateway_crd_validation_rejects_a_typo_and_a_bad_path_type() -> None:
    objs = render(str(CHART_DIR / "ci" / "gateway-values.yaml"))
    [route] = by_kind(objs, "HTTPRoute")
    validator = jsonschema.Draft7Validator(gateway_crd_schema("HTTPRoute"))
    validator.validate(route)
    typo: dict[str, Any] = yaml.safe_load(yaml.safe_dump(route))
    typo["spec"]["rules"][0]["backendRef"] = typo["spec"]["rules"][0].pop("backendRefs")
    with pytest.raises(jsonschema.ValidationError):
        validator.validate(typo)
    bad_type: dict[str, Any] = yaml.safe_load(yaml.safe_dump(route))
    bad_type["spec"]["rules"][0]["matches"][0]["path"]["type"] = "Prefix"
    with pytest.raises(jsonschema.ValidationError):
        validator.validate(bad_type)


@pytest.mark.parametrize("values", scenarios(), ids=scenario_id)
def test_monitoring_objects_match_their_crds(values: tuple[str, ...]) -> None:
    for obj in render(*values):
        if obj["kind"] in CRD_KINDS:
            jsonschema.Draft7Validator(crd_schema(obj["kind"])).validate(obj)


def test_crd_validation_rejects_a_typo() -> None:
    rule = next(
        o
        for o in render(str(CHART_DIR / "ci" / "monitoring-on-values.yaml"))
        if o["kind"] == "PrometheusRule"
    )
    broken: dict[str, Any] = yaml.safe_load(yaml.safe_dump(rule))
    broken["spec"]["groups"][0]["rules"][0]["expresion"] = "up"
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.Draft7Validator(crd_schema("PrometheusRule")).validate(broken)


def test_monitoring_off_renders_no_monitoring_objects() -> None:
    objs = render(str(CHART_DIR / "ci" / "monitoring-off-values.yaml"))
    assert not [o for o in objs if o["kind"] in CRD_KINDS]
    assert not [o for o in objs if o["metadata"].get("labels", {}).get("grafana_dashboard")]


def _leaf_paths(node: Any, prefix: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    if isinstance(node, dict) and node:
        return [p for k, v in node.items() for p in _leaf_paths(v, (*prefix, k))]
    return [prefix]


def _schema_at(schema: dict[str, Any], path: tuple[str, ...]) -> dict[str, Any] | None:
    defs = schema["$defs"]
    node: dict[str, Any] = schema
    for key in path:
        while "$ref" in node:
            node = defs[node["$ref"].rsplit("/", 1)[1]]
        props = node.get("properties", {})
        if key in props:
            node = props[key]
        elif isinstance(node.get("additionalProperties"), dict):
            node = node["additionalProperties"]
        else:
            return None
    return node


def test_schema_covers_every_value_and_closes_every_object() -> None:
    schema = yaml.safe_load((CHART_DIR / "values.schema.json").read_text(encoding="utf-8"))
    values = yaml.safe_load((CHART_DIR / "values.yaml").read_text(encoding="utf-8"))
    missing = [".".join(p) for p in _leaf_paths(values) if _schema_at(schema, p) is None]
    assert not missing, f"values without a schema entry: {missing}"
    jsonschema.Draft7Validator(schema).validate(values)

    def closed(node: Any, where: str) -> list[str]:
        open_objects: list[str] = []
        if isinstance(node, dict):
            if (
                "properties" in node
                and node.get("additionalProperties") is not False
                # Shared with the subcharts: their keys are theirs to check.
                and not where.startswith(("/properties/kube-prometheus-stack", "/properties/global"))
            ):
                open_objects.append(where)
            for k, v in node.items():
                open_objects += closed(v, f"{where}/{k}")
        return open_objects

    assert not closed(schema, ""), "objects of our own values must reject unknown keys"


def test_the_readme_parameters_table_matches_values_yaml() -> None:
    values = yaml.safe_load((CHART_DIR / "values.yaml").read_text(encoding="utf-8"))
    readme = (CHART_DIR / "README.md").read_text(encoding="utf-8")
    table = set(re.findall(r"^\| `([^`]+)` +\|", readme, flags=re.MULTILINE))
    leaves = {".".join(p) for p in _leaf_paths(values)}
    # A row may stand for a whole subtree (kube-prometheus-stack.grafana).
    missing = [leaf for leaf in leaves if not any(leaf == k or leaf.startswith(k + ".") for k in table)]
    assert not missing, f"values.yaml keys missing from the README parameters table: {sorted(missing)}"
    stale = [k for k in table if not any(leaf == k or leaf.startswith(k + ".") for leaf in leaves)]
    assert not stale, f"README parameters that values.yaml does not have: {sorted(stale)}"


@pytest.mark.parametrize(
    ("flag", "complaint"),
    [
        ("api.replicaCount=0", "replicaCount"),
        ("api.autoscalling.enabled=true", "autoscalling"),
        ("containerSecurityContext.readOnlyRootFilesystem=false", "readOnlyRootFilesystem"),
        ("monitoring.prometheusRule.errorRatio=5", "errorRatio"),
        ("trainer.env.EPOCHS=5", "EPOCHS"),
        ("ingress.tls=yes", "tls"),
        ("ingress.rewriteApiPrefix=false", "rewriteApiPrefix"),
        ("api.podDisruptionBudget.minAvailable=1", "minAvailable"),
        ("api.podDisruptionBudget.maxUnavailable=0", "maxUnavailable"),
        ("global.imageRegistry=registry.example.com/team/", "imageRegistry"),
        ("api.image.registry=https://registry.example.com", "registry"),
        ("api.rootPath=api/", "rootPath"),
        ("artifacts.persistence.accessMode=ReadWriteSometimes", "accessMode"),
        ("gateway.parentRefs[0].nam=shared", "nam"),
    ],
)
def test_helm_rejects_bad_values(flag: str, complaint: str) -> None:
    result = helm("template", "t", str(offline_chart()), "--set", flag, check=False)
    assert result.returncode != 0
    assert complaint in result.stderr
