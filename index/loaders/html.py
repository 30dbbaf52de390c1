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
from index.loaders.builder import DocumentBuilder
from index.loaders.files import read_bytes

MAX_HTML_DEPTH = 500  # HTML nested deeper than this is refused rather than walked
_PIECE = 1 << 16  # bytes given to the parser at a time

_BLOCK_TAGS = frozenset(
    [
        "p",
        "div",
        "section",
        "article",
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
        "dl",
        "dt",
        "dd",
        "figure",
        "figcaption",
        "form",
        "fieldset",
        "details",
        "summary",
        "address",
        "center",
        "body",
        "caption",
    ]
)
_DROPPED_TAGS = frozenset(
    [
        "script",
        "style",
        "noscript",
        "template",
        "head",
        "svg",
        "iframe",
        "object",
        "nav",
        "header",
        "footer",
        "button",
        "input",
        "select",
        "textarea",
    ]
)
_NOISE_CLASSES = frozenset(
    [
        "related",
        "sphinxsidebar",
        "sphinxsidebarwrapper",
        "footer",
        "header",
        "nav-panel",
        "navheader",
        "navfooter",
        "navigation",
        "breadcrumbs",
        "headerlink",
        "toc",
        "mini-toc",
        "skip-link",
        "viewcode-link",
        "mobile-nav",
        "top-bar",
        "toc-numbered-mokuji",
        "contents-heading",
        "shortcontents",
        "shortcontents-heading",
        "Contents_element",
        "section-toc",
    ]
)
_HEADINGS = {"h1": 1, "h2": 2, "h3": 3, "h4": 4, "h5": 5, "h6": 6}
_PERMALINKS = frozenset({"¶", "#", "§", "🔗"})  # the marks a heading's self-link shows
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


def _is_noise(el, tag: str) -> bool:
    """Navigation, scripts, sidebars and the like, known from the opening tag (permalinks need their text)."""
    classes = set((el.get("class") or "").split())
    return (
        tag in _DROPPED_TAGS
        or bool(classes & _NOISE_CLASSES)
        or any(c.startswith("index-") for c in classes)  # Texinfo's index tables: thousands of links
        or el.get("role") == "navigation"
    )


def _is_permalink(el, tag: str) -> bool:
    return tag == "a" and (el.get("href") or "").startswith("#") and el.text_content().strip() in _PERMALINKS


def _drop_noise(root) -> None:
    """Noise inside an element taken whole (a heading's permalink, a table's script), its tails kept."""
    doomed = []
    for el in root.iterdescendants():
        tag = el.tag if isinstance(el.tag, str) else ""
        if not tag or _is_noise(el, tag) or _is_permalink(el, tag):
            doomed.append(el)
    for el in doomed:
        parent = el.getparent()
        if parent is None:
            continue
        try:
            el.drop_tree()  # keeps the tail text, which belongs to the parent
        except ValueError:  # a tail lxml cannot move (control characters): drop it with the element
            parent.remove(el)


class _Walker:
    """Turns the parser's start and end events into blocks as they come.

    An event is handled one event late: an element's text is complete once the next event has been parsed, and
    its tail once the event after its end has. Elements taken whole (headings, code, tables, signatures) are
    handled at their end, with their subtree; every element is removed from the tree once handled."""

    def __init__(self, out: DocumentBuilder):
        self.out = out
        self.title = ""  # the first <title>'s text
        self.started = False  # any element was parsed
        self.pending: tuple[str, object] | None = None  # the event whose text is not complete yet
        self.depth = 0
        self.skipping = None  # the element being skipped (noise) or taken whole, until its end
        self.whole = False  # the skipped element is taken whole (else dropped)
        self.walking = True  # False after </body>: the text is the body's (the whole page's when it has none)
        self.links: list[tuple[object, int]] = []  # open #-links that may be permalinks: (a, buffer length)
        self.buffer: list[str] = []
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
            if self.skipping is None and self.walking:
                if tag == "body":  # the page's text is its body's: what came before it is dropped
                    self.buffer.clear()
                self.start(el, tag)
            return
        self.depth -= 1
        if tag == "title" and not self.title:
            self.title = " ".join(el.text_content().split())
        if self.skipping is not None:
            if el is not self.skipping:
                if not self.whole:
                    _forget(el)  # inside dropped noise: nothing of it is read again
                return
            self.skipping = None
            if self.whole:
                self.take_whole(el, tag)
        elif self.walking:
            self.end(el, tag)
        if self.walking and el.tail:
            self.buffer.append(el.tail)
        if tag == "body":
            self.walking = False
        _forget(el)

    def start(self, el, tag: str) -> None:
        if _is_noise(el, tag):
            self.skipping, self.whole = el, False
            return
        if (
            tag in _HEADINGS
            or tag in ("pre", "table")
            or "admonition-title" in (el.get("class") or "").split()
            or _is_signature(el)
        ):
            self.skipping, self.whole = el, True
            return
        if tag in _BLOCK_TAGS:
            self.flush()
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
            self.links.append((el, len(self.buffer)))
        if el.text:
            self.buffer.append(el.text)

    def take_whole(self, el, tag: str) -> None:
        """A heading, admonition title, code block, table or API signature: written from its subtree."""
        _drop_noise(el)
        if tag in _BLOCK_TAGS:
            self.flush()
        if tag in _HEADINGS:
            self.level = _HEADINGS[tag]
            self.descriptions.clear()
            self.out.heading(el.text_content(), self.level)
        elif "admonition-title" in (el.get("class") or "").split():
            # "Note" opens the note's first paragraph
            self.prefix = " ".join(el.text_content().split()) + ": "
        elif tag == "pre":
            self.out.code(el.text_content())
        elif tag == "table":
            rows = [[c.text_content() for c in tr if c.tag in ("td", "th")] for tr in el.iter("tr")]
            self.out.table(rows)
        else:  # an API signature
            level = self.level + len(self.descriptions) + 1
            text = " ".join(el.text_content().split())
            match = _NAME.match(el.get("id") or text)
            self.out.heading(text, level, name=match.group(0) if match else text)
            parent = el.getparent()
            if parent is not None and all(d is not parent for d, _ in self.descriptions):
                self.descriptions.append((parent, level))

    def end(self, el, tag: str) -> None:
        if tag in _BLOCK_TAGS:
            self.flush()
        if tag in ("ul", "ol") and self.lists:
            self.lists.pop()
        elif tag == "li" and self.item:
            self.item.pop()
        elif tag == "dl" and self.descriptions and self.descriptions[-1][0] is el:
            _, level = self.descriptions.pop()
            self.out.leave(level)
        elif self.links and self.links[-1][0] is el:
            _, mark = self.links.pop()
            if _is_permalink(el, tag) and mark <= len(self.buffer):
                del self.buffer[mark:]  # the "¶" of a self-link, not text of the page

    def flush(self) -> None:
        text = " ".join("".join(self.buffer).split())
        self.buffer.clear()
        self.links.clear()  # their text is written: too late to take a permalink back
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


def _is_signature(el) -> bool:
    return el.tag == "dt" and "sig" in (el.get("class") or "").split()
