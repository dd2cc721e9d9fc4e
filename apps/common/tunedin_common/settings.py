"""Settings every TunedIn process shares. Each knob has one spelling: ``TUNEDIN_<NAME>``."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class CommonSettings(BaseSettings):
    """Base for the trainer's and the API's ``Settings``: the artifact root and logging."""

    model_config = SettingsConfigDict(env_prefix="TUNEDIN_", extra="ignore", validate_default=True)

    artifacts: Path = Field(Path("./artifacts"), description="Root of the artifact store.")
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    log_format: Literal["json", "text"] = Field(
        "text", description="json: one JSON object per line (what clusters collect); text: for people."
    )
