"""Settings: defaults, then ASYLUM_ASSISTANT_* variables, then flags; mistakes are named with a hint."""

from __future__ import annotations

import pytest

from assistant.errors import BadSetting
from assistant.settings import load_settings


def test_flags_beat_environment_and_paths_follow_the_final_home(monkeypatch, tmp_path):
    monkeypatch.setenv("ASYLUM_ASSISTANT_HOME", str(tmp_path / "from-env"))
    monkeypatch.setenv("ASYLUM_ASSISTANT_K", "7")
    monkeypatch.delenv("ASYLUM_ASSISTANT_MODELS")
    settings = load_settings(home=tmp_path / "from-flag", k=None)
    assert settings.k == 7, "a flag left unset (None) keeps the environment's value"
    assert settings.index == tmp_path / "from-flag" / "index" and settings.models == tmp_path / "from-flag" / "models"
    assert load_settings(index=tmp_path / "elsewhere").index == tmp_path / "elsewhere"


def test_a_misspelt_variable_is_refused_with_a_hint(monkeypatch):
    monkeypatch.setenv("ASYLUM_ASSISTANT_MODLE", "x")
    with pytest.raises(BadSetting, match="did you mean ASYLUM_ASSISTANT_MODEL"):
        load_settings()


def test_values_are_checked(monkeypatch):
    monkeypatch.setenv("ASYLUM_ASSISTANT_MIN_SCORE", "high")
    with pytest.raises(BadSetting, match="not a number"):
        load_settings()
    monkeypatch.delenv("ASYLUM_ASSISTANT_MIN_SCORE")
    with pytest.raises(BadSetting, match="embed_context"):
        load_settings(embed_context="everything")
