"""The Chroma server dies in the middle of a `qa index` run and comes back; two runs start at once.

Either way: a clear error (never a traceback), and the next run leaves the collection exactly consistent."""

from __future__ import annotations

import os
import signal
import socket
import sqlite3
import subprocess
import time
import urllib.request
from pathlib import Path

import pytest
from reliability_helpers import (
    CHROMA,
    QA,
    assert_consistent,
    catalog_path,
    qa_env,
    run_index,
    start_index,
    write_corpus,
)

pytestmark = [pytest.mark.reliability, pytest.mark.slow]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class ChromaServer:
    """`chroma run` on a fixed folder and port, so it can be killed and started again on the same data."""

    def __init__(self, data: Path, port: int):
        self.data, self.port = data, port
        self.url = f"http://127.0.0.1:{port}"
        self.process: subprocess.Popen | None = None

    def start(self, seconds: float = 120) -> None:
        if not Path(CHROMA).exists():
            pytest.skip("no `chroma` executable in the project's .venv")
        log = open(self.data.parent / f"chroma-{self.port}.log", "ab")  # noqa: SIM115 - the server keeps it
        self.process = subprocess.Popen(
            [CHROMA, "run", "--path", str(self.data), "--host", "127.0.0.1", "--port", str(self.port)],
            stdout=log,
            stderr=subprocess.STDOUT,
            env={**os.environ, "ANONYMIZED_TELEMETRY": "False"},
        )
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            assert self.process.poll() is None, f"`chroma run` exited ({self.process.returncode})"
            try:
                with urllib.request.urlopen(f"{self.url}/api/v2/heartbeat", timeout=2):
                    return
            except OSError:
                time.sleep(0.3)
        raise AssertionError(f"`chroma run` did not answer at {self.url}")

    def kill(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait()


@pytest.fixture
def chroma(tmp_path):
    server = ChromaServer(tmp_path / "chroma-data", _free_port())
    yield server
    server.kill()


def _catalog_state(path: Path) -> tuple[int, int]:
    """(chunks committed, sources pending) as another process sees the catalog."""
    if not path.exists():
        return 0, 0
    db = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=5)
    try:
        return (
            db.execute("SELECT count(*) FROM chunks").fetchone()[0],
            db.execute("SELECT count(*) FROM sources WHERE state != 'done'").fetchone()[0],
        )
    except sqlite3.OperationalError:  # tables not created yet
        return 0, 0
    finally:
        db.close()


def _wait_for(proc: subprocess.Popen, catalog: Path, condition, seconds: float = 600) -> tuple[int, int]:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        state = _catalog_state(catalog)
        if condition(*state):
            return state
        if proc.poll() is not None:
            out, err = proc.communicate()
            pytest.fail(
                f"`qa index` ended ({proc.returncode}) before the server could be stopped:\n{err[-2000:]}"
            )
        time.sleep(0.05)
    pytest.fail("the indexer never reached the point where the server should stop")


@pytest.mark.server
@pytest.mark.parametrize("when", ["first-batch-in-flight", "after-a-committed-batch"])
def test_chroma_server_dies_mid_run_then_comes_back(tmp_path, chroma, when):
    folder = tmp_path / "docs"
    # After a committed batch needs two batches (> 512 chunks); the first batch alone needs fewer files.
    write_corpus(folder, files=150 if when == "after-a-committed-batch" else 60, seed=11, paragraphs=(3, 8))
    home = tmp_path / "home"
    env = qa_env(home, QA_CHROMA_URL=chroma.url)
    catalog = catalog_path(home, chroma_url=chroma.url)
    chroma.start()

    proc = start_index(folder, env, tmp_path)
    try:
        if when == "first-batch-in-flight":
            _wait_for(proc, catalog, lambda chunks, pending: pending > 0)
        else:
            _wait_for(proc, catalog, lambda chunks, pending: chunks > 0)
        chroma.kill()
        out, err = proc.communicate(timeout=300)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
    print(f"\n{when}: `qa index` exited {proc.returncode}: {err.strip()[-300:]}")
    assert proc.returncode == 1
    assert "Traceback" not in err
    assert chroma.url in err and "error:" in err

    # Questions while the server is down: the same clear error.
    ask = subprocess.run(
        [QA, "ask", "Which ferry left?"], env=env, cwd=tmp_path, capture_output=True, text=True, timeout=300
    )
    assert ask.returncode == 1 and chroma.url in ask.stderr and "Traceback" not in ask.stderr

    chroma.start()
    report = run_index(folder, env, tmp_path)
    assert report["failed"] == []
    assert_consistent(home, folder, chroma_url=chroma.url)
