"""One container flow for the whole image suite: the pipeline runs once, then every test
(the flow's and the faults') uses the same running stack; a fault test restores what it breaks."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.chart.support import Obj
from tests.images.flow import Flow, rendered_objs, running_flow


@pytest.fixture(scope="session")
def objs() -> tuple[Obj, ...]:
    return rendered_objs()


@pytest.fixture(scope="session")
def flow(objs: tuple[Obj, ...]) -> Iterator[Flow]:
    with running_flow(objs) as running:
        yield running
