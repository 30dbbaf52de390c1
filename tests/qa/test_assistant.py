"""qa.Assistant owns the resources: one embedder for retrieval and answering, handles kept between
questions, released by close(), reopened on the next call."""

from __future__ import annotations

import gc
import os
from pathlib import Path

import pytest

import qa
from qa.errors import NothingIndexedError

QUESTION = "Who is Donald Trump's national security adviser?"


def test_one_embedder_serves_retrieval_and_answering_and_close_releases_it(seed_index):
    with qa.Assistant(seed_index) as assistant:
        first = assistant.ask(QUESTION)
        embedder = assistant.embedder(seed_index.index_config())
        retriever = assistant.retriever(seed_index)
        assert retriever.embedder() is embedder
        assert assistant.answerer(seed_index).embedder is embedder
        assert assistant.ask(QUESTION).text == first.text
        assert assistant.retriever(seed_index) is retriever  # kept between questions
        assistant.close()
        assert assistant.retriever(seed_index) is not retriever  # reopened after close
        assert assistant.ask(QUESTION).text == first.text
    assert "Waltz" in first.text and first.citations


def _open_files_under(folder: Path) -> list[str]:
    """The files under `folder` this process has open."""
    found = []
    for fd in Path("/proc/self/fd").iterdir():
        try:
            target = os.readlink(fd)
        except OSError:  # closed since the listing
            continue
        if target.startswith(str(folder)):
            found.append(target)
    return found


@pytest.mark.skipif(not Path("/proc/self/fd").is_dir(), reason="open files are listed in /proc")
def test_close_releases_the_store_and_catalog_files(tmp_path):
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "keeper.txt").write_text("The lighthouse keeper rows to the island every Tuesday.\n")
    settings = qa.Settings(home=tmp_path / "home")
    others = set(_freshness_threads())  # other instances' (qa.ask's default one) in this test process
    with qa.Assistant(settings) as assistant:
        assistant.index([docs])
        assert assistant.ask("Who rows to the island every Tuesday?").citations
        assert any(f.endswith("chroma.sqlite3") for f in _open_files_under(settings.home))
        assert (
            set(_freshness_threads()) - others
        )  # the store's stamp was checked beside the question's embedding
    gc.collect()  # Chroma's stopped engine lets go of its files when its reference cycles are collected
    assert _open_files_under(settings.home) == []
    assert set(_freshness_threads()) - others == set()  # its pool is shut down, not left to the process


def _freshness_threads() -> list:
    import threading

    return [t for t in threading.enumerate() if t.name.startswith("qa-freshness")]


def test_follow_up_is_rewritten_once_and_reported(seed_index):
    assistant = qa.Assistant(seed_index)
    first = assistant.ask(QUESTION)
    follow = assistant.ask("What did he say?", history=[first])
    assert "Waltz" in follow.standalone_question
    assert follow.question == "What did he say?"
    assistant.close()


def _tree(home) -> set[str]:
    return {str(p.relative_to(home)) for p in home.rglob("*")} if home.exists() else set()


def _reads(settings, name: str) -> list[str]:
    """Every read of collection `name`; returns the errors they gave."""
    errors = []
    for read in (
        lambda: qa.ask(QUESTION, name, settings=settings),
        lambda: list(qa.ask_stream(QUESTION, name, settings=settings)),
        lambda: qa.search("adviser", name, settings=settings),
    ):
        with pytest.raises(NothingIndexedError) as caught:
            read()
        errors.append(str(caught.value))
    assert qa.sources(name, settings=settings) == []
    return errors


def test_reading_an_unknown_collection_writes_nothing(seed_index):
    home = seed_index.home
    before = _tree(home)
    for name in ("never-indexed", "my docs/../x", "a" * 300):
        for error in _reads(seed_index, name):
            assert f"No documents indexed in collection '{name}'" in error
    assert _tree(home) == before, f"new files: {sorted(_tree(home) - before)}"
    assert qa.collections(settings=seed_index) == ["default"]
    assert "Collections here: default." in _reads(seed_index, "defualt")[0]  # a typo: the ones that exist


def test_reading_a_home_never_indexed_into_creates_it_not(tmp_path):
    settings = qa.Settings(home=tmp_path / "never-used")
    _reads(settings, "default")
    assert qa.collections(settings=settings) == []
    assert not settings.home.exists()
