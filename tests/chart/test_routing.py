"""How requests reach the API and the frontend: the Ingress any controller serves, the Gateway API
HTTPRoute, the API's root path and the frontend's /api proxy to the API Service. With the frontend
on, the app's /api calls reach the frontend's nginx (which adds the frontend's API key) and /v1 the
API itself (clients with their own key)."""

from __future__ import annotations

import re

import pytest

from tests.chart.support import CHART_DIR, NAMESPACE, RELEASE, Obj, by_kind, one, render, render_error

CI = CHART_DIR / "ci"
FULL = RELEASE  # the release name contains the chart name
API, FRONTEND = f"{FULL}-api", f"{FULL}-frontend"
# What the frontend image's entrypoint accepts in TUNEDIN_API_UPSTREAM (apps/frontend/Dockerfile).
UPSTREAM_SHAPE = re.compile(r"^https?://[A-Za-z0-9.:/_-]+$")


def _ingress_paths(ingress: Obj) -> list[tuple[str, str, str, str]]:
    [rule] = ingress["spec"]["rules"]
    return [
        (p["path"], p["pathType"], p["backend"]["service"]["name"], p["backend"]["service"]["port"]["name"])
        for p in rule["http"]["paths"]
    ]


def _route_rules(route: Obj) -> list[tuple[str, str, str, int]]:
    rules = []
    for rule in route["spec"]["rules"]:
        [match] = rule["matches"]
        [backend] = rule["backendRefs"]
        rules.append((match["path"]["type"], match["path"]["value"], backend["name"], backend["port"]))
    return rules


def _env(container: Obj) -> dict[str, str]:
    return {e["name"]: e["value"] for e in container.get("env", []) if "value" in e}


def _container(objs: tuple[Obj, ...], deployment: str) -> Obj:
    containers: list[Obj] = one(objs, "Deployment", deployment)["spec"]["template"]["spec"]["containers"]
    [container] = containers
    return container


def _prefix_backend(paths: list[tuple[str, str]], url_path: str) -> str:
    """The backend a request path reaches: the longest matching Prefix, by whole path segments."""
    segments = [s for s in url_path.split("/") if s]
    matching = [
        (len(prefix.strip("/").split("/")) if prefix != "/" else 0, backend)
        for prefix, backend in paths
        if prefix == "/" or segments[: len(prefix.strip("/").split("/"))] == prefix.strip("/").split("/")
    ]
    return max(matching)[1]


def test_the_ingress_has_two_plain_prefix_paths_and_no_controller_specifics() -> None:
    ingress = one(render(), "Ingress", FULL)
    assert _ingress_paths(ingress) == [("/v1", "Prefix", API, "http"), ("/", "Prefix", FRONTEND, "http")]
    assert "ingressClassName" not in ingress["spec"], "no class: the cluster's default IngressClass"
    assert "annotations" not in ingress["metadata"]
    assert "tls" not in ingress["spec"] and "host" not in ingress["spec"]["rules"][0]


def test_the_ingress_takes_a_class_annotations_host_and_tls() -> None:
    objs = render(str(CI / "tls-on-values.yaml"), sets=("ingress.className=traefik",))
    ingress = one(objs, "Ingress", FULL)
    assert ingress["spec"]["ingressClassName"] == "traefik"
    assert ingress["metadata"]["annotations"] == {"cert-manager.io/cluster-issuer": "letsencrypt"}
    assert ingress["spec"]["tls"] == [{"secretName": "tunedin-example-tls", "hosts": ["tunedin.example.com"]}]
    assert ingress["spec"]["rules"][0]["host"] == "tunedin.example.com"
    # The frontend is off in this scenario: the API also takes its root path.
    assert _ingress_paths(ingress) == [("/v1", "Prefix", API, "http"), ("/api", "Prefix", API, "http")]


@pytest.mark.parametrize("values", [(), (str(CI / "gateway-values.yaml"), "ingress.enabled=true")])
def test_the_apps_api_calls_reach_the_frontends_proxy_and_v1_the_api(values: tuple[str, ...]) -> None:
    objs = render(*values[:1], sets=values[1:])
    ingress = [(path, svc) for path, _, svc, _ in _ingress_paths(one(objs, "Ingress", FULL))]
    routes = [ingress]
    if by_kind(objs, "HTTPRoute"):
        routes.append([(value, svc) for _, value, svc, _ in _route_rules(one(objs, "HTTPRoute", FULL))])
    for paths in routes:
        for path in ("/api/v1/users/2/recommendations", "/api/metrics", "/api/docs", "/", "/assets/app.js"):
            assert _prefix_backend(paths, path) == FRONTEND, path
        for path in ("/v1/users/2/recommendations", "/v1"):
            assert _prefix_backend(paths, path) == API, path
        assert _prefix_backend(paths, "/metrics") == FRONTEND, "the API's /metrics is not routed"


def test_the_api_keeps_its_root_path_wherever_it_is_routed() -> None:
    assert _env(_container(render(), API))["TUNEDIN_ROOT_PATH"] == "/api"
    sets = ("api.rootPath=/music/api", "ingress.enabled=true", "frontend.enabled=false")
    objs = render(str(CI / "gateway-values.yaml"), sets=sets)
    assert _env(_container(objs, API))["TUNEDIN_ROOT_PATH"] == "/music/api"
    assert _ingress_paths(one(objs, "Ingress", FULL))[1][0] == "/music/api"
    assert _route_rules(one(objs, "HTTPRoute", FULL))[1][1] == "/music/api"


@pytest.mark.parametrize("port", [80, 8081])
def test_the_frontend_proxies_api_to_the_api_service(port: int) -> None:
    objs = render(sets=(f"api.service.port={port}",))
    service = one(objs, "Service", API)
    [service_port] = service["spec"]["ports"]
    upstream = _env(_container(objs, FRONTEND))["TUNEDIN_API_UPSTREAM"]
    assert upstream == f"http://{service['metadata']['name']}.{NAMESPACE}.svc:{service_port['port']}"
    assert service_port["port"] == port
    assert UPSTREAM_SHAPE.match(upstream), "the frontend entrypoint would refuse it"


def test_no_httproute_unless_the_gateway_is_enabled() -> None:
    assert not by_kind(render(), "HTTPRoute")


def test_the_httproute_has_the_ingress_rules_on_the_given_gateways() -> None:
    objs = render(str(CI / "gateway-values.yaml"))
    assert not by_kind(objs, "Ingress")
    route = one(objs, "HTTPRoute", FULL)
    assert route["apiVersion"] == "gateway.networking.k8s.io/v1"
    assert route["spec"]["parentRefs"] == [
        {"name": "shared-gateway", "namespace": "gateway-system", "sectionName": "https"}
    ]
    assert route["spec"]["hostnames"] == ["tunedin.example.com"]
    ports = {s["metadata"]["name"]: s["spec"]["ports"][0]["port"] for s in by_kind(objs, "Service")}
    assert _route_rules(route) == [
        ("PathPrefix", "/v1", API, ports[API]),
        ("PathPrefix", "/", FRONTEND, ports[FRONTEND]),
    ]


def test_ingress_and_httproute_route_the_same_prefixes_to_the_same_services() -> None:
    objs = render(str(CI / "gateway-values.yaml"), sets=("ingress.enabled=true",))
    ingress = [(path, svc) for path, _, svc, _ in _ingress_paths(one(objs, "Ingress", FULL))]
    route = [(value, svc) for _, value, svc, _ in _route_rules(one(objs, "HTTPRoute", FULL))]
    assert ingress == route


def test_a_gateway_without_parent_refs_fails_clearly() -> None:
    error = render_error(sets=("gateway.enabled=true",))
    assert "gateway.enabled=true needs gateway.parentRefs" in error


def test_hostnames_are_optional() -> None:
    route = one(render(sets=("gateway.enabled=true", "gateway.parentRefs[0].name=gw")), "HTTPRoute", FULL)
    assert "hostnames" not in route["spec"]
    assert route["spec"]["parentRefs"] == [{"name": "gw"}]
