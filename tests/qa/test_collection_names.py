"""Collections are listed by the names users gave them, not by their storage names (a name that is not plain,
such as "my docs", is stored as a sanitised form plus a hash), and the commands messages suggest quote them."""

from __future__ import annotations

import pytest

import qa
from index.chroma_client import open_client
from index.config import storage_name


@pytest.fixture
def notes(tmp_path):
    folder = tmp_path / "notes"
    folder.mkdir()
    (folder / "keeper.txt").write_text("The lighthouse keeper rows to the island every Tuesday.\n")
    return folder


def test_collections_are_listed_by_the_names_users_gave(tmp_path, notes):
    settings = qa.Settings(home=tmp_path / "home")
    for name in ("my docs", "Notes (2024)", "plain-name"):
        qa.index([notes], name, settings=settings)
    listed = qa.collections(settings=settings)
    assert listed == ["Notes (2024)", "my docs", "plain-name"]
    for name in listed:  # each listed name opens its collection
        assert "Tuesday" in qa.ask("When does the keeper row to the island?", name, settings=settings).text


def test_a_collection_written_before_names_were_recorded_gets_its_name_on_its_next_write(tmp_path, notes):
    settings = qa.Settings(home=tmp_path / "home")
    qa.index([notes], "my docs", settings=settings)
    client = open_client(settings.index_config())
    try:  # as an older release left it: no name in the collection's metadata
        col = client.get_collection(f"qa-{storage_name('my docs')}-c")
        col.modify(metadata={k: v for k, v in col.metadata.items() if k != "qa_name" and ":" not in k})
    finally:
        client.close()
    assert qa.collections(settings=settings) == [storage_name("my docs")]
    (notes / "more.txt").write_text("The keeper's boat is painted red.\n")
    qa.index([notes], "my docs", settings=settings)
    assert qa.collections(settings=settings) == ["my docs"]


def test_commands_suggested_in_messages_quote_the_name_for_a_shell():
    from qa.errors import EmbeddingModelMismatchError, NothingIndexedError

    assert "`qa index seeds/ --collection 'my docs'`" in str(NothingIndexedError("my docs"))
    assert "`qa index seeds/ --collection notes`" in str(NothingIndexedError("notes"))
    mismatch = str(EmbeddingModelMismatchError("my docs", "model-a", "model-b"))
    assert "`qa remove --all --collection 'my docs'`" in mismatch
