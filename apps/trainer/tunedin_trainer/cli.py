"""What every ``jobs/`` entrypoint shares: settings, logging, and one-line failures."""

from __future__ import annotations

import logging
import sys
from collections.abc import Callable
from typing import NoReturn, TypeVar

from pydantic import ValidationError

from tunedin_common.contract import ContractError
from tunedin_common.logging_setup import configure_logging
from tunedin_trainer.errors import PipelineError
from tunedin_trainer.settings import Settings

T = TypeVar("T")
log = logging.getLogger("tunedin")


def load_settings(**overrides: object) -> Settings:
    """Settings from the environment, with CLI overrides (None means 'not given') on top."""
    try:
        base = Settings()
        given = {k: v for k, v in overrides.items() if v is not None}
        settings = Settings.model_validate({**base.model_dump(), **given}) if given else base
    except ValidationError as exc:
        fail(f"invalid settings: {_one_line(exc)}")
    configure_logging(settings.log_level, settings.log_format)
    return settings


def run_stage(name: str, action: Callable[[], T]) -> T:
    """Run a stage; turn the errors a user can act on into one line on stderr and exit 1."""
    try:
        return action()
    except (PipelineError, ContractError) as exc:
        log.debug("%s failed", name, exc_info=True)
        fail(f"{name} failed: {' '.join(str(exc).split())}")
    except KeyboardInterrupt:
        fail(f"{name} interrupted", code=130)


def fail(message: str, code: int = 1) -> NoReturn:
    print(f"error: {message}", file=sys.stderr, flush=True)
    sys.exit(code)


def _one_line(exc: ValidationError) -> str:
    return "; ".join(
        f"{'.'.join(str(p) for p in err['loc']) or 'settings'}: {err['msg']}" for err in exc.errors()
    )
