"""Local by default (SECURITY.md): `qa index`, `qa ask` and the chat UI, with default settings, never try to
reach anything but this machine. Every Python process runs with an audit hook (netguard/sitecustomize.py)
that logs and refuses any name lookup or connection to another host."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from reliability_helpers import QA, ROOT, qa_env

from ui.devserver import running_app

pytestmark = pytest.mark.reliability

GUARD = Path(__file__).resolve().parent / "netguard"
SEED_QUESTION = "Who is Donald Trump's national security adviser?"


def test_default_settings_never_leave_the_machine(tmp_path):
    home, log = tmp_path / "home", tmp_path / "network.log"
    guarded = {"NETGUARD_LOG": str(log), "PYTHONPATH": str(GUARD)}
    env = qa_env(home, **guarded)

    # The guard works: an outside connection from a guarded process is logged and refused.
    probe = subprocess.run(
        [sys.executable, "-c", "import socket; socket.create_connection(('192.0.2.1', 80), timeout=1)"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert probe.returncode != 0 and "netguard" in probe.stderr
    assert "192.0.2.1" in log.read_text()
    log.unlink()

    indexed = subprocess.run(
        [QA, "index", str(ROOT / "seeds")], env=env, cwd=tmp_path, capture_output=True, text=True, timeout=600
    )
    assert indexed.returncode == 0, indexed.stderr[-3000:]
    asked = subprocess.run(
        [QA, "ask", SEED_QUESTION], env=env, cwd=tmp_path, capture_output=True, text=True, timeout=600
    )
    assert asked.returncode == 0 and "Waltz" in asked.stdout, asked.stderr[-3000:]

    from gradio_client import Client

    with running_app(home, tmp_path / "qa-ui.log", **guarded) as url:
        answer = Client(url, verbose=False, analytics_enabled=False, download_files=False).predict(
            question=SEED_QUESTION, api_name="/ask"
        )
        assert "Waltz" in answer["text"]
    attempts = log.read_text() if log.exists() else ""
    assert not attempts, f"tried to reach the network with default settings:\n{attempts}"
