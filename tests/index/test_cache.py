"""The local lexical cache is derived from the store: a missing or corrupt one rebuilds itself, a change made
through the store alone reaches it with the next question, and the collection lease expires when its holder dies."""

from __future__ import annotations

import shutil
import time

import qa
from index.lease import CollectionLease
from index.pipeline import open_collection
from index.store import ChromaStore
from qa.settings import load_settings

PIER = "The harbour master, Ines Varga, inspects the pier every Tuesday morning.\n"


def _indexed(tmp_path):
    folder = tmp_path / "docs"
    folder.mkdir()
    (folder / "pier.txt").write_text(PIER, encoding="utf-8")
    (folder / "lamp.txt").write_text(
        "The lamp keeper, Oto Brun, trims the wicks at dusk.\n", encoding="utf-8"
    )
    qa.index([folder])
    return folder


def _answer_cites_pier(folder) -> bool:
    with qa.Assistant() as assistant:
        answer = assistant.ask("Who inspects the pier?")
    return any(c.source == str(folder / "pier.txt") for c in answer.citations)


def test_a_missing_cache_is_built_from_the_store(store_mode, tmp_path):
    folder = _indexed(tmp_path)
    shutil.rmtree(load_settings(env_file=None).collection_dir)
    assert [s.source for s in qa.sources()] == [str(folder / "lamp.txt"), str(folder / "pier.txt")]
    assert _answer_cites_pier(folder)


def test_a_corrupt_cache_is_built_again(store_mode, tmp_path):
    folder = _indexed(tmp_path)
    catalog = load_settings(env_file=None).collection_dir / "catalog.sqlite"
    for suffix in ("-wal", "-shm"):
        catalog.with_name(catalog.name + suffix).unlink(missing_ok=True)
    catalog.write_bytes(b"this is not a database" * 100)
    assert _answer_cites_pier(folder)
    assert [s.source for s in qa.sources()] == [str(folder / "lamp.txt"), str(folder / "pier.txt")]


def test_a_change_through_the_store_reaches_a_running_assistant(store_mode, tmp_path):
    """Another machine's removal only touches the store; this machine's next question sees it."""
    folder = _indexed(tmp_path)
    with qa.Assistant() as assistant:
        assert assistant.search("Who inspects the pier?")
        store, catalog = open_collection(load_settings(env_file=None).index_config())
        before = store.generation()
        record = store.manifest()[str(folder / "pier.txt")]
        store.delete_sources([record.source])
        store.write_manifest([], remove=[record.source])  # what a removal elsewhere commits
        catalog.close()
        assert store.generation() != before
        assert [s.source for s in assistant.sources()] == [str(folder / "lamp.txt")]
        found = assistant.search("Who inspects the pier?")
        assert found and {p.source for p in found} == {str(folder / "lamp.txt")}


def test_the_lease_of_a_dead_holder_expires(qa_home):
    store = ChromaStore(load_settings(env_file=None).index_config())
    dead = CollectionLease(store, holder="dead-machine", ttl=1.0)
    assert dead.try_acquire()  # taken, never renewed nor released: its holder was killed
    other = CollectionLease(store, ttl=30.0, wait_seconds=0)
    assert not other.try_acquire()
    time.sleep(1.2)
    assert other.try_acquire()
    assert not CollectionLease(store, wait_seconds=0).try_acquire()
    other.release()
    assert CollectionLease(store, wait_seconds=0).try_acquire()
