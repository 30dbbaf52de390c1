"""HTML: the page's text as a reader sees it, with headings, lists, tables and code kept apart.

Inline elements keep the source's own whitespace ("<code>IndexError</code> is raised" reads "IndexError is
raised", never "IndexErroris raised"); navigation, headers, footers, sidebars, scripts and Sphinx "¶" permalinks
are dropped. Sphinx API descriptions (<dl class="py function"><dt class="sig">) head sections of their own.
"""

from __future__ import annotations

import re
from pathlib import Path

from index.document import Document
from index.errors import LoadError
from index.loaders.builder import DocumentBuilder
from index.loaders.files import read_bytes

MAX_HTML_DEPTH = 500  # HTML nested deeper than this is refused rather than walked

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
    try:
        # libxml2 silently drops everything below depth 255; huge_tree moves that to 2048, so the
        # MAX_HTML_DEPTH check below sees deep documents and refuses them instead of losing their text.
        parser = lxml.html.HTMLParser(huge_tree=True, encoding=_encoding(raw))
        root = lxml.html.document_fromstring(raw, parser=parser)
    except (etree.ParserError, ValueError) as e:
        raise LoadError(f"not parseable as HTML: {e}") from None
    _check_depth(root)
    title_el = root.find(".//title")
    title = " ".join(title_el.text_content().split()) if title_el is not None else ""
    _drop_noise(root)
    walker = _Walker(DocumentBuilder(str(path), title))
    walker.run(root)
    doc = walker.out.build()
    if not doc.text.strip():
        raise LoadError("no text in the HTML file")
    doc.title = doc.title or path.name
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


def _check_depth(root) -> None:
    from lxml import etree

    depth = 0
    for event, _ in etree.iterwalk(root, events=("start", "end")):  # iterative: no Python recursion
        depth += 1 if event == "start" else -1
        if depth > MAX_HTML_DEPTH:
            raise LoadError(f"HTML nested deeper than {MAX_HTML_DEPTH} levels; refusing to parse it")


def _drop_noise(root) -> None:
    doomed = []
    for el in root.iter():
        tag = el.tag if isinstance(el.tag, str) else ""
        classes = set((el.get("class") or "").split()) if tag else set()
        if (
            not tag  # comments, processing instructions
            or tag in _DROPPED_TAGS
            or classes & _NOISE_CLASSES
            or any(c.startswith("index-") for c in classes)  # Texinfo's index tables: thousands of links
            or el.get("role") == "navigation"
            or (
                tag == "a"
                and (el.get("href") or "").startswith("#")
                and el.text_content().strip() in _PERMALINKS
            )
        ):
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
    def __init__(self, out: DocumentBuilder):
        self.out = out
        self.buffer: list[str] = []
        self.lists: list[list] = []  # per open list: [ordered, next number]
        self.item: list[
            str
        ] = []  # marker of the open list item whose line is not written yet ("" once written)
        self.level = 0  # the heading level in force
        self.prefix = ""
        self.descriptions: list[tuple[object, int]] = []  # (dl element, level) of the open API descriptions

    def run(self, root) -> None:
        from lxml import etree

        body = root.find(".//body")
        walker = etree.iterwalk(body if body is not None else root, events=("start", "end"))
        taken = None  # the element just handled whole: its end event comes next
        for event, el in walker:
            tag = el.tag if isinstance(el.tag, str) else ""
            if event == "start":
                if self.start(el, tag):
                    walker.skip_subtree()
                    taken = el
            else:
                self.end(el, tag, whole=el is taken)
        self.flush()

    def start(self, el, tag: str) -> bool:
        """Handle an opening tag; True when the element was taken whole (its subtree is skipped)."""
        if tag in _BLOCK_TAGS:
            self.flush()
        if tag in _HEADINGS:
            self.level = _HEADINGS[tag]
            self.descriptions.clear()
            self.out.heading(el.text_content(), self.level)
            return True
        if "admonition-title" in (el.get("class") or "").split():
            self.prefix = (
                " ".join(el.text_content().split()) + ": "
            )  # "Note" opens the note's first paragraph
            return True
        if tag == "pre":
            self.out.code(el.text_content())
            return True
        if tag == "table":
            rows = [[c.text_content() for c in tr if c.tag in ("td", "th")] for tr in el.iter("tr")]
            self.out.table(rows)
            return True
        if _is_signature(el):
            level = self.level + len(self.descriptions) + 1
            text = " ".join(el.text_content().split())
            match = _NAME.match(el.get("id") or text)
            self.out.heading(text, level, name=match.group(0) if match else text)
            parent = el.getparent()
            if parent is not None and all(d is not parent for d, _ in self.descriptions):
                self.descriptions.append((parent, level))
            return True
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
        if el.text:
            self.buffer.append(el.text)
        return False

    def end(self, el, tag: str, whole: bool = False) -> None:
        if tag in _BLOCK_TAGS and not whole:
            self.flush()
        if tag in ("ul", "ol") and self.lists and not whole:
            self.lists.pop()
        elif tag == "li" and self.item and not whole:
            self.item.pop()
        elif tag == "dl" and self.descriptions and self.descriptions[-1][0] is el:
            _, level = self.descriptions.pop()
            self.out.leave(level)
        if el.tail:
            self.buffer.append(el.tail)

    def flush(self) -> None:
        text = " ".join("".join(self.buffer).split())
        self.buffer.clear()
        if not text:
            return
        if self.item and self.item[-1]:
            self.out.list_item(text, self.item[-1], max(len(self.lists) - 1, 0))
            self.item[-1] = ""
        else:
            self.out.prose(self.prefix + text)
        self.prefix = ""


def _is_signature(el) -> bool:
    return el.tag == "dt" and "sig" in (el.get("class") or "").split()
