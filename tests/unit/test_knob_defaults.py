"""One knob, one meaning: derived configs name Settings fields, and the chart's defaults for the
API's gunicorn knobs are the API Settings' own defaults."""

from __future__ import annotations

import typing
from dataclasses import fields
from pathlib import Path

import yaml

from tunedin_api.settings import Settings as ApiSettings
from tunedin_trainer.settings import Settings as TrainerSettings
from tunedin_trainer.training.config import TrainConfig

VALUES = Path(__file__).resolve().parents[2] / "charts" / "tunedin" / "values.yaml"


def test_every_train_config_field_is_a_trainer_setting_of_the_same_type() -> None:
    hints = typing.get_type_hints(TrainConfig)
    for field in fields(TrainConfig):
        setting = TrainerSettings.model_fields.get(field.name)
        assert setting is not None, f"TrainConfig.{field.name} is no Settings field"
        assert hints[field.name] == setting.annotation, field.name


def test_train_config_takes_each_value_from_settings() -> None:
    settings = TrainerSettings(dim=24, epochs=7, lr=0.01, refit=False, edge_weight="none", threads=1)
    config = TrainConfig.from_settings(settings)
    assert config.params() == {f.name: getattr(settings, f.name) for f in fields(TrainConfig)}
    assert (config.dim, config.epochs, config.refit, config.edge_weight) == (24, 7, False, "none")


def test_chart_gunicorn_defaults_are_the_api_settings_defaults() -> None:
    gunicorn = yaml.safe_load(VALUES.read_text(encoding="utf-8"))["api"]["gunicorn"]
    defaults = ApiSettings.model_fields
    assert gunicorn["workers"] == defaults["workers"].default
    assert gunicorn["timeoutSeconds"] == defaults["timeout_s"].default
    assert gunicorn["gracefulTimeoutSeconds"] == defaults["graceful_timeout_s"].default
