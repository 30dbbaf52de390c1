"""Loaders: each format gives a Document with its text, title and (where the format has them) headings and pages;
chunks cut from it point exactly into that text and keep stable ids."""

from __future__ import annotations

from pathlib import Path

import pytest

from index.chunk import chunk_document
from index.load import load
from qa.errors import LoadError

LONG = " ".join(f"Sentence number {i} talks about the harbour and its ferries." for i in range(60))


def _check_chunks(doc) -> list:
    chunks = chunk_document(doc)
    assert chunks
    for c in chunks:
        assert doc.text[c.start : c.end] == c.text
        assert c.source == doc.source
    assert len({c.id for c in chunks}) == len(chunks)
    return chunks


def test_txt_keeps_the_files_own_text(tmp_path):
    path = tmp_path / "Harbour_Report.txt"
    text = f"The harbour opened in 1901.\n\n{LONG}\n"
    path.write_text(text, encoding="utf-8")
    doc = load(path)
    assert doc.text == text
    assert doc.title == "Harbour Report"
    assert doc.source == str(path)
    chunks = _check_chunks(doc)
    assert len(chunks) > 1  # long enough to be cut


def test_txt_with_bom_is_read(tmp_path):
    path = tmp_path / "bom.txt"
    path.write_bytes("\ufeffHello harbour.".encode())
    assert load(path).text == "Hello harbour."


def test_markdown_heading_paths(tmp_path):
    path = tmp_path / "guide.md"
    path.write_text(
        "# Guide\n\nIntro text about ferries.\n\n## Install\n\nRun the installer now.\n\n"
        "### On Linux\n\nUse the package manager.\n\n## Usage\n\nAsk a question.\n",
        encoding="utf-8",
    )
    doc = load(path)
    assert doc.title == "Guide"
    assert doc.text.startswith("Guide\n\nIntro text about ferries.")  # rendered: no "#" markers
    assert "#" not in doc.text
    chunks = _check_chunks(doc)
    by_text = {c.text.splitlines()[-1]: c.heading for c in chunks}
    headings = {c.heading for c in chunks}
    assert "Guide > Install > On Linux" in headings
    assert "Guide > Usage" in headings
    assert any("package manager" in t and h == "Guide > Install > On Linux" for t, h in by_text.items())
    assert any("Ask a question" in t and h == "Guide > Usage" for t, h in by_text.items())


@pytest.mark.parametrize("suffix", [".html", ".htm"])
def test_html_text_title_and_headings(tmp_path, suffix):
    path = tmp_path / f"page{suffix}"
    path.write_text(
        "<html><head><title>Ferry Guide</title><style>p {color: red}</style>"
        "<script>var hidden = 'do not index';</script></head><body>"
        "<h1>Ferries</h1><p>The ferry leaves at <b>noon</b>.</p>"
        "<h2>Tickets</h2><p>Tickets cost five euros.</p><ul><li>Adults</li><li>Children</li></ul>"
        "</body></html>",
        encoding="utf-8",
    )
    doc = load(path)
    assert doc.title == "Ferry Guide"
    assert "The ferry leaves at noon ." in doc.text or "The ferry leaves at noon." in doc.text
    assert "do not index" not in doc.text and "color" not in doc.text
    chunks = _check_chunks(doc)
    assert {c.heading for c in chunks} >= {"Ferries", "Ferries > Tickets"}
    ticket = next(c for c in chunks if "five euros" in c.text)
    assert ticket.heading == "Ferries > Tickets"


def _make_pdf(path: Path, pages: list[str], title: str = "Harbour Minutes") -> None:
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfgen import canvas

    pdf = canvas.Canvas(str(path), pagesize=A4)
    pdf.setTitle(title)
    for text in pages:
        y = 800
        for line in text.split("\n"):
            pdf.drawString(72, y, line)
            y -= 16
        pdf.showPage()
    pdf.save()


def test_pdf_pages_are_kept(tmp_path):
    path = tmp_path / "minutes.pdf"
    _make_pdf(
        path,
        [
            "The council met on Monday.\nThe budget was approved.",
            "",  # a blank page: skipped, numbering kept
            "The ferry timetable changes in May.\nNew boats arrive in June.",
        ],
    )
    doc = load(path)
    assert doc.title == "Harbour Minutes"
    assert "The council met on Monday." in doc.text
    chunks = _check_chunks(doc)
    pages = {c.page for c in chunks}
    assert pages == {1, 3}
    assert next(c for c in chunks if "timetable" in c.text).page == 3
    assert next(c for c in chunks if "budget" in c.text).page == 1


def test_docx_paragraphs_and_headings(tmp_path):
    import docx

    path = tmp_path / "notes.docx"
    document = docx.Document()
    document.core_properties.title = "Harbour Notes"
    document.add_heading("Ferries", level=1)
    document.add_paragraph("The ferry leaves at noon every day.")
    document.add_heading("Tickets", level=2)
    document.add_paragraph("Tickets cost five euros for adults.")
    document.save(str(path))
    doc = load(path)
    assert doc.title == "Harbour Notes"
    chunks = _check_chunks(doc)
    ticket = next(c for c in chunks if "five euros" in c.text)
    assert ticket.heading == "Ferries > Tickets"


def test_sphinx_source_rst_txt_is_parsed_as_rst(tmp_path):
    path = tmp_path / "intro.rst.txt"  # what Sphinx publishes under _sources/
    path.write_text("Intro\n=====\n\nPython is a language.\n", encoding="utf-8")
    doc = load(path)
    assert doc.text == "Intro\n\nPython is a language."
    assert doc.title == "Intro"


def test_chunk_ids_are_stable_and_follow_content(tmp_path):
    path = tmp_path / "a.txt"
    first_para = "The harbour opened in 1901 after years of building."
    path.write_text(f"{first_para}\n\n{LONG}\n", encoding="utf-8")
    first = chunk_document(load(path))
    again = chunk_document(load(path))
    assert [c.id for c in first] == [c.id for c in again]
    # An edit at the end keeps the ids of the chunks before it.
    path.write_text(
        f"{first_para}\n\n{LONG}\n\nA new closing paragraph about the lighthouse.\n", encoding="utf-8"
    )
    edited = chunk_document(load(path))
    assert first[0].id == edited[0].id
    assert {c.id for c in first} != {c.id for c in edited}
    # The same text in another file gets other ids: ids are per source.
    other = tmp_path / "b.txt"
    other.write_text(path.read_text(encoding="utf-8"), encoding="utf-8")
    assert not {c.id for c in chunk_document(load(other))} & {c.id for c in edited}


@pytest.mark.parametrize(
    ("name", "content", "reason"),
    [
        ("empty.txt", b"", "empty"),
        ("blank.md", b"  \n\n ", "empty"),
        ("binary.txt", b"\x00\x01\x02\xffPNG\x00" * 50, "binary"),
        ("latin1.txt", "café au lait".encode("latin-1"), "not valid UTF-8"),
        ("broken.pdf", b"%PDF-1.4\n1 0 obj << /Type /Catalog >>\nthis is not a pdf", "PDF"),
        ("broken.docx", b"PK\x03\x04 not really a zip", ".docx"),
        ("image.png", b"\x89PNG\r\n", "unsupported file type"),
    ],
)
def test_bad_files_raise_load_error_with_reason(tmp_path, name, content, reason):
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(LoadError, match=reason):
        load(path)


def test_size_limit_is_named(tmp_path):
    path = tmp_path / "big.txt"
    path.write_text("word " * 1000, encoding="utf-8")
    with pytest.raises(LoadError, match=r"limit is 0.001 MB.*QA_MAX_FILE_MB"):
        load(path, max_bytes=1000)


def test_missing_file_is_a_load_error(tmp_path):
    with pytest.raises(LoadError, match="vanished"):
        load(tmp_path / "gone.txt")
