"""Importing and starting the API (and serving a request) never imports torch."""

from __future__ import annotations

import os
import subprocess
import sys

from tests.api.conftest import KEYS
from tests.conftest import REPO_ROOT
from tests.support.redis_server import RedisServer
from tunedin_api.keys.keyfile import Scope
from tunedin_common.contract import ArtifactStore

SCRIPT = """
import sys
from fastapi.testclient import TestClient
from tunedin_api.main import create_app
with TestClient(create_app(), headers={"Authorization": "Bearer " + sys.argv[1]}) as client:
    response = client.get("/v1/users/2/recommendations")
    assert response.status_code == 200, response.text
    assert response.json()["strategy"] == "model"
print("torch" in sys.modules, sorted(m for m in sys.modules if m.startswith(("torch", "tunedin_trainer"))))
"""


def test_the_api_never_imports_torch(published: tuple[ArtifactStore, str], redis_server: RedisServer) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("TUNEDIN_")}
    env.update(
        TUNEDIN_ARTIFACTS=str(published[0].root),
        TUNEDIN_REDIS_URL=redis_server.url,
        TUNEDIN_API_KEYS_FILE=str(KEYS.file),
    )
    result = subprocess.run(
        [sys.executable, "-c", SCRIPT, KEYS.by_scope[Scope.RECOMMENDATIONS_READ]],
        cwd=REPO_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "False []"
