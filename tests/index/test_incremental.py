"""Incremental indexing, on the embedded store and on a real Chroma server (the same code, QA_CHROMA_URL set):
unchanged files write nothing, a changed file has its chunks replaced, a deleted file loses its chunks, and
Chroma and the catalog always hold exactly the chunks of the current files."""

from __future__ import annotations

import os
from pathlib import Path

import qa
from index.chunk import chunk_document
from index.load import load
from index.pipeline import open_collection
from qa.settings import load_settings

PARAGRAPH = (
    "The harbour council met on {day} to discuss the ferry timetable. Members agreed that boats should leave "
    "every {n} minutes in summer. The treasurer reported that the {thing} budget was balanced."
)


def _prose(seed: int, paragraphs: int = 6) -> str:
    days = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday"]
    things = ["lighthouse", "pier", "dredging", "ticket office", "harbour wall"]
    return "\n\n".join(
        PARAGRAPH.format(day=days[(seed + i) % 5], n=10 + seed + i, thing=things[(seed * 3 + i) % 5])
        for i in range(paragraphs)
    )


def make_docs(folder: Path) -> dict[str, Path]:
    folder.mkdir(parents=True, exist_ok=True)
    files = {
        "a": folder / "a.txt",
        "b": folder / "b.md",
        "c": folder / "sub" / "c.html",
    }
    files["c"].parent.mkdir(exist_ok=True)
    files["a"].write_text(_prose(1), encoding="utf-8")
    files["b"].write_text("# Ferries\n\n" + _prose(2) + "\n\n## Tickets\n\n" + _prose(3, 2), encoding="utf-8")
    files["c"].write_text(f"<html><body><h1>Pier</h1><p>{_prose(4, 3)}</p></body></html>", encoding="utf-8")
    return files


def expected_ids(paths) -> set[str]:
    return {c.id for p in paths for c in chunk_document(load(p))}


def state() -> tuple[set[str], set[str], int, dict]:
    """Chroma ids, catalog ids, the catalog's chunk count (duplicates would show) and sources of the
    configured collection."""
    store, catalog = open_collection(load_settings(env_file=None).index_config())
    try:
        return store.all_ids(), catalog.chunk_ids(), catalog.chunk_count(), catalog.sources()
    finally:
        catalog.close()


def assert_mirrors(paths) -> None:
    chroma, catalog_ids, catalog_count, sources = state()
    want = expected_ids(paths)
    assert catalog_count == len(catalog_ids), "duplicate chunks in the catalog"
    assert chroma == want
    assert catalog_ids == want
    assert set(sources) == {str(p) for p in paths}
    assert all(s.state == "done" for s in sources.values())


def test_incremental_reindex(store_mode, tmp_path):
    files = make_docs(tmp_path / "docs")
    first = qa.index([tmp_path / "docs"])
    assert sorted(first.added) == sorted(str(p) for p in files.values())
    assert first.chunks_written == first.chunks_total > 0
    assert not first.failed
    assert_mirrors(files.values())

    # Unchanged: nothing written. A touched file (new mtime, same bytes) is unchanged too.
    os.utime(files["a"], ns=(1, 1))
    again = qa.index([tmp_path / "docs"])
    assert again.chunks_written == 0
    assert sorted(again.unchanged) == sorted(str(p) for p in files.values())
    assert not (again.added or again.updated or again.removed)
    assert qa.index([tmp_path / "docs"]).chunks_written == 0

    # A changed file: its chunks are replaced, no stale ids stay behind.
    old_b = expected_ids([files["b"]])
    files["b"].write_text(
        "# Ferries\n\nThe ferry service was replaced by a bridge in 1999.\n", encoding="utf-8"
    )
    changed = qa.index([tmp_path / "docs"])
    assert changed.updated == [str(files["b"])]
    assert changed.chunks_written == len(expected_ids([files["b"]]))
    chroma, catalog_ids, _, _ = state()
    assert not old_b & (chroma | set(catalog_ids))
    assert_mirrors(files.values())

    # A file deleted from an indexed folder: its chunks go.
    old_c = expected_ids([files["c"]])
    files["c"].unlink()
    removed = qa.index([tmp_path / "docs"])
    assert removed.removed == [str(files["c"])]
    assert removed.chunks_written == 0
    chroma, catalog_ids, _, _ = state()
    assert not old_c & (chroma | set(catalog_ids))
    assert_mirrors([files["a"], files["b"]])
    assert removed.chunks_total == len(chroma)

    # A new file is added, the rest untouched.
    files["d"] = tmp_path / "docs" / "d.txt"
    files["d"].write_text(_prose(7, 2), encoding="utf-8")
    added = qa.index([tmp_path / "docs"])
    assert added.added == [str(files["d"])]
    assert sorted(added.unchanged) == sorted([str(files["a"]), str(files["b"])])
    assert_mirrors([files["a"], files["b"], files["d"]])


def test_indexing_a_file_leaves_other_sources_alone(store_mode, tmp_path):
    files = make_docs(tmp_path / "docs")
    qa.index([tmp_path / "docs"])
    report = qa.index([files["a"]])  # one file named directly: the folder's other files are not "gone"
    assert report.unchanged == [str(files["a"])]
    assert not report.removed
    assert_mirrors(files.values())


def test_a_file_that_breaks_loses_its_old_chunks(store_mode, tmp_path):
    files = make_docs(tmp_path / "docs")
    qa.index([tmp_path / "docs"])
    files["a"].write_bytes(b"\x00\x01binary now\x00")
    report = qa.index([tmp_path / "docs"])
    assert [f["source"] for f in report.failed] == [str(files["a"])]
    assert "binary" in report.failed[0]["reason"] and "removed" in report.failed[0]["reason"]
    assert_mirrors([files["b"], files["c"]])


def test_sources_and_remove(store_mode, tmp_path):
    files = make_docs(tmp_path / "docs")
    qa.index([tmp_path / "docs"])
    listed = qa.sources()
    assert [s.source for s in listed] == sorted(str(p) for p in files.values())
    assert all(s.chunks > 0 and s.state == "done" for s in listed)
    assert {s.title for s in listed} >= {"Ferries", "Pier"}

    assert qa.remove([str(files["a"])]) == [str(files["a"])]
    assert_mirrors([files["b"], files["c"]])
    # A folder removes what is under it.
    assert qa.remove([str(tmp_path / "docs" / "sub")]) == [str(files["c"])]
    assert_mirrors([files["b"]])
    assert qa.remove(["*"]) == [str(files["b"])]
    chroma, catalog_ids, _, sources = state()
    assert not chroma and not catalog_ids and not sources
    assert qa.remove([str(files["b"])]) == []


def test_questions_find_the_new_text_after_an_update(store_mode, tmp_path):
    files = make_docs(tmp_path / "docs")
    qa.index([tmp_path / "docs"])
    files["a"].write_text("The lighthouse keeper is called Margarethe Oosterhuis.\n", encoding="utf-8")
    qa.index([tmp_path / "docs"])
    answer = qa.ask("Who is the lighthouse keeper?")
    assert not answer.refused
    assert "Oosterhuis" in answer.text
    assert answer.citations[0].source == str(files["a"])


def test_files_indexed_by_other_extraction_code_are_indexed_again(qa_home, tmp_path, monkeypatch):
    """An upgrade that changes loading or chunking re-indexes unchanged files instead of keeping the chunks the
    old code made (the stored version is the content hash under the extraction version)."""
    import index.pipeline as pipeline

    files = make_docs(tmp_path / "docs")
    qa.index([tmp_path / "docs"])
    assert qa.index([tmp_path / "docs"]).chunks_written == 0
    monkeypatch.setattr(pipeline, "EXTRACTION_VERSION", "older-code")
    report = qa.index([tmp_path / "docs"])
    assert sorted(report.updated) == sorted(str(p) for p in files.values())
    assert report.chunks_written > 0
    assert qa.index([tmp_path / "docs"]).chunks_written == 0  # and only once
    assert_mirrors(files.values())
