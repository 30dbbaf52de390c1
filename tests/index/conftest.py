"""Fixtures for the index tests: a real `chroma run` server for server mode, and settings for either mode."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid

import pytest
from index_support import VENV_BIN, free_port, wait_for_chroma


@pytest.fixture(scope="session")
def chroma_server(tmp_path_factory) -> str:
    """A real Chroma server on a free local port for the whole session; its URL."""
    chroma = VENV_BIN / "chroma"
    if not chroma.exists():
        pytest.skip(f"no `chroma` executable beside {sys.executable}")
    port = free_port()
    data = tmp_path_factory.mktemp("chroma-server")
    log = open(data.parent / f"chroma-server-{port}.log", "wb")  # noqa: SIM115 - closed at teardown
    env = {**os.environ, "ANONYMIZED_TELEMETRY": "False"}
    process = subprocess.Popen(
        [str(chroma), "run", "--path", str(data), "--host", "127.0.0.1", "--port", str(port)],
        stdout=log,
        stderr=subprocess.STDOUT,
        env=env,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        wait_for_chroma(url, process)
        yield url
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()


@pytest.fixture(params=["embedded", pytest.param("server", marks=pytest.mark.server)])
def store_mode(request, qa_home, monkeypatch) -> str:
    """Runs a test once on the embedded store and once on the Chroma server (set through QA_CHROMA_URL).

    Each test gets its own collection name, so tests sharing the session's server never meet."""
    monkeypatch.setenv("QA_COLLECTION", f"t-{uuid.uuid4().hex[:12]}")
    if request.param == "server":
        monkeypatch.setenv("QA_CHROMA_URL", request.getfixturevalue("chroma_server"))
    return request.param
