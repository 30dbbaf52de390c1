"""HTML: the page's text as a reader sees it, with headings, lists, tables and code kept apart.

Inline elements keep the source's own whitespace ("<code>IndexError</code> is raised" reads "IndexError is
raised", never "IndexErroris raised"); navigation, headers, footers, sidebars, scripts and Sphinx "¶" permalinks
are dropped. Sphinx API descriptions (<dl class="py function"><dt class="sig">) head sections of their own.

The page is parsed in pieces and walked as it is parsed (lxml's pull parser): memory holds the open elements and
the one being handled, not the page's tree, so a page of a million paragraphs costs what its text costs.
"""

from __future__ import annotations

import re
from pathlib import Path

from index.document import Document
from index.errors import LoadError
from index.loaders.builder import DocumentBuilder, one_line
from index.loaders.files import read_bytes
from index.loaders.html_tags import BLOCK_TAGS, HEADINGS, PERMALINKS, is_noise, is_signature

MAX_HTML_DEPTH = 500  # HTML nested deeper than this is refused rather than walked
_PIECE = 1 << 16  # bytes given to the parser at a time
_JOIN = 4096  # text pieces gathered before they are joined into one string

_CHARSET = re.compile(rb"charset\s*=|<\?xml[^>]*encoding", re.I)
_NAME = re.compile(r"[^\s(\[]+")


def load_html(path: Path, max_bytes: int) -> Document:
    import lxml.html
    from lxml import etree

    raw = read_bytes(path, max_bytes)
    if b"\x00" in raw:
        raise LoadError("binary data in an HTML file (NUL bytes)")
    # libxml2 silently drops everything below depth 255; huge_tree moves that to 2048, so the MAX_HTML_DEPTH
    # check sees deep documents and refuses them instead of losing their text. The page is parsed in pieces
    # and walked as it is parsed: an element is written out and removed once it closes, so memory holds the
    # open elements, not the page's tree.
    parser = etree.HTMLPullParser(
        events=("start", "end"),
        huge_tree=True,
        remove_comments=True,
        remove_pis=True,
        encoding=_encoding(raw),
    )
    parser.set_element_class_lookup(lxml.html.HtmlElementClassLookup())
    walker = _Walker(DocumentBuilder(str(path)))
    try:
        for offset in range(0, len(raw), _PIECE):
            parser.feed(raw[offset : offset + _PIECE])
            walker.take(parser.read_events())
        parser.close()
    except (etree.ParserError, ValueError) as e:
        raise LoadError(f"not parseable as HTML: {e}") from None
    walker.take(parser.read_events())
    if not walker.started:
        raise LoadError("not parseable as HTML: Document is empty")
    doc = walker.finish()
    if not doc.text.strip():
        raise LoadError("no text in the HTML file")
    doc.title = walker.title or doc.title or path.name
    return doc


def _encoding(raw: bytes) -> str | None:
    """UTF-8 for a page that declares no charset but is valid UTF-8 (libxml2 would read it as Latin-1)."""
    if _CHARSET.search(raw[:4096]) or raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        return None  # declared (or a UTF-16 byte order mark): libxml2 follows it
    try:
        raw.decode("utf-8")
    except UnicodeDecodeError:
        return None
    return "utf-8"


class _Text:
    """Text gathered piece by piece and joined every _JOIN pieces (a paragraph of a million <b>a</b> stays a few
    strings, not millions). Marks are character offsets, so they survive the joins."""

    def __init__(self):
        self.parts: list[str] = []
        self.length = 0
        self.loose = 0  # pieces added since the last join

    def add(self, text: str | None) -> None:
        if text:
            self.parts.append(text)
            self.length += len(text)
            self.loose += 1
            if self.loose >= _JOIN:  # only the newest pieces: re-joining all the text each time is quadratic
                self.parts[-self.loose :] = ["".join(self.parts[-self.loose :])]
                self.loose = 0

    def since(self, mark: int) -> str:
        """The text from offset `mark` on (read from the end: costs what it returns)."""
        need, pieces, got = self.length - mark, [], 0
        for piece in reversed(self.parts):
            if got >= need:
                break
            pieces.append(piece)
            got += len(piece)
        text = "".join(reversed(pieces))
        return text[len(text) - need :] if need > 0 else ""

    def cut(self, mark: int) -> None:
        """Drop the text from offset `mark` on."""
        need = self.length - mark
        self.length = mark
        while need > 0 and self.parts:
            last = self.parts.pop()
            if len(last) > need:
                self.parts.append(last[: len(last) - need])
                need = 0
            else:
                need -= len(last)
        self.loose = min(self.loose, len(self.parts))

    def take(self) -> str:
        text = "".join(self.parts)
        self.parts, self.length, self.loose = [], 0, 0
        return text


class _Walker:
    """Turns the parser's start and end events into blocks as they come.

    An event is handled one event late: an element's text is complete once the next event has been parsed, and
    its tail once the event after its end has. Every element is removed from the tree once handled. Headings,
    code, tables and API signatures are written from their whole text, gathered as their subtree streams by;
    tables row by row."""

    def __init__(self, out: DocumentBuilder):
        self.out = out
        self.title = ""  # the first <title>'s text
        self.started = False  # any element was parsed
        self.pending: tuple[str, object] | None = None  # the event whose text is not complete yet
        self.depth = 0
        self.walking = True  # False after </body>: the text is the body's (the whole page's when it has none)
        self.noise = None  # the element being dropped (navigation, scripts...), until its end
        self.whole = None  # the heading, code, table or signature whose text is being gathered
        self.gathered = _Text()  # its text
        self.rows: list[list[str]] = []  # a table's rows not written yet (nested tables' rows in start order)
        self.open_rows: list[tuple[object, int]] = []  # (tr, index in rows)
        self.cells: list[tuple[object, int, int]] = []  # open cells: (td, mark in gathered, index in rows)
        self.links: list[tuple[object, int]] = []  # open #-links, maybe permalinks: (a, mark in their text)
        self.buffer = _Text()  # the paragraph being read
        self.lists: list[list] = []  # per open list: [ordered, next number]
        self.item: list[str] = []  # marker of the open list item whose line is not written yet ("": written)
        self.level = 0  # the heading level in force
        self.prefix = ""
        self.descriptions: list[tuple[object, int]] = []  # (dl element, level) of the open API descriptions

    def take(self, events) -> None:
        for event in events:
            if self.pending is not None:
                self.handle(*self.pending)
            self.pending = event
            self.started = True

    def finish(self) -> Document:
        if self.pending is not None:
            self.handle(*self.pending)
            self.pending = None
        self.flush()
        return self.out.build()

    def handle(self, event: str, el) -> None:
        tag = el.tag if isinstance(el.tag, str) else ""
        if event == "start":
            self.depth += 1
            if self.depth > MAX_HTML_DEPTH:
                raise LoadError(f"HTML nested deeper than {MAX_HTML_DEPTH} levels; refusing to parse it")
            if self.noise is not None or not self.walking:
                return
            if is_noise(el, tag):
                self.noise = el
            elif self.whole is not None:
                self.gather_start(el, tag)
            else:
                if tag == "body":  # the page's text is its body's: what came before it is dropped
                    self.buffer.take()
                self.start(el, tag)
            return
        self.depth -= 1
        if tag == "title" and not self.title:
            self.title = one_line(el.text_content())
        text = self.gathered if self.whole is not None and el is not self.whole else self.buffer
        if self.noise is not None:
            if el is not self.noise:
                _forget(el)  # inside dropped noise: nothing of it is read again
                return
            self.noise = None
        elif not self.walking:
            pass
        elif el is self.whole:
            self.whole = None
            self.write_whole(el, tag)
        elif self.whole is not None:
            self.gather_end(el, tag)
        else:
            self.end(el, tag)
        if self.walking:
            text.add(el.tail)
        if tag == "body":
            self.walking = False
        _forget(el)

    def start(self, el, tag: str) -> None:
        if tag in BLOCK_TAGS:
            self.flush()
        if (
            tag in HEADINGS
            or tag in ("pre", "table")
            or "admonition-title" in (el.get("class") or "").split()
            or is_signature(el)
        ):
            self.whole = el
            self.gather_start(el, tag)
            return
        if tag in ("ul", "ol"):
            self.lists.append(
                [tag == "ol", int(el.get("start", "1")) if (el.get("start") or "1").isdigit() else 1]
            )
        elif tag == "li":
            marker = "-"
            if self.lists and self.lists[-1][0]:
                marker = f"{self.lists[-1][1]}."
                self.lists[-1][1] += 1
            self.item.append(marker)
        elif tag == "a" and (el.get("href") or "").startswith("#"):
            self.links.append((el, self.buffer.length))
        self.buffer.add(el.text)

    def end(self, el, tag: str) -> None:
        if tag in BLOCK_TAGS:
            self.flush()
        if tag in ("ul", "ol") and self.lists:
            self.lists.pop()
        elif tag == "li" and self.item:
            self.item.pop()
        elif tag == "dl" and self.descriptions and self.descriptions[-1][0] is el:
            _, level = self.descriptions.pop()
            self.out.leave(level)
        else:
            self.unlink(el, self.buffer)

    def gather_start(self, el, tag: str) -> None:
        """An element inside (or opening) a heading, code block, table or signature: its text is gathered."""
        if self.whole.tag == "table":
            if tag == "tr":
                self.open_rows.append((el, len(self.rows)))
                self.rows.append([])
            elif tag in ("td", "th") and self.open_rows and self.open_rows[-1][0] is el.getparent():
                self.cells.append((el, self.gathered.length, self.open_rows[-1][1]))
        if tag == "a" and (el.get("href") or "").startswith("#"):
            self.links.append((el, self.gathered.length))
        self.gathered.add(el.text)

    def gather_end(self, el, tag: str) -> None:
        if self.cells and self.cells[-1][0] is el:
            _, mark, row = self.cells.pop()
            self.rows[row].append(self.gathered.since(mark))
        elif self.open_rows and self.open_rows[-1][0] is el:
            self.open_rows.pop()
            if not self.open_rows:  # an outermost row: it and the rows nested in it are complete
                self.out.table(self.rows)
                self.rows = []
                self.gathered.take()
        else:
            self.unlink(el, self.gathered)

    def write_whole(self, el, tag: str) -> None:
        """A heading, admonition title, code block, table or API signature, from its gathered text."""
        text = self.gathered.take()
        self.links.clear()
        if tag in HEADINGS:
            self.level = HEADINGS[tag]
            self.descriptions.clear()
            self.out.heading(text, self.level)
        elif "admonition-title" in (el.get("class") or "").split():
            self.prefix = one_line(text) + ": "  # "Note" opens the note's first paragraph
        elif tag == "pre":
            self.out.code(text)
        elif tag == "table":
            self.out.table(self.rows)
            self.rows, self.open_rows, self.cells = [], [], []
        else:  # an API signature
            level = self.level + len(self.descriptions) + 1
            text = one_line(text)
            match = _NAME.match(el.get("id") or text)
            self.out.heading(text, level, name=match.group(0) if match else text)
            parent = el.getparent()
            if parent is not None and all(d is not parent for d, _ in self.descriptions):
                self.descriptions.append((parent, level))

    def unlink(self, el, text: _Text) -> None:
        """A #-link closes: the "¶" of a self-link is not text of the page."""
        if self.links and self.links[-1][0] is el:
            _, mark = self.links.pop()
            if mark <= text.length and text.since(mark).strip() in PERMALINKS:
                text.cut(mark)

    def flush(self) -> None:
        text = one_line(self.buffer.take())
        self.links.clear()  # their text is taken: too late to take a permalink back
        if not text:
            return
        if self.item and self.item[-1]:
            self.out.list_item(text, self.item[-1], max(len(self.lists) - 1, 0))
            self.item[-1] = ""
        else:
            self.out.prose(self.prefix + text)
        self.prefix = ""


def _forget(el) -> None:
    """Free an element that has been handled, with the siblings before it (handled earlier)."""
    el.clear(keep_tail=True)
    parent = el.getparent()
    if parent is not None:
        while el.getprevious() is not None:
            del parent[0]
