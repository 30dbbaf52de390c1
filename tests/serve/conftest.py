"""The seed corpus indexed once in its own QA_HOME, for servers started in subprocesses."""

from __future__ import annotations

from pathlib import Path

import pytest
from serve_helpers import ROOT

from ui.devserver import index_paths


@pytest.fixture(scope="session")
def served_home(tmp_path_factory) -> Path:
    """A QA_HOME with the seeds in collection 'default'. Tests that write use another collection."""
    home = tmp_path_factory.mktemp("serve-home")
    index_paths(home, [ROOT / "seeds"])
    return home
