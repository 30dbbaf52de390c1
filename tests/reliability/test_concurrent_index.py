"""Two `qa index` runs on one collection at once: the second waits for the first or refuses with a clear
message (IndexBusyError), and whichever happens, nothing is corrupted."""

from __future__ import annotations

import os
import signal
import time

import pytest
from reliability_helpers import assert_consistent, qa_env, run_index, start_index, write_corpus

from qa.errors import IndexBusyError
from qa.settings import Settings

pytestmark = [pytest.mark.reliability, pytest.mark.slow]


def _wait_for_lock_holder(lock_file, proc, seconds: float = 300) -> None:
    """Until the indexer has taken the collection's lock (it writes its pid into the lock file)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if lock_file.exists() and lock_file.read_text().strip() == str(proc.pid):
            return
        assert proc.poll() is None, f"`qa index` ended ({proc.returncode}) before taking the lock"
        time.sleep(0.05)
    pytest.fail("`qa index` never took the lock")


def test_second_run_waits_or_refuses_and_nothing_is_corrupted(tmp_path):
    first_docs, second_docs = tmp_path / "docs", tmp_path / "more-docs"
    write_corpus(first_docs, files=60, seed=1, paragraphs=(3, 8))
    write_corpus(second_docs, files=10, seed=2, paragraphs=(3, 8))
    home = tmp_path / "home"
    env = qa_env(home)
    lock_file = Settings(home=home).collection_dir / "index.lock"

    first = start_index(first_docs, env, tmp_path)
    second = None
    try:
        _wait_for_lock_holder(lock_file, first)
        second = start_index(second_docs, env, tmp_path)

        # While the first holds the lock, the second only waits: the lock still names the first.
        time.sleep(1.0)
        assert lock_file.read_text().strip() == str(first.pid)

        # The lock as a third caller that will not wait sees it: a clear refusal naming the holder.
        from index.lock import IndexLock

        with pytest.raises(IndexBusyError, match=rf"Another `qa index` run \(pid {first.pid}\)"):
            IndexLock(lock_file.parent, wait_seconds=0.3).__enter__()

        out1, err1 = first.communicate(timeout=900)
        out2, err2 = second.communicate(timeout=900)
    finally:
        for proc in (first, second):
            if proc is not None and proc.poll() is None:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()

    assert first.returncode == 0, err1[-3000:]
    assert "Traceback" not in err1 + err2
    if second.returncode == 0:  # it waited for the first, then did its own work
        indexed = [first_docs, second_docs]
        outcome = "waited"
    else:  # the first took longer than the second is willing to wait: a refusal that says what to do
        assert second.returncode == 1
        assert f"Another `qa index` run (pid {first.pid})" in err2 and "run again" in err2, err2
        indexed = [first_docs]
        outcome = "refused"
    print(f"\nsecond run {outcome}")
    assert_consistent(home, indexed)

    # And the refused (or finished) second run, repeated now, completes consistently.
    run_index(second_docs, env, tmp_path)
    assert_consistent(home, [first_docs, second_docs])
