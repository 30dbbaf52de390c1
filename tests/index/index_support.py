"""Helpers for the index tests: the real `qa` command in a subprocess, and the index state read from a fresh process."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
VENV_BIN = Path(sys.executable).parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for_chroma(url: str, process: subprocess.Popen, seconds: float = 90.0) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"`chroma run` exited with code {process.returncode}")
        try:
            with urllib.request.urlopen(f"{url}/api/v2/heartbeat", timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.3)
    raise RuntimeError(f"`chroma run` did not answer at {url} within {seconds:.0f} s")


def run_qa(*args: str, env: dict | None = None, timeout: float = 600) -> subprocess.CompletedProcess:
    """The real `qa` command in a subprocess."""
    return subprocess.run(
        [str(VENV_BIN / "qa"), *args],
        capture_output=True,
        text=True,
        env={**os.environ, **(env or {})},
        timeout=timeout,
    )


# Reads the store and the catalog from a fresh process, so no client cache of the test process is involved.
_STATE_SCRIPT = """
import json, sys
from index.pipeline import open_collection
from qa.settings import load_settings
store, catalog = open_collection(load_settings(env_file=None).index_config())
chroma = sorted(store.all_ids())
ids = sorted(catalog.chunk_ids())
ids += ["(duplicate)"] * (catalog.chunk_count() - len(ids))  # rows beyond the distinct ids: duplicates
print(json.dumps({
    "chroma": chroma,
    "catalog": ids,
    "sources": {s: v.state for s, v in catalog.sources().items()},
}))
"""


def index_state(env: dict | None = None) -> dict:
    """Chroma ids, catalog ids (with duplicates, if any) and source states of the configured collection."""
    result = subprocess.run(
        [sys.executable, "-c", _STATE_SCRIPT],
        capture_output=True,
        text=True,
        env={**os.environ, **(env or {})},
        cwd=ROOT,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)
