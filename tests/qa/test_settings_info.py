"""`qa settings` shows what the commands use: it reads the environment and `.env` through qa.settings."""

from __future__ import annotations

from qa.settings import load_settings
from qa.settings_info import effective_settings


def _row(rows, name):
    return next(r for r in rows if r.info.name == name)


def test_settings_listing_agrees_with_the_settings_the_commands_load(tmp_path, monkeypatch):
    env_file = tmp_path / ".env"
    env_file.write_text("QA_TOP_K=7\nQA_TIMEOUT=9\nQA_COLLECTION=notes\n", encoding="utf-8")
    monkeypatch.setenv("QA_TOP_K", "")  # set empty in the environment: the .env value does not apply
    monkeypatch.setenv("QA_COLLECTION", "work")
    monkeypatch.delenv("QA_TIMEOUT", raising=False)
    loaded = load_settings(env_file)
    rows = effective_settings(env_file)
    assert loaded.top_k == 5 and (_row(rows, "QA_TOP_K").value, _row(rows, "QA_TOP_K").origin) == (
        "5",
        "default",
    )
    assert loaded.timeout == 9 and (_row(rows, "QA_TIMEOUT").value, _row(rows, "QA_TIMEOUT").origin) == (
        "9",
        str(env_file),
    )
    assert loaded.collection == "work" and _row(rows, "QA_COLLECTION").origin == "environment"
