"""Run the real app (`qa ui`) in a subprocess on a free 127.0.0.1 port: for the browser tests and the README
screenshot. Not used by the app itself."""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def qa_env(home: Path, **extra: str) -> dict[str, str]:
    """The environment for a qa subprocess: this QA_HOME, no stray QA_* settings, nothing from the network."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("QA_")}
    env.update(
        QA_HOME=str(home),
        HF_HUB_OFFLINE="1",
        LITELLM_LOCAL_MODEL_COST_MAP="True",
        GRADIO_ANALYTICS_ENABLED="False",
        NO_PROXY="127.0.0.1,localhost",
        no_proxy="127.0.0.1,localhost",
        **extra,
    )
    return env


def index_paths(home: Path, paths: list[str | os.PathLike], collection: str = "default") -> None:
    """`qa index` in a subprocess, so that the server process is the only one holding the store open."""
    cmd = [sys.executable, "-m", "qa.cli", "index", *map(str, paths), "--collection", collection]
    subprocess.run(cmd, env=qa_env(home), check=True, capture_output=True, timeout=600)


@contextlib.contextmanager
def running_app(home: Path, log_path: Path, timeout: float = 180, **env: str) -> Iterator[str]:
    """Start `qa ui` on a free port; yield its URL; stop it afterwards."""
    port = free_port()
    cmd = [sys.executable, "-m", "qa.cli", "ui", "--host", "127.0.0.1", "--port", str(port)]
    with open(log_path, "wb") as log:
        proc = subprocess.Popen(cmd, env=qa_env(home, **env), stdout=log, stderr=subprocess.STDOUT)
        url = f"http://127.0.0.1:{port}/"
        try:
            _wait_until_up(url, proc, timeout, log_path)
            yield url
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


def _wait_until_up(url: str, proc: subprocess.Popen, timeout: float, log_path: Path) -> None:
    deadline = time.monotonic() + timeout
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"qa ui exited with {proc.returncode}:\n{Path(log_path).read_text()[-3000:]}")
        try:
            with opener.open(url, timeout=2):
                return
        except urllib.error.HTTPError:
            return  # up (a login page answers 401)
        except OSError:
            time.sleep(0.5)
    raise RuntimeError(f"qa ui did not answer within {timeout:.0f} s:\n{Path(log_path).read_text()[-3000:]}")
