"""gunicorn configuration (``make api``):
``gunicorn -c apps/api/tunedin_api/gunicorn_conf.py 'tunedin_api.main:create_app()'``.

uvicorn workers; prometheus-client multiprocess mode (a fresh directory per master, cleaned
up when a worker exits); a graceful timeout that lets in-flight requests finish; the proxies
whose X-Forwarded-For is trusted. Bind, workers, timeouts, keep-alive and logging are the
API's ``Settings`` (``TUNEDIN_*``).
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Any

from tunedin_api.settings import Settings
from tunedin_common.logging_setup import gunicorn_logconfig

_settings = Settings()

_metrics_dir = Path(_settings.metrics_dir or tempfile.mkdtemp(prefix="tunedin-prometheus-"))
_metrics_dir.mkdir(parents=True, exist_ok=True)
for stale in _metrics_dir.glob("*.db"):
    stale.unlink()
os.environ["PROMETHEUS_MULTIPROC_DIR"] = str(_metrics_dir)
# One thread of numeric work per worker: the workers already use every core, and BLAS/OpenMP
# pools (numpy's matrix products, FAISS) would only contend with them and spin between requests.
# Set before a worker imports numpy or faiss; an operator's own setting wins.
for _threads in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_threads, "1")

# Every knob comes from Settings (TUNEDIN_*): the chart sets those env vars, never gunicorn flags.
bind = f"{_settings.host}:{_settings.port}"
workers = _settings.workers
worker_class = "uvicorn_worker.UvicornWorker"
graceful_timeout = _settings.graceful_timeout_s
timeout = _settings.timeout_s
keepalive = _settings.keepalive_s
# Peers whose X-Forwarded-For names the client; the uvicorn workers apply it (see tunedin_api.proxy).
forwarded_allow_ips = _settings.forwarded_allow_ips
accesslog = None  # the app logs one JSON line per request itself
errorlog = "-"
loglevel = _settings.log_level.lower()
# gunicorn's and uvicorn's own lines in the app's format (TUNEDIN_LOG_FORMAT), one per line.
logconfig_dict = gunicorn_logconfig(_settings.log_level, _settings.log_format)
# No gunicornc control socket: nothing here uses it, and its one default path per user
# ($HOME/.gunicorn) would be shared by every instance on the machine.
control_socket_disable = True


def child_exit(server: Any, worker: Any) -> None:
    # Imported here, never at the top: prometheus-client picks its storage (in-memory or the
    # multiprocess files) when first imported, which must happen after PROMETHEUS_MULTIPROC_DIR
    # is set above — in the master and in every worker it forks.
    from prometheus_client import multiprocess

    multiprocess.mark_process_dead(worker.pid)  # type: ignore[no-untyped-call]
