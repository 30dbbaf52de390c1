"""Chunk boundaries: sections, whole blocks, tables and code cut between rows, and hard size caps."""

from __future__ import annotations

import time

from index.chunk import ChunkingConfig, chunk_document
from index.document import Document
from index.loaders.builder import DocumentBuilder


def _exact(doc: Document, chunks) -> None:
    for c in chunks:
        assert doc.text[c.start : c.end] == c.text


def _built() -> Document:
    out = DocumentBuilder("/docs/json.rst")
    out.heading("json", 1)
    out.heading("Basic Usage", 2)
    out.heading("json.loads(s)", 3, name="json.loads")
    out.prose("Deserialize s to a Python object. " * 3)
    out.leave(3)
    out.prose("Text about the usage in general.")
    out.heading("json.dumps(obj)", 3, name="json.dumps")
    out.prose("Serialize obj to a JSON formatted str.")
    out.table([["Level", "Value"], *[[f"LEVEL{i}", str(i * 10)] for i in range(60)]])
    out.code("\n".join(f"x{i} = compute({i}, {i + 1})" for i in range(80)))
    return out.build()


def test_chunks_keep_to_their_sections_and_know_their_path_and_kind():
    doc = _built()
    chunks = chunk_document(doc)
    _exact(doc, chunks)
    first = chunks[0]
    # "json" and "Basic Usage" hold only their headings: they open the first chunk instead of being fragments.
    assert first.text.startswith("json\n\nBasic Usage\n\njson.loads(s)\n\nDeserialize")
    assert first.heading == "json > Basic Usage > json.loads"
    assert first.kind == "prose"
    general = next(c for c in chunks if "usage in general" in c.text)
    assert general.heading == "json > Basic Usage"
    assert "Serialize" not in general.text and "Deserialize" not in general.text
    kinds = {c.kind for c in chunks if c.heading == "json > Basic Usage > json.dumps"}
    assert {"table", "code"} <= kinds


def test_tables_and_code_are_cut_between_rows_and_lines():
    doc = _built()
    chunks = chunk_document(doc, ChunkingConfig(max_tokens=120))
    _exact(doc, chunks)
    table_chunks = [c for c in chunks if c.kind == "table"]
    assert len(table_chunks) > 1
    for c in table_chunks + [c for c in chunks if c.kind == "code"]:
        assert all(" | " in line or "compute" in line or not line.strip() or line.startswith(("Level", "Serial"))
                   for line in c.text.splitlines())  # fmt: skip
        assert c.tokens <= 120
    rows = [line for c in table_chunks for line in c.text.splitlines() if line.startswith("LEVEL")]
    assert len(rows) == 60  # no row lost, none cut in two, none repeated (no overlap for tables)


def test_a_huge_line_without_spaces_is_cut_by_characters():
    doc = Document(source="/x.txt", title="x", text="a" * 2_000_000)
    began = time.perf_counter()
    chunks = chunk_document(doc)
    assert time.perf_counter() - began < 60  # one tokenizer call on 2 MB would take far longer
    _exact(doc, chunks)
    assert max(len(c.text) for c in chunks) <= ChunkingConfig().max_chars
    assert sum(len(c.text) for c in chunks) == len(doc.text)


def test_many_tiny_lines_are_not_counted_one_by_one():
    # Issue 14: 4 MB of "a\n" made 2 million one-line sentences and 4.1 GB of token lists. Now the lines join one
    # paragraph, cut by characters before counting: memory stays a small multiple of the text.
    import tracemalloc

    doc = Document(source="/x.txt", title="x", text="a\n" * 200_000)
    tracemalloc.start()
    try:
        chunks = chunk_document(doc)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    _exact(doc, chunks)
    assert peak < 60_000_000, peak  # 400 kB of text
    assert all(c.tokens <= ChunkingConfig().max_tokens for c in chunks)


def test_long_prose_is_cut_on_sentences_with_overlap():
    text = " ".join(f"Sentence {i} is about the harbour." for i in range(200))
    doc = Document(source="/x.txt", title="x", text=text)
    chunks = chunk_document(doc)
    _exact(doc, chunks)
    assert len(chunks) > 3
    for a, b in zip(chunks, chunks[1:]):
        assert b.start < a.end  # overlap
        assert a.text.endswith(".") and b.text.startswith("Sentence")


def test_chunks_carry_their_block_kinds_and_sentences_can_use_them():
    from index.sentences import sentence_units

    doc = _built()
    chunks = chunk_document(doc)
    first = chunks[0]
    # three headings in a row (0-4, 6-17, 19-32) make one run of their kind
    assert first.blocks[:2] == ((0, 32, "heading"), (34, len(first.text), "prose"))
    units = sentence_units(first.text, blocks=first.blocks)
    assert [u.kind for u in units[:4]] == ["heading", "heading", "heading", "prose"]
    assert [u.kind for u in sentence_units(first.text)][:3] == ["prose", "prose", "prose"]  # layout alone
    for c in chunks:
        assert all(0 <= s < e <= len(c.text) for s, e, _ in c.blocks)
    assert chunk_document(Document(source="/t.txt", title="t", text="Plain text."))[0].blocks == ()
