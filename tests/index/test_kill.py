"""`qa index` killed with SIGKILL mid-run, then run again: Chroma ids == catalog ids == the chunk ids of the current
files, with no duplicates and no orphans. And two `qa index` runs at once on one collection corrupt nothing."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import time
from pathlib import Path

import pytest
from index_support import VENV_BIN, index_state, run_qa

from index.chunk import chunk_document
from index.load import load
from qa.settings import load_settings

pytestmark = pytest.mark.slow


def write_corpus(folder, files: int = 40, sections: int = 30) -> list:
    """Markdown files with many short sections: many small chunks, so several batches are written."""
    folder.mkdir()
    paths = []
    for f in range(files):
        lines = [f"# Port {f}\n"]
        for s in range(sections):
            lines.append(f"## Berth {f}-{s}\n\nShip {s} of port {f} unloads {s * 7 + f} crates of cargo.\n")
        path = folder / f"port-{f:03d}.md"
        path.write_text("\n".join(lines), encoding="utf-8")
        paths.append(path)
    return paths


def expected_ids(folder) -> set[str]:
    return {c.id for p in sorted(folder.rglob("*.md")) for c in chunk_document(load(p))}


def catalog_state(path) -> tuple[int, int]:
    """(chunks, pending sources) as another process sees them; (0, 0) before the catalog exists."""
    if not path.exists():
        return 0, 0
    db = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=5)
    try:
        chunks = db.execute("SELECT count(*) FROM chunks").fetchone()[0]
        pending = db.execute("SELECT count(*) FROM sources WHERE state != 'done'").fetchone()[0]
        return chunks, pending
    except sqlite3.OperationalError:  # tables not created yet
        return 0, 0
    finally:
        db.close()


def kill_when(folder, condition, timeout: float = 300) -> tuple[int, int]:
    """Start `qa index folder`, SIGKILL it as soon as condition(chunks, pending) holds; the state it was killed in."""
    catalog = load_settings(env_file=None).collection_dir / "catalog.sqlite"
    process = subprocess.Popen(
        [str(VENV_BIN / "qa"), "index", str(folder)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env=dict(os.environ),
    )
    deadline = time.monotonic() + timeout
    try:
        while time.monotonic() < deadline:
            seen = catalog_state(catalog)
            if condition(*seen):
                process.send_signal(signal.SIGKILL)
                process.wait()
                return seen
            if process.poll() is not None:
                pytest.fail(f"`qa index` finished (code {process.returncode}) before it could be killed")
            time.sleep(0.02)
        pytest.fail("the kill condition never held")
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()


def assert_consistent(folder) -> None:
    state = index_state()
    want = expected_ids(folder)
    assert len(state["catalog"]) == len(set(state["catalog"])), "duplicate chunks in the catalog"
    assert set(state["chroma"]) == want, "Chroma does not hold exactly the current chunks"
    assert set(state["catalog"]) == want, "the catalog does not hold exactly the current chunks"
    assert set(state["sources"]) == {str(p) for p in folder.rglob("*.md")}
    assert set(state["sources"].values()) == {"done"}


def test_kill_and_rerun(store_mode, tmp_path):
    folder = tmp_path / "docs"
    paths = write_corpus(folder)

    # Killed while the first batch is being embedded and written (sources pending, nothing committed).
    kill_when(folder, lambda chunks, pending: pending > 0)
    # Killed again after a batch was committed, while another is in flight.
    chunks, _ = kill_when(folder, lambda chunks, pending: chunks > 0)
    assert chunks > 0

    # The killed index is still usable.
    asked = run_qa("ask", "How many crates does ship 3 of port 0 unload?")
    assert asked.returncode == 0, asked.stderr
    listed = run_qa("sources", "--json")
    assert listed.returncode == 0 and "Traceback" not in listed.stderr
    # Nothing half-indexed is listed: every listed document has all its chunks in the store.
    in_store = set(index_state()["chroma"])
    for item in json.loads(listed.stdout):
        whole = {c.id for c in chunk_document(load(Path(item["source"])))}
        assert whole <= in_store, f"{item['source']} is listed but half-indexed"

    # Files change between the kill and the next run.
    paths[0].write_text("# Port 0\n\nThe port of zero closed in 1950.\n", encoding="utf-8")
    paths[1].unlink()
    finished = run_qa("index", str(folder), "--json")
    assert finished.returncode == 0, finished.stderr
    assert_consistent(folder)

    again = run_qa("index", str(folder), "--json")
    assert '"chunks_written": 0' in again.stdout
    assert_consistent(folder)


def test_two_runs_at_once(store_mode, tmp_path):
    folder = tmp_path / "docs"
    write_corpus(folder, files=20, sections=10)
    runs = [
        subprocess.Popen(
            [str(VENV_BIN / "qa"), "index", str(folder)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=dict(os.environ),
        )
        for _ in range(2)
    ]
    results = [(r.wait(timeout=600), *r.communicate()) for r in runs]
    for code, _out, err in results:
        assert "Traceback" not in err
        # The second run either waited and found everything indexed, or refused clearly.
        assert code == 0 or (code == 1 and "Another `qa index` run" in err), err
    assert any(code == 0 for code, _, _ in results)
    assert_consistent(folder)
