"""Shared fixtures: a private QA_HOME per test, the real embedding model, real Chroma."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

# Never reach the network from tests: the model is packaged, litellm's price map is local.
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "seeds"
SHARED_DATA = ROOT.parent / "shared" / "data"


@pytest.fixture
def qa_home(tmp_path, monkeypatch) -> Path:
    """An empty QA_HOME, and no stray QA_* settings from the developer's shell."""
    for name in list(os.environ):
        if name.startswith("QA_"):
            monkeypatch.delenv(name)
    home = tmp_path / "qa-home"
    monkeypatch.setenv("QA_HOME", str(home))
    monkeypatch.chdir(tmp_path)  # no .env from the project folder
    return home


@pytest.fixture
def seed_dir(tmp_path) -> Path:
    """A copy of the seed documents that a test may change."""
    target = tmp_path / "seeds"
    shutil.copytree(SEEDS, target)
    return target


@pytest.fixture(scope="session")
def seed_index(tmp_path_factory):
    """The seed corpus indexed once for the session; returns its Settings. Tests must not write to it."""
    import qa

    home = tmp_path_factory.mktemp("seed-home")
    settings = qa.Settings(home=home)
    report = qa.index([SEEDS], settings=settings)
    assert report.chunks_total > 0
    return settings


@pytest.fixture
def llm():
    """A scripted OpenAI-compatible server on 127.0.0.1 (tests/llm_server.py), reached as openai/test-model."""
    from llm_server import LLMServer

    with LLMServer() as server:
        yield server


@pytest.fixture
def llm_settings(seed_index, llm):
    """The seed index, answered by the scripted server."""
    return seed_index.with_overrides(
        model="openai/test-model", api_base=llm.api_base, api_key="test", timeout=2
    )
