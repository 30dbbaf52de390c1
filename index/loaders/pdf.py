"""PDF: pypdf's text, page by page, rebuilt into paragraphs.

A PDF holds positioned lines, not paragraphs. Lines repeated at the top or bottom of most pages (running headers,
footers) and bare page numbers are dropped; a word hyphenated at a line end is joined again; wrapped lines are
joined into paragraphs, which end at a short line that closes a sentence, or before a line that starts a list item.
A short line without closing punctuation, alone between paragraphs, is a heading of the outline. Sections follow
pages, so a citation names its page.
"""

from __future__ import annotations

import io
import re
from collections import Counter
from pathlib import Path

from index.document import Document
from index.errors import LoadError
from index.loaders.builder import DocumentBuilder
from index.loaders.files import read_bytes

_PAGE_NUMBER = re.compile(
    r"(?:page\s+)?[-–—\s]*\d{1,4}(?:\s*(?:of|/)\s*\d{1,4})?[-–—\s]*|[ivxlcdm]{1,6}", re.I
)
_DOT_LEADER = re.compile(r"(?:\.\s?){4,}\s*[\divxlc]+$")  # a table-of-contents line: "Lists . . . . 10"
_EDGE_NUMBER = re.compile(r"^(\d{1,4})\b|\b(\d{1,4})$")
_DIGITS = re.compile(r"\d+")
_LIST_ITEM = re.compile(r"(?:[-*•●▪◦‣–]|\d{1,3}[.)]|\(\w\))\s+\S")
_HYPHENATED = re.compile(r"[a-zà-ÿ]-$")
_SENTENCE_END = re.compile(r"""[.!?:]["'”’)\]]*$""")

# Compressed content streams let a small PDF hold text far beyond its size (a 9 KB file can hold 3.6 million
# characters): past these totals the file is refused. A 1,000-page manual has about 3 million characters in
# 50,000 lines; every line is an object until the pages are rebuilt into paragraphs.
MAX_PDF_CHARS = 25_000_000
MAX_PDF_LINES = 2_000_000


def load_pdf(
    path: Path, max_bytes: int, max_chars: int = MAX_PDF_CHARS, max_lines: int = MAX_PDF_LINES
) -> Document:
    import logging

    from pypdf import PdfReader

    data = read_bytes(path, max_bytes)  # opened once, checked; pypdf reads the bytes, not the path
    logging.getLogger("pypdf").setLevel(logging.ERROR)  # pypdf warns loudly on slightly broken files
    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted:
            raise LoadError("encrypted PDF; decrypt it first (for example with `qpdf --decrypt`)")
        pages = _page_lines(reader, max_chars, max_lines)
        meta_title = (reader.metadata.title if reader.metadata else None) or ""
    except LoadError:
        raise
    except Exception as e:  # pypdf raises many types on broken files (NotImplementedError, IndexError, ...)
        raise LoadError(f"corrupt or unreadable PDF: {type(e).__name__}: {e}") from None
    out = DocumentBuilder(str(path), str(meta_title).strip())
    for number, lines in enumerate(_without_running_lines(pages), start=1):
        out.page(number)
        for kind, text in paragraphs(lines):
            if kind == "heading":
                out.heading(text, 1)
            elif kind == "list":
                marker, _, rest = text.partition(" ")
                out.list_item(rest, marker if marker[0].isdigit() or marker[0] == "(" else "-")
            else:
                out.prose(text)
    doc = out.build()
    if not doc.text.strip():
        raise LoadError("no extractable text in the PDF (scanned images need OCR first)")
    doc.title = doc.title or path.name
    return doc


def _page_lines(reader, max_chars: int, max_lines: int) -> list[list[str]]:
    """Each page's text as lines, counted as they are extracted: refused once the totals pass the caps."""
    pages, chars, lines = [], 0, 0
    for number, page in enumerate(reader.pages, start=1):
        text = page.extract_text() or ""
        chars += len(text)
        pages.append(text.splitlines())
        lines += len(pages[-1])
        if chars > max_chars or lines > max_lines:
            raise LoadError(
                f"refusing PDF: its text passes {max_chars:,} characters or {max_lines:,} lines by page "
                f"{number} (compressed text can expand far beyond the file's size); if it is a real "
                "document, split it"
            )
    return pages


def _without_running_lines(pages: list[list[str]]) -> list[list[str]]:
    """Pages without their running headers and footers: a line at a page's top or bottom that carries the
    printed page number ("Chapter 3: Basic Shell Features 11"), that is the same on most pages (digits aside),
    or that is a bare page number."""
    pages = [
        [line.strip() for line in lines if line.strip() and not _DOT_LEADER.search(line)] for lines in pages
    ]
    edges: Counter = Counter()
    offsets: Counter = Counter()  # printed page number minus page index: constant along a book's body
    for index, lines in enumerate(pages):
        edge_lines = lines[:2] + lines[-2:]
        edges.update({_DIGITS.sub("#", line) for line in edge_lines})
        offsets.update({n - index for n in map(_edge_number, edge_lines) if n is not None})
    repeated = {line for line, n in edges.items() if len(pages) >= 3 and n >= max(3, len(pages) * 0.5)}
    offset, votes = offsets.most_common(1)[0] if offsets else (None, 0)
    if votes < max(3, len(pages) * 0.3):
        offset = None

    def running(line: str, index: int) -> bool:
        if _DIGITS.sub("#", line) in repeated or _PAGE_NUMBER.fullmatch(line):
            return True
        return offset is not None and len(line) <= 100 and _edge_number(line) == index + offset

    cleaned = []
    for index, lines in enumerate(pages):
        keep = list(lines)
        for end in (0, -1):  # strip from the top, then from the bottom
            for _ in range(2):
                if keep and running(keep[end], index):
                    keep.pop(end)
        cleaned.append(keep)
    return cleaned


def _edge_number(line: str) -> int | None:
    match = _EDGE_NUMBER.search(line)
    return int(match.group(1) or match.group(2)) if match else None


def paragraphs(lines: list[str]) -> list[tuple[str, str]]:
    """(kind, text) of the paragraphs that a page's lines make: "prose", "list" or "heading"."""
    width = max((len(line) for line in lines), default=0)
    found: list[tuple[str, str]] = []
    current: list[str] = []
    kind = "prose"

    def close() -> None:
        nonlocal current
        if current:
            found.append((kind, _join(current)))
        current = []

    for i, line in enumerate(lines):
        short = len(line) < width * 0.75
        if _LIST_ITEM.match(line):
            close()
            kind = "list"
        elif not current:
            following = lines[i + 1] if i + 1 < len(lines) else ""
            heading = (
                short
                and len(line) <= 80
                and (line[:1].isupper() or line[:1].isdigit())
                and not _SENTENCE_END.search(line)
                and line[-1:] not in ",;-"
            )
            if heading and (len(following) >= width * 0.6 or _LIST_ITEM.match(following)):
                found.append(("heading", line))
                continue
            kind = "prose"
        current.append(line)
        if short and _SENTENCE_END.search(line):
            close()  # a short line that ends a sentence ends its paragraph
    close()
    return found


def _join(lines: list[str]) -> str:
    """Wrapped lines as one line: "inter-\\nnational" is "international", other breaks are spaces."""
    parts = [lines[0]]
    for line in lines[1:]:
        if _HYPHENATED.search(parts[-1]) and line[:1].islower():
            parts[-1] = parts[-1][:-1]
        else:
            parts.append(" ")
        parts.append(line)
    return "".join(parts)
