"""Settings every TunedIn process shares. Each knob has one spelling: ``TUNEDIN_<NAME>``."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict


class CommonSettings(BaseSettings):
    """Base for the trainer's and the API's ``Settings``: the artifact root and logging."""

    model_config = SettingsConfigDict(env_prefix="TUNEDIN_", extra="ignore", validate_default=True)

    artifacts: Path = Field(Path("./artifacts"), description="Root of the artifact store.")
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    log_format: Literal["json", "text"] = Field(
        "text", description="json: one JSON object per line (what clusters collect); text: for people."
    )
    pseudonym_key: SecretStr = Field(
        SecretStr("tunedin-development-key"),
        description="HMAC key that pseudonymises user ids in the feedback log and the erasure ledger "
        "(the API and the batch pipeline need the same one; set it in production).",
    )
    erasure_deadline_h: float = Field(
        72.0,
        gt=0,
        description="Hours within which the retrain that completes a user's erasure is due "
        "(the receipt's due_by; the chart schedules erasure retrains well within it).",
    )
