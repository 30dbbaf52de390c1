"""Word (.docx): paragraphs in body order with their styles (headings, list items, code), and tables as rows."""

from __future__ import annotations

from pathlib import Path

from index.document import Document
from index.errors import LoadError
from index.loaders.builder import DocumentBuilder
from index.loaders.files import read_bytes
from index.safe_zip import docx_package

_CODE_STYLES = ("code", "source", "preformatted", "macro text", "plain text")


def load_docx(path: Path, max_bytes: int) -> Document:
    import docx
    from docx.table import Table
    from docx.text.paragraph import Paragraph

    # Opened once and checked; python-docx reads a copy whose XML was inflated through counting readers
    # (a zip's own sizes are not trusted) and whose images were never inflated.
    package = docx_package(read_bytes(path, max_bytes))
    try:
        document = docx.Document(package)
    except Exception as e:  # python-docx raises many types for broken packages
        raise LoadError(f"corrupt or unreadable .docx: {type(e).__name__}: {e}") from None
    out = DocumentBuilder(str(path), (document.core_properties.title or "").strip())
    # python-docx resolves `paragraph.style` by scanning every style, each time: cache it per style id,
    # or a document of many short paragraphs takes minutes.
    style_names: dict[str | None, str] = {}
    for element in document.element.body.iterchildren():
        tag = element.tag.rsplit("}", 1)[-1]
        if tag == "tbl":
            table = Table(element, document)
            out.table([[cell.text for cell in row.cells] for row in table.rows])
            continue
        if tag != "p":
            continue
        paragraph = Paragraph(element, document)
        text = paragraph.text.strip()
        if not text:
            continue
        style_id = element.style
        if style_id not in style_names:
            style_names[style_id] = (paragraph.style.name if paragraph.style is not None else "") or ""
        style = style_names[style_id]
        level = _heading_level(style)
        if level:
            out.heading(text, level)
        elif style.lower().startswith("list"):
            out.list_item(text, "1." if "number" in style.lower() else "-")
        elif any(word in style.lower() for word in _CODE_STYLES):
            out.code(paragraph.text)
        else:
            out.prose(text)
    doc = out.build()
    if not doc.text.strip():
        raise LoadError("no text in the .docx file")
    doc.title = doc.title or path.name
    return doc


def _heading_level(style: str) -> int:
    if style == "Title":
        return 1
    if style.startswith("Heading "):
        digits = style.split(" ", 1)[1]
        return int(digits) if digits.isdigit() else 0
    return 0
