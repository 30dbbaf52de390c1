"""8 clients ask through the Gradio API (gradio_client, 127.0.0.1) for 60 s while `qa index` re-indexes the same
collection in another process: no request may fail; p50/p95 latency is printed.

RELIABILITY_LOAD_SECONDS changes the duration (60 by default)."""

from __future__ import annotations

import os
import random
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from reliability_helpers import ROOT, document_text, qa_env, run_index, write_corpus

from ui.devserver import running_app

pytestmark = [pytest.mark.reliability, pytest.mark.slow]

CLIENTS = 8
SECONDS = float(os.environ.get("RELIABILITY_LOAD_SECONDS", "60"))
SEED_QUESTION = "Who is Donald Trump's national security adviser?"
QUESTIONS = [
    SEED_QUESTION,
    "What did Mike Waltz say about the relationship?",
    "Which ferry crossed the glacier lagoon?",
    "How many crowns did the council budget for the lantern?",
    "What is the boiling point of mercury?",  # off topic: an honest refusal is a success too
]


def _client(url: str):
    from gradio_client import Client

    return Client(url, verbose=False, analytics_enabled=False, download_files=False)


def _percentile(values: list[float], q: float) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[int(q) - 1]


def _reindex_until(
    stop: threading.Event, folder: Path, env: dict, cwd: Path, runs: list, errors: list
) -> None:
    """Edit a third of the files, run `qa index`, again and again until told to stop."""
    rng = random.Random(5)
    while not stop.is_set():
        files = sorted(folder.rglob("*.txt"))
        for path in rng.sample(files, k=len(files) // 3):
            path.write_text(document_text(rng, rng.randint(3, 8), False), encoding="utf-8")
        started = time.monotonic()
        proc = subprocess.run(
            [str(Path(sys.executable).parent / "qa"), "index", str(folder), "--json"],
            env=env,
            cwd=cwd,
            capture_output=True,
            text=True,
            timeout=900,
        )
        if proc.returncode != 0:
            errors.append(f"qa index failed ({proc.returncode}): {proc.stderr[-2000:]}")
            return
        runs.append(time.monotonic() - started)


def test_eight_clients_for_a_minute_while_reindexing(tmp_path):
    home, folder = tmp_path / "home", tmp_path / "docs"
    write_corpus(folder, files=60, seed=3, paragraphs=(3, 8))
    env = qa_env(home)
    run_index(ROOT / "seeds", env, tmp_path)
    run_index(folder, env, tmp_path)

    latencies: list[float] = []
    failures: list[str] = []
    lock = threading.Lock()

    with running_app(home, tmp_path / "qa-ui.log") as url:
        clients = [_client(url) for _ in range(CLIENTS)]
        _client_ready = clients[0].predict(question=SEED_QUESTION, api_name="/ask")  # warm: model loaded
        assert "Waltz" in _client_ready["text"]

        stop = threading.Event()
        reindex_runs: list[float] = []
        reindex_errors: list[str] = []
        indexer = threading.Thread(
            target=_reindex_until, args=(stop, folder, env, tmp_path, reindex_runs, reindex_errors)
        )

        def ask_loop(number: int) -> None:
            rng = random.Random(number)
            client = clients[number]
            while not stop.is_set():
                question = rng.choice(QUESTIONS)
                started = time.perf_counter()
                try:
                    answer = client.predict(question=question, api_name="/ask")
                    assert isinstance(answer, dict) and isinstance(answer.get("text"), str) and answer["text"]
                    for c in answer["citations"]:
                        assert f"[{c['id']}]" in answer["text"], f"citation {c['id']} not in the text"
                    if question == SEED_QUESTION:
                        assert "Waltz" in answer["text"], answer["text"]
                except Exception as e:  # every kind of failure counts, and is reported
                    with lock:
                        failures.append(f"{question!r}: {type(e).__name__}: {e}")
                    continue
                with lock:
                    latencies.append(time.perf_counter() - started)

        askers = [threading.Thread(target=ask_loop, args=(i,)) for i in range(CLIENTS)]
        indexer.start()
        for t in askers:
            t.start()
        time.sleep(SECONDS)
        stop.set()
        for t in askers:
            t.join(timeout=600)
        indexer.join(timeout=900)

    served = len(latencies)
    p50, p95 = (_percentile(latencies, 50), _percentile(latencies, 95)) if served >= 2 else (0.0, 0.0)
    print(
        f"\nload: {CLIENTS} clients for {SECONDS:.0f} s: {served} requests served, {len(failures)} failed; "
        f"latency p50 {p50:.2f} s, p95 {p95:.2f} s, max {max(latencies, default=0):.2f} s; "
        f"re-index runs completed meanwhile: {len(reindex_runs)} ({', '.join(f'{r:.0f}s' for r in reindex_runs)})"
    )
    assert not reindex_errors, reindex_errors
    assert not failures, f"{len(failures)} of {served + len(failures)} requests failed:\n" + "\n".join(
        failures[:10]
    )
    assert served >= CLIENTS  # every client got answers
    assert reindex_runs, "no re-index completed while the clients were asking"
