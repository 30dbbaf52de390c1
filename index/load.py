"""Loading files into `Document`s: plain text, Markdown, HTML, PDF and Word (.docx).

Each loader raises `LoadError` with a reason a person can act on; the indexer reports it and goes on.
"""

from __future__ import annotations

import os
import re
import zipfile
from collections.abc import Callable
from pathlib import Path

from index.document import Document, Section
from index.errors import LoadError

# A .docx is a zip: refuse archives that would inflate past this (zip bombs).
MAX_DOCX_UNCOMPRESSED = 200 * 1024 * 1024
# Its XML is parsed into a tree of ~20x its size: a few MB of zip can hold 190 MB of valid XML (4 GB of memory).
# 25 MB of XML is some 10,000 pages of text.
MAX_DOCX_XML = 25_000_000
# HTML nested deeper than this is refused rather than walked.
MAX_HTML_DEPTH = 500


def read_text_file(path: Path, max_bytes: int) -> str:
    """A text file's content as str; refuses binary data, invalid UTF-8 and files over max_bytes."""
    data = _read_bytes(path, max_bytes)
    if b"\x00" in data[:8192]:
        raise LoadError("binary data in a text file (NUL bytes); is the file name's suffix right?")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        raise LoadError(
            f"not valid UTF-8 (byte 0x{data[e.start]:02x} at offset {e.start}); save it as UTF-8 and index again"
        ) from None
    if not text.strip():
        raise LoadError("empty file (no text)")
    return text


def check_size(size: int, max_bytes: int) -> None:
    """Refuse empty files and files over the limit before reading them (bounded memory, no time spent)."""
    if size > max_bytes:
        raise LoadError(
            f"file too large: {size / 1e6:.1f} MB, the limit is {max_bytes / 1e6:g} MB (set QA_MAX_FILE_MB to raise it)"
        )
    if size == 0:
        raise LoadError("empty file (0 bytes)")


def _read_bytes(path: Path, max_bytes: int) -> bytes:
    check_size(path.stat().st_size, max_bytes)
    with open(path, "rb") as f:
        data = f.read(max_bytes + 1)  # never more than the limit, even if the file grew meanwhile
    if len(data) > max_bytes:
        raise LoadError(f"file too large: over the limit of {max_bytes / 1e6:g} MB")
    return data


def load_text(path: Path, max_bytes: int) -> Document:
    return Document(source=str(path), title=title_from_name(path), text=read_text_file(path, max_bytes))


def title_from_name(path: Path) -> str:
    """ "Super_Bowl_50.txt" -> "Super Bowl 50": file names often carry the topic."""
    return " ".join(path.stem.replace("_", " ").split()) or path.name


def load_markdown(path: Path, max_bytes: int) -> Document:
    from markdown_it import MarkdownIt

    text = read_text_file(path, max_bytes)
    # markdown-it counts "\r\n", "\r" and "\n" as line breaks: so must the offsets of its line numbers.
    line_starts = [0] + [m.end() for m in re.finditer(r"\r\n?|\n", text)]
    tokens = MarkdownIt("commonmark").parse(text)
    sections: list[Section] = [Section(0)]
    path_titles: list[tuple[int, str]] = []  # (level, title) of the headings in force
    title = ""
    for i, token in enumerate(tokens):
        if token.type != "heading_open" or token.map is None:
            continue
        level = int(token.tag[1])
        heading = tokens[i + 1].content.strip() if i + 1 < len(tokens) else ""
        path_titles = [(lv, t) for lv, t in path_titles if lv < level] + [(level, heading)]
        sections.append(Section(line_starts[token.map[0]], " > ".join(t for _, t in path_titles)))
        title = title or heading
    return Document(source=str(path), title=title or path.name, text=text, sections=sections)


_BLOCK_TAGS = {
    "p",
    "div",
    "section",
    "article",
    "header",
    "footer",
    "main",
    "aside",
    "li",
    "ul",
    "ol",
    "table",
    "tr",
    "td",
    "th",
    "br",
    "hr",
    "pre",
    "blockquote",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "dt",
    "dd",
    "figcaption",
}
_SKIP_TAGS = {"script", "style", "noscript", "template", "head", "svg", "iframe", "object"}


def load_html(path: Path, max_bytes: int) -> Document:
    import lxml.html
    from lxml import etree

    raw = _read_bytes(path, max_bytes)
    if b"\x00" in raw[:8192]:
        raise LoadError("binary data in an HTML file (NUL bytes)")
    try:
        # libxml2 silently drops everything below depth 255; huge_tree moves that to 2048, so the
        # MAX_HTML_DEPTH check below sees deep documents and refuses them instead of losing their text.
        root = lxml.html.document_fromstring(raw, parser=lxml.html.HTMLParser(huge_tree=True))
    except (etree.ParserError, ValueError) as e:
        raise LoadError(f"not parseable as HTML: {e}") from None

    title_el = root.find(".//title")
    title = (title_el.text_content().strip() if title_el is not None else "") or ""
    parts: list[str] = []
    length = 0
    sections: list[Section] = [Section(0)]
    headings: list[tuple[int, str]] = []
    depth = 0
    skip_depth = 0

    def emit(s: str) -> None:
        nonlocal length
        parts.append(s)
        length += len(s)

    def newline() -> None:
        if parts and not parts[-1].endswith("\n"):
            emit("\n")

    # An iterative walk: deep nesting cannot exhaust the Python stack.
    for event, el in etree.iterwalk(root, events=("start", "end")):
        tag = el.tag if isinstance(el.tag, str) else ""
        if event == "start":
            depth += 1
            if depth > MAX_HTML_DEPTH:
                raise LoadError(f"HTML nested deeper than {MAX_HTML_DEPTH} levels; refusing to parse it")
            if skip_depth or tag in _SKIP_TAGS:
                skip_depth += 1
                continue
            if tag in _BLOCK_TAGS:
                newline()
            if tag in {"h1", "h2", "h3", "h4", "h5", "h6"}:
                level = int(tag[1])
                heading = " ".join(el.text_content().split())
                headings = [(lv, t) for lv, t in headings if lv < level] + [(level, heading)]
                sections.append(Section(length, " > ".join(t for _, t in headings)))
                title = title or heading
            if el.text and tag:
                emit(" ".join(el.text.split()) + (" " if el.text[-1:].isspace() else ""))
        else:
            depth -= 1
            if skip_depth:
                skip_depth -= 1
                if skip_depth == 0 and el.tail:
                    emit(" ".join(el.tail.split()) + " ")
                continue
            if tag in _BLOCK_TAGS:
                newline()
            if el.tail and el.tail.strip():
                emit(" ".join(el.tail.split()) + " ")
    text = "".join(parts)
    if not text.strip():
        raise LoadError("no text in the HTML file")
    return Document(source=str(path), title=title or path.name, text=text, sections=sections)


def load_pdf(path: Path, max_bytes: int) -> Document:
    import logging

    from pypdf import PdfReader

    _read_bytes_check_size(path, max_bytes)
    logging.getLogger("pypdf").setLevel(logging.ERROR)  # pypdf warns loudly on slightly broken files
    try:
        reader = PdfReader(str(path))
        if reader.is_encrypted:
            raise LoadError("encrypted PDF; decrypt it first (for example with `qpdf --decrypt`)")
        pages = [page.extract_text() or "" for page in reader.pages]
        meta_title = (reader.metadata.title if reader.metadata else None) or ""
    except LoadError:
        raise
    except Exception as e:  # pypdf raises many types on broken files (NotImplementedError, IndexError, ...)
        raise LoadError(f"corrupt or unreadable PDF: {type(e).__name__}: {e}") from None
    text_parts: list[str] = []
    sections: list[Section] = []
    offset = 0
    for number, page_text in enumerate(pages, start=1):
        page_text = page_text.strip()
        if not page_text:
            continue
        if text_parts:
            text_parts.append("\n\n")
            offset += 2
        sections.append(Section(offset, page=number))
        text_parts.append(page_text)
        offset += len(page_text)
    text = "".join(text_parts)
    if not text.strip():
        raise LoadError("no extractable text in the PDF (scanned images need OCR first)")
    return Document(
        source=str(path), title=str(meta_title).strip() or path.name, text=text, sections=sections
    )


def _read_bytes_check_size(path: Path, max_bytes: int) -> None:
    check_size(path.stat().st_size, max_bytes)


def load_docx(path: Path, max_bytes: int) -> Document:
    import docx

    _read_bytes_check_size(path, max_bytes)
    try:
        with zipfile.ZipFile(path) as archive:
            inflated = sum(info.file_size for info in archive.infolist())
            xml = sum(i.file_size for i in archive.infolist() if i.filename.endswith((".xml", ".rels")))
    except (zipfile.BadZipFile, OSError) as e:
        raise LoadError(f"not a valid .docx (zip) file: {e}") from None
    if xml > MAX_DOCX_XML:
        raise LoadError(
            f"refusing .docx whose XML inflates to {xml / 1e6:.0f} MB (limit {MAX_DOCX_XML / 1e6:.0f} MB): "
            "possibly a zip bomb; if it is a real document, split it or save it as PDF"
        )
    if inflated > MAX_DOCX_UNCOMPRESSED:
        raise LoadError(
            f"refusing .docx that inflates to {inflated / 1e6:.0f} MB (limit {MAX_DOCX_UNCOMPRESSED / 1e6:.0f} MB): "
            "possibly a zip bomb"
        )
    try:
        document = docx.Document(str(path))
    except Exception as e:  # python-docx raises many types for broken packages
        raise LoadError(f"corrupt or unreadable .docx: {type(e).__name__}: {e}") from None
    parts: list[str] = []
    sections: list[Section] = [Section(0)]
    headings: list[tuple[int, str]] = []
    offset = 0
    title = (document.core_properties.title or "").strip()
    # python-docx resolves `paragraph.style` by scanning every style, each time: cache it per style id,
    # or a document of many short paragraphs takes minutes.
    style_names: dict[str | None, str] = {}
    for paragraph in document.paragraphs:
        text = paragraph.text.strip()
        if not text:
            continue
        style_id = paragraph._p.style
        if style_id not in style_names:
            style_names[style_id] = (paragraph.style.name if paragraph.style is not None else "") or ""
        style = style_names[style_id]
        if parts:
            parts.append("\n\n")
            offset += 2
        level = _docx_heading_level(style)
        if level:
            headings = [(lv, t) for lv, t in headings if lv < level] + [(level, text)]
            sections.append(Section(offset, " > ".join(t for _, t in headings)))
            title = title or text
        parts.append(text)
        offset += len(text)
    full = "".join(parts)
    if not full.strip():
        raise LoadError("no text in the .docx file")
    return Document(source=str(path), title=title or path.name, text=full, sections=sections)


def _docx_heading_level(style: str) -> int:
    if style == "Title":
        return 1
    if style.startswith("Heading "):
        digits = style.split(" ", 1)[1]
        return int(digits) if digits.isdigit() else 0
    return 0


LOADERS: dict[str, Callable[[Path, int], Document]] = {
    ".txt": load_text,
    ".text": load_text,
    ".md": load_markdown,
    ".markdown": load_markdown,
    ".rst": load_text,
    ".html": load_html,
    ".htm": load_html,
    ".pdf": load_pdf,
    ".docx": load_docx,
}


def is_supported(path: Path) -> bool:
    return path.suffix.lower() in LOADERS


def load(path: str | os.PathLike, max_bytes: int = 50_000_000) -> Document:
    """Load one file; raises LoadError with the reason when it cannot be indexed."""
    path = Path(path)
    loader = LOADERS.get(path.suffix.lower())
    if loader is None:
        raise LoadError(
            f"unsupported file type '{path.suffix or '(none)'}' (supported: {', '.join(sorted(LOADERS))})"
        )
    try:
        return loader(path, max_bytes)
    except FileNotFoundError:
        raise LoadError("file vanished before it could be read") from None
    except PermissionError:
        raise LoadError("permission denied: the file is not readable") from None
    except IsADirectoryError:
        raise LoadError("is a directory") from None
    except RecursionError:
        raise LoadError("structure nested too deeply to parse") from None
    except MemoryError:
        raise LoadError("too large to parse in memory") from None
    except OSError as e:
        raise LoadError(f"cannot read the file: {e.strerror or e}") from None
