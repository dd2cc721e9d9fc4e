"""The API keys the chart provisions: the Secret holding the key file (read with the API's own
key file model) and two generated keys, kept by ``lookup`` on upgrades (rendered over a stand-in
API that serves the installed Secret), or the user's Secret; the key file mounted into the API
pod as a folder, the frontend's key in the frontend pod only; the API's NetworkPolicy."""

from __future__ import annotations

import base64
import json
from typing import Any

from tests.chart.lookup_cluster import render_over
from tests.chart.support import (
    CHART_DIR,
    NAMESPACE,
    RELEASE,
    Obj,
    by_kind,
    one,
    render,
    render_error,
    render_notes,
    secret_values,
)
from tunedin_api.keys.keyfile import KEY_PATTERN, KeyFile, Scope, hash_key, parse_key
from tunedin_api.settings import Settings as ApiSettings

FULL = RELEASE
SECRET = f"{FULL}-api-keys"
EXISTING = str(CHART_DIR / "ci" / "existing-secret-values.yaml")
FRONTEND_SCOPES = [Scope.RECOMMENDATIONS_READ, Scope.FEEDBACK_WRITE, Scope.HISTORY_READ, Scope.USERS_DELETE]


def _pod(objs: tuple[Obj, ...], component: str) -> Obj:
    pod: Obj = one(objs, "Deployment", f"{FULL}-{component}")["spec"]["template"]
    return pod


def _container(objs: tuple[Obj, ...], component: str) -> Obj:
    containers: list[Obj] = _pod(objs, component)["spec"]["containers"]
    [container] = containers
    return container


def _env_item(container: Obj, name: str) -> Obj | None:
    return next((e for e in container.get("env", []) if e["name"] == name), None)


def _keys(objs: tuple[Obj, ...]) -> tuple[KeyFile, str, str]:
    """The generated key file, admin key and frontend key."""
    values = secret_values(objs)
    return (
        KeyFile.model_validate_json(values[(SECRET, "keys.json")]),
        values[(SECRET, "admin-key")],
        values[(SECRET, "frontend-key")],
    )


def test_the_secret_holds_a_key_file_with_the_hashes_of_its_two_keys() -> None:
    key_file, admin, frontend = _keys(render())
    assert KEY_PATTERN.match(admin) and KEY_PATTERN.match(frontend)
    admin_id, frontend_id = parse_key(admin), parse_key(frontend)
    assert admin_id and frontend_id and admin_id[0] != frontend_id[0]
    by_id = {entry.id: entry for entry in key_file.keys}
    assert set(by_id) == {admin_id[0], frontend_id[0]}
    assert by_id[admin_id[0]].sha256 == hash_key(admin) and by_id[admin_id[0]].scopes == [Scope.ADMIN]
    assert by_id[frontend_id[0]].sha256 == hash_key(frontend)
    assert by_id[frontend_id[0]].scopes == FRONTEND_SCOPES
    assert all(entry.active for entry in key_file.keys)
    assert not by_id[frontend_id[0]].allows(Scope.ADMIN)
    # Fresh on every first install: never a fixed default.
    assert _keys(render(sets=("api.replicaCount=3",)))[1:] != (admin, frontend)


def _installed(objs: tuple[Obj, ...]) -> Obj:
    """The Secret as the cluster holds it after the install that rendered OBJS."""
    secret = one(objs, "Secret", SECRET)
    return {"apiVersion": "v1", "kind": "Secret", "metadata": {"name": SECRET}, "data": secret["data"]}


def test_an_upgrade_keeps_the_installed_keys() -> None:
    installed = _installed(render())
    upgraded, asked = render_over([installed], sets=("api.replicaCount=3",))
    assert SECRET in asked
    assert one(upgraded, "Secret", SECRET)["data"] == installed["data"]
    # The pods do not roll: the checksum of the kept Secret is the same on every later upgrade.
    again, _ = render_over([installed], sets=("api.replicaCount=4",))
    for component in ("api", "frontend"):
        annotation = _pod(upgraded, component)["metadata"]["annotations"]["checksum/api-keys"]
        assert annotation == _pod(again, component)["metadata"]["annotations"]["checksum/api-keys"]


def test_an_upgrade_keeps_what_the_operator_changed_in_the_key_file() -> None:
    installed = _installed(render())
    key_file = json.loads(base64.b64decode(installed["data"]["keys.json"]))
    key_file["keys"][0]["revoked_at"] = "2026-12-01T00:00:00Z"
    installed["data"]["keys.json"] = base64.b64encode(json.dumps(key_file).encode()).decode()
    upgraded, _ = render_over([installed])
    kept = KeyFile.model_validate_json(secret_values(upgraded)[(SECRET, "keys.json")])
    assert not kept.keys[0].active and kept.keys[1].active


def test_an_installed_secret_without_a_key_file_gets_new_keys() -> None:
    stray = {"apiVersion": "v1", "kind": "Secret", "metadata": {"name": SECRET}, "data": {"other": "eA=="}}
    upgraded, _ = render_over([stray])
    key_file, admin, _ = _keys(upgraded)
    assert any(entry.sha256 == hash_key(admin) for entry in key_file.keys)


def test_the_api_reads_the_key_file_from_a_folder_mount() -> None:
    objs = render()
    pod = _pod(objs, "api")
    container = _container(objs, "api")
    [mount] = [m for m in container["volumeMounts"] if m["name"] == "api-keys"]
    assert mount["readOnly"] is True and "subPath" not in mount, "a subPath mount never sees updates"
    item = _env_item(container, "TUNEDIN_API_KEYS_FILE")
    assert item is not None
    path = item["value"]
    assert path == f"{mount['mountPath']}/keys.json"
    assert ApiSettings(api_keys_file=path).api_keys_file == path
    [volume] = [v for v in pod["spec"]["volumes"] if v["name"] == "api-keys"]
    assert volume["secret"]["secretName"] == SECRET
    # Only the key file: the plain keys are the frontend's and the operator's.
    assert volume["secret"]["items"] == [{"key": "keys.json", "path": "keys.json"}]
    assert volume["secret"]["defaultMode"] == 0o440
    assert "checksum/api-keys" in pod["metadata"]["annotations"]
    refs = [e["valueFrom"]["secretKeyRef"] for e in container["env"] if "valueFrom" in e]
    assert not [r for r in refs if r["name"] == SECRET], "no plain key in the API's environment"


def test_the_frontend_gets_its_key_and_only_it() -> None:
    objs = render()
    container = _container(objs, "frontend")
    item = _env_item(container, "TUNEDIN_API_KEY")
    assert item is not None and set(item) == {"name", "valueFrom"}, "the key never sits in the pod spec"
    ref = item["valueFrom"]["secretKeyRef"]
    assert ref == {"name": SECRET, "key": "frontend-key"}
    key_file, _, frontend = _keys(objs)
    [entry] = [
        e for e in key_file.keys if e.sha256 == hash_key(secret_values(objs)[(ref["name"], ref["key"])])
    ]
    assert entry.scopes == FRONTEND_SCOPES and hash_key(frontend) == entry.sha256
    assert "checksum/api-keys" in _pod(objs, "frontend")["metadata"]["annotations"]
    for where in ("api", "redis"):
        pods = [
            o
            for o in objs
            if o["kind"] in ("Deployment", "StatefulSet") and o["metadata"]["name"].endswith(where)
        ]
        for o in pods:
            for c in o["spec"]["template"]["spec"]["containers"]:
                assert _env_item(c, "TUNEDIN_API_KEY") is None, o["metadata"]["name"]


def test_the_users_secret_instead_of_a_generated_one() -> None:
    objs = render(EXISTING)
    assert not [s for s in by_kind(objs, "Secret") if s["metadata"]["name"] == SECRET]
    [volume] = [v for v in _pod(objs, "api")["spec"]["volumes"] if v["name"] == "api-keys"]
    assert volume["secret"]["secretName"] == "my-api-keys"
    assert volume["secret"]["items"] == [{"key": "key-file.json", "path": "keys.json"}]
    ref = (_env_item(_container(objs, "frontend"), "TUNEDIN_API_KEY") or {})["valueFrom"]["secretKeyRef"]
    assert ref == {"name": "my-api-keys", "key": "web-key"}
    for component in ("api", "frontend"):
        annotations = _pod(objs, component)["metadata"].get("annotations", {})
        assert "checksum/api-keys" not in annotations, component


def test_the_chart_sets_the_key_file_itself() -> None:
    assert "api.env.TUNEDIN_API_KEYS_FILE: the chart sets TUNEDIN_API_KEYS_FILE" in render_error(
        sets=("api.env.TUNEDIN_API_KEYS_FILE=/elsewhere.json",)
    )


def _policy(*sets: str) -> Any:
    return one(render(sets=("api.networkPolicy.enabled=true", *sets)), "NetworkPolicy", f"{FULL}-api")["spec"]


def test_no_api_network_policy_unless_enabled() -> None:
    assert not [p for p in by_kind(render(), "NetworkPolicy") if p["metadata"]["name"] == f"{FULL}-api"]


def test_the_api_network_policy_admits_the_frontend_prometheus_and_the_given_peers() -> None:
    objs = render(sets=("api.networkPolicy.enabled=true",))
    policy = one(objs, "NetworkPolicy", f"{FULL}-api")["spec"]
    assert policy["podSelector"]["matchLabels"].items() <= _pod(objs, "api")["metadata"]["labels"].items()
    [rule] = policy["ingress"]
    assert rule["ports"] == [{"port": "http", "protocol": "TCP"}]
    [frontend] = rule["from"]
    assert (
        frontend["podSelector"]["matchLabels"].items() <= _pod(objs, "frontend")["metadata"]["labels"].items()
    )
    assert (
        not frontend["podSelector"]["matchLabels"].items() <= _pod(objs, "api")["metadata"]["labels"].items()
    )

    traefik = {"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "traefik"}}}
    with_peers = _policy(
        "kube-prometheus-stack.enabled=true",
        "api.networkPolicy.from[0].namespaceSelector.matchLabels.kubernetes\\.io/metadata\\.name=traefik",
    )
    [rule] = with_peers["ingress"]
    assert rule["from"][1:] == [
        {"podSelector": {"matchLabels": {"app.kubernetes.io/name": "prometheus"}}},
        traefik,
    ]


def test_an_api_network_policy_that_admits_nobody_fails() -> None:
    error = render_error(sets=("api.networkPolicy.enabled=true", "frontend.enabled=false"))
    assert "admits nobody" in error


def test_notes_show_how_to_read_the_admin_key_and_call_the_api() -> None:
    read = f"kubectl -n {NAMESPACE} get secret {SECRET} -o jsonpath='{{.data.admin-key}}' | base64 -d"
    through_ingress = render_notes("ingress.host=music.example.com")
    assert f"API_KEY=$({read})" in through_ingress
    assert 'curl -H "Authorization: Bearer $API_KEY" http://music.example.com/v1/users/2/recommendations' in (
        through_ingress
    )
    forwarded = render_notes("ingress.enabled=false")
    assert f"port-forward svc/{FULL}-api 8000:80" in forwarded
    assert "http://localhost:8000/v1/users/2/recommendations" in forwarded
    theirs = render_notes("api.keys.existingSecret=my-api-keys")
    assert "admin-key" not in theirs and "your Secret my-api-keys" in theirs
