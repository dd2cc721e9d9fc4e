"""The live-cluster checks run in file order against the cluster the current kubeconfig names
(KUBECONFIG). Settings, all optional:
  TUNEDIN_CHECK_NAMESPACE   namespace to install into (default tunedin-check; created, and
                            deleted at the end)
  TUNEDIN_CHECK_RELEASE     release name (default tunedin)
  TUNEDIN_CHECK_INGRESS_URL where the ingress answers (default http://127.0.0.1:18080)
  TUNEDIN_CHECK_VALUES      extra values files for the install, comma-separated (images, storage)
  TUNEDIN_CHECK_DATA_URL    TUNEDIN_DATA_SOURCE for the trainer (a mirror of the Last.fm zip)
  TUNEDIN_CHECK_CRDS        folder of the monitoring CRDs to apply (default ../shared/schemas/crds)
  TUNEDIN_CHECK_CLUSTER_INFO a JSON file of what the cluster runs, copied into the report
  TUNEDIN_CHECK_PREPARED_S  seconds it took to bring the cluster and the images up (make test-cluster)
Each check records its time, outcome and figures into bench/results/cluster.{json,md}."""

from __future__ import annotations

import os
import shutil
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.cluster.check.kube import Cluster, chart_dir
from tests.cluster.check.report import Report, Step

REPORT = Report()
_STEPS: dict[str, Step] = {}


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        doc = (item.obj.__doc__ or item.name).strip().splitlines()[0]  # type: ignore[attr-defined]
        _STEPS[item.nodeid] = REPORT.step(item.name, doc)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item: pytest.Item) -> Iterator[None]:
    step = _STEPS[item.nodeid]
    started = time.monotonic()
    try:
        yield
        step.outcome = "passed"
    except BaseException as err:
        step.outcome = f"FAILED: {str(err).splitlines()[0][:200] if str(err) else type(err).__name__}"
        raise
    finally:
        step.seconds = time.monotonic() - started
        REPORT.write()


def pytest_runtest_setup(item: pytest.Item) -> None:
    failed = [s for s in REPORT.steps if s.outcome.startswith("FAILED")]
    if failed:
        pytest.fail(
            f"an earlier check failed ({failed[0].title}); the later ones depend on it", pytrace=False
        )


@pytest.fixture
def step(request: pytest.FixtureRequest) -> Step:
    return _STEPS[request.node.nodeid]


@pytest.fixture(scope="session")
def settings() -> dict[str, Any]:
    shared = Path(__file__).resolve().parents[4] / "shared"
    return {
        "namespace": os.environ.get("TUNEDIN_CHECK_NAMESPACE", "tunedin-check"),
        "release": os.environ.get("TUNEDIN_CHECK_RELEASE", "tunedin"),
        "ingress": os.environ.get("TUNEDIN_CHECK_INGRESS_URL", "http://127.0.0.1:18080").rstrip("/"),
        "values": [v for v in os.environ.get("TUNEDIN_CHECK_VALUES", "").split(",") if v],
        "data_url": os.environ.get("TUNEDIN_CHECK_DATA_URL", ""),
        "crds": Path(os.environ.get("TUNEDIN_CHECK_CRDS", shared / "schemas" / "crds")),
    }


@pytest.fixture(scope="session")
def cluster(settings: dict[str, Any]) -> Iterator[Cluster]:
    c = Cluster(settings["namespace"], settings["release"])
    version = c.run([c.kubectl_bin, "version", "-o", "yaml"])
    REPORT.cluster.update(
        {
            "server": yaml.safe_load(version)["serverVersion"]["gitVersion"],
            "nodes": ", ".join(
                n["metadata"]["name"]
                + " ("
                + n["status"]["nodeInfo"]["containerRuntimeVersion"]
                + ", kernel "
                + n["status"]["nodeInfo"]["kernelVersion"]
                + ")"
                for n in c.get("nodes")
            ),
            "helm": c.run([c.helm_bin, "version", "--short"]).strip(),
            "namespace": c.namespace,
            "ingress": settings["ingress"],
        }
    )
    yield c
    c.run(
        [c.kubectl_bin, "delete", "namespace", c.namespace, "--ignore-not-found", "--wait=false"], check=False
    )
    REPORT.write()


@pytest.fixture(scope="session")
def chart() -> Iterator[Path]:
    """The chart to install. Without its downloaded kube-prometheus-stack archive (offline, or
    before `helm dependency build`), a copy with a stub subchart of the pinned name and version:
    the dependency is off by default, so nothing of it renders either way."""
    src = chart_dir()
    if list((src / "charts").glob("kube-prometheus-stack-*.tgz")):
        yield src
        return
    tmp = Path(tempfile.mkdtemp(prefix="tunedin-chart-"))
    shutil.copytree(src, tmp / "tunedin", ignore=shutil.ignore_patterns("charts"))
    dep = next(
        d
        for d in yaml.safe_load((src / "Chart.yaml").read_text())["dependencies"]
        if d["name"] == "kube-prometheus-stack"
    )
    stub = tmp / "tunedin" / "charts" / "kube-prometheus-stack"
    stub.mkdir(parents=True)
    (stub / "Chart.yaml").write_text(
        f"apiVersion: v2\nname: kube-prometheus-stack\nversion: {dep['version']}\n"
    )
    yield tmp / "tunedin"
    shutil.rmtree(tmp)


@pytest.fixture(scope="session")
def state() -> dict[str, Any]:
    """What one check leaves for the next (the first model id, artist ids)."""
    return {}


@pytest.fixture(scope="session")
def install_args(settings: dict[str, Any], chart: Path) -> list[str]:
    """The arguments of every `helm upgrade --install` of the checks (each adds its --set)."""
    args = [settings["release"], str(chart), "-f", str(Path(__file__).with_name("check-values.yaml"))]
    for values in settings["values"]:
        args += ["-f", values]
    if settings["data_url"]:
        args += ["--set-string", f"trainer.env.TUNEDIN_DATA_SOURCE={settings['data_url']}"]
    return args
