"""`qa index` killed with SIGKILL at random points, with files changing between kills, then a run that completes:
the collection holds exactly the chunks of the current files (Chroma == catalog == BM25 == recomputed)."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import time

import pytest
from reliability_helpers import (
    assert_consistent,
    bm25_agrees_with_chroma,
    document_text,
    qa_env,
    run_index,
    start_index,
    write_corpus,
)

pytestmark = [pytest.mark.reliability, pytest.mark.slow]

KILLS = 20
SEED = 20261126


def _mutate(folder, rng: random.Random, serial: int) -> str:
    """Change the corpus the way people do between runs: edit, delete, add, touch, rename."""
    files = sorted(p for p in folder.rglob("*") if p.is_file())
    done = []
    for path in rng.sample(files, k=max(1, len(files) * rng.randint(15, 45) // 100)):
        path.write_text(document_text(rng, rng.randint(3, 9), path.suffix == ".md"), encoding="utf-8")
    done.append("edited")
    if rng.random() < 0.5 and len(files) > 20:
        rng.choice(files).unlink()
        done.append("deleted")
    if rng.random() < 0.5:
        new = folder / f"part{rng.randint(0, 3)}" / f"new{serial:03d}.txt"
        new.write_text(document_text(rng, rng.randint(3, 9), False), encoding="utf-8")
        done.append("added")
    if rng.random() < 0.3:
        victim = rng.choice([p for p in files if p.exists()])
        os.utime(victim, ns=(time.time_ns(), time.time_ns()))  # mtime moves, content does not
        done.append("touched")
    if rng.random() < 0.2:
        victim = rng.choice([p for p in files if p.exists()])
        victim.rename(victim.with_name("renamed-" + victim.name))
        done.append("renamed")
    return "+".join(done)


def test_sigkill_at_random_points_then_a_run_completes(tmp_path):
    rng = random.Random(SEED)
    home, folder = tmp_path / "home", tmp_path / "docs"
    write_corpus(folder, files=70, seed=SEED, paragraphs=(3, 9))
    env = qa_env(home)

    started = time.monotonic()
    first = run_index(folder, env, tmp_path)
    full_run = time.monotonic() - started
    assert first["chunks_total"] > 200  # several hundred chunks: a run that takes seconds
    last_run = full_run

    kills, completed, log = 0, 0, []
    serial = 0
    while kills < KILLS:
        serial += 1
        change = _mutate(folder, rng, serial)
        delay = rng.uniform(0.02, 1.0) * last_run  # from just after exec to near the end of a run
        proc = start_index(folder, env, tmp_path)
        t0 = time.monotonic()
        try:
            proc.wait(timeout=delay)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
        out, err = proc.communicate()
        if proc.returncode == -signal.SIGKILL:
            kills += 1
            log.append(f"{change}: killed after {delay:.1f}s")
        else:  # finished before the kill: a valid outcome, and a new duration estimate
            assert proc.returncode == 0, err[-3000:]
            completed += 1
            last_run = time.monotonic() - t0
            log.append(f"{change}: completed in {last_run:.1f}s")

    final = run_index(folder, env, tmp_path)
    state = assert_consistent(home, folder)
    bm25_agrees_with_chroma(home, state)
    again = run_index(folder, env, tmp_path)  # nothing left pending: a rerun writes nothing
    assert again["chunks_written"] == 0 and not again["added"] and not again["updated"]
    assert again["chunks_total"] == len(state.expected_ids)
    print(
        f"\nkills survived: {kills}, runs that completed before their kill: {completed}, "
        f"first full run {full_run:.1f}s, final run wrote {final['chunks_written']} chunks, "
        f"{len(state.expected_ids)} chunks consistent\n" + "\n".join(log)
    )
