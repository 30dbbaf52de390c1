"""reStructuredText (and Sphinx sources, `.rst.txt`): parsed with docutils, walked into clean text with structure.

Sections and API descriptions (`.. function:: json.loads(s)`) become headings of nested sections, so a chunk's
section path reads "json > Basic Usage > json.loads". Roles render as their words, literal blocks and doctests
as code, tables as rows; comments, targets, substitutions and parse messages are dropped.
"""

from __future__ import annotations

import io
import re
from pathlib import Path

from index.document import Document
from index.errors import LoadError
from index.loaders import windows
from index.loaders.builder import DocumentBuilder
from index.loaders.files import read_text_file, title_from_name
from index.loaders.text import load_text

_SETTINGS = {
    "report_level": 5,  # silent: a document with a few errors is still worth indexing
    "halt_level": 5,
    "warning_stream": io.StringIO(),
    "file_insertion_enabled": False,  # `.. include::` and `.. raw:: :file:` never read other files
    "raw_enabled": False,
    "doctitle_xform": False,  # keep the top section a section: it heads the section path
    "sectsubtitle_xform": False,
    "docinfo_xform": False,
    "smart_quotes": False,
    "syntax_highlight": "none",
    "input_encoding": "unicode",
    "line_length_limit": windows.WINDOW_CHARS,  # a longer line is parsed in windows of this size, never whole
    "_disable_config": True,
}
_PREFIX = {
    "class": "class ",
    "exception": "exception ",
    "classmethod": "classmethod ",
    "staticmethod": "staticmethod ",
    "coroutinefunction": "coroutine ",
    "coroutinemethod": "coroutine ",
    "awaitablefunction": "awaitable ",
    "awaitablemethod": "awaitable ",
    "abstractmethod": "abstractmethod ",
    "property": "property ",
    "decorator": "@",
    "decoratormethod": "@",
}
_PY_TYPES = frozenset(_PREFIX) | {"function", "method", "attribute", "data"}
_MEMBERS = frozenset(
    [
        "method",
        "classmethod",
        "staticmethod",
        "attribute",
        "property",
        "abstractmethod",
        "coroutinemethod",
        "decoratormethod",
    ]
)  # "str.partition" names its class: not qualified with the module
_NAME = re.compile(r"[^\s(\[:=]+")
_SPACE_BEFORE_STOP = re.compile(r"\s+([.,;:!?)])")
_C_NAME = re.compile(r"(\w+)\s*(?:\(|$)")


def load_rst(path: Path, max_bytes: int) -> Document:
    text = read_text_file(path, max_bytes)
    try:
        doc = parse_rst(text, str(path), title_from_name(path))
    except Exception:  # noqa: BLE001 - docutils bugs on odd input: the text is still worth indexing as it is
        return load_text(path, max_bytes)
    if not doc.text.strip():
        raise LoadError("no text in the reStructuredText file (only comments or markup)")
    return doc


def parse_rst(text: str, source: str, fallback_title: str = "") -> Document:
    """A large source is parsed in windows (index/loaders/windows.py) into one builder. docutils numbers section
    levels by the order title styles appear in in one parse, so each window after the first opens with stand-in
    titles, in the styles of the sections in force, and its own sections get the levels of the whole document."""
    from docutils.core import publish_doctree
    from docutils.parsers.rst import Parser

    from index.loaders import sphinx

    sphinx.register(text)
    walker = _Walker(DocumentBuilder(source))
    styles: list = []  # title styles in the document's order: level i + 1 is styles[i]
    for piece in windows.pieces(text):
        parser = Parser()
        carried = "".join(_stand_in(style) for style in styles[: walker.out.depth])
        tree = publish_doctree(
            carried + piece,
            source_path=source,
            parser=parser,
            settings_overrides={**_SETTINGS, "warning_stream": io.StringIO()},
        )
        walker.children(tree, 0)
        memo = getattr(parser.statemachine.states["Body"], "memo", None)  # None: docutils refused the piece
        styles += [s for s in (memo.title_styles if memo else []) if s not in styles]
    doc = walker.out.build()
    doc.title = doc.title or fallback_title
    return doc


_CARRIED = "rstmd-carried-section"  # the title of a stand-in: the section it stands for is in force already


def _stand_in(style: str | tuple[str, str]) -> str:
    rule = (style if isinstance(style, str) else style[0]) * len(_CARRIED)
    return f"{_CARRIED}\n{rule}\n\n" if isinstance(style, str) else f"{rule}\n{_CARRIED}\n{rule}\n\n"


class _Walker:
    def __init__(self, out: DocumentBuilder):
        from docutils import nodes

        from index.loaders import sphinx

        self.nodes, self.sphinx, self.out = nodes, sphinx, out
        self.module = ""
        self.classes: list[str] = []  # enclosing class descriptions: their members are not module-qualified
        self.list_depth = 0
        self.prefix = ""  # a label for the next paragraph ("Note: ")
        n = nodes
        self.skipped = (
            n.comment, n.substitution_definition, n.target, n.system_message, n.problematic, n.raw, n.pending,
            n.image, n.footnote_reference, n.citation_reference, n.meta, n.decoration, n.transition, n.label,
        )  # fmt: skip

    def children(self, node, depth: int) -> None:
        for child in node.children:
            self.walk(child, depth)

    def walk(self, node, depth: int) -> None:  # noqa: C901 - one dispatch over docutils' node types
        n, sphinx = self.nodes, self.sphinx
        if isinstance(node, self.skipped):
            return
        if isinstance(node, n.section):
            # Not left at its end: the next heading of its level or above replaces it in the path (RST has no
            # text after a subsection), and a window's end is no section's end.
            title = node.next_node(n.title)
            said = inline_text(title) if title is not None else ""
            if said != _CARRIED:
                self.out.heading(said, depth + 1)
            self.children_except(node, n.title, depth + 1)
        elif isinstance(node, sphinx.desc):
            self.description(node, depth)
        elif isinstance(node, sphinx.module_marker):
            self.module = node["name"]
        elif isinstance(node, n.paragraph):
            self.prose(inline_text(node))
        elif isinstance(node, (n.literal_block, n.doctest_block, n.math_block)):
            self.out.code(node.astext())
        elif isinstance(node, (n.bullet_list, n.enumerated_list)):
            self.listing(node, depth)
        elif isinstance(node, n.definition_list):
            for item in node.children:
                terms = [inline_text(c) for c in item.children if isinstance(c, (n.term, n.classifier))]
                self.prose(" : ".join(t for t in terms if t))
                for c in item.children:
                    if isinstance(c, n.definition):
                        self.children(c, depth)
        elif isinstance(node, n.field_list):
            for field in node.children:
                self.item(inline_text(field[0]) + ":", field[1], "-", depth)
        elif isinstance(node, n.option_list):
            for option in node.children:
                self.item(inline_text(option[0]), option[1] if len(option) > 1 else None, "-", depth)
        elif isinstance(node, n.table):
            self.table(node)
        elif isinstance(node, (n.Admonition, sphinx.labelled)):
            self.admonition(node, depth)
        elif isinstance(node, (n.topic, n.sidebar, n.rubric)):
            title = node.next_node(n.title) if not isinstance(node, n.rubric) else node
            if title is not None:
                self.prose(inline_text(title))
            if not isinstance(node, n.rubric):
                self.children_except(node, n.title, depth)
        elif isinstance(node, n.line_block):
            self.prose(" ".join(inline_text(line) for line in node.findall(n.line)))
        elif isinstance(node, (n.title, n.caption, n.attribution, n.term)):
            self.prose(inline_text(node))
        elif isinstance(node, n.Text):
            self.prose(node.astext())
        else:  # block quotes, containers, footnotes, figures, compound paragraphs, unknown elements
            self.children(node, depth)

    def children_except(self, node, kind, depth: int) -> None:
        for child in node.children:
            if not isinstance(child, kind):
                self.walk(child, depth)

    def prose(self, text: str) -> None:
        if text.strip():
            self.out.prose(self.prefix + text)
            self.prefix = ""

    def description(self, node, depth: int) -> None:
        objtype, signatures = node["objtype"], node["signatures"]
        if signatures:
            shown, name = zip(*(self.signature(objtype, s) for s in signatures))
            self.out.heading(" / ".join(shown), depth + 1, name=name[0])
        is_class = objtype in ("class", "exception") and signatures
        if is_class:
            self.classes.append(name[0])
        self.children(node, depth + 1 if signatures else depth)
        if is_class:
            self.classes.pop()
        if signatures:
            self.out.leave(depth + 1)

    def signature(self, objtype: str, signature: str) -> tuple[str, str]:
        """(what Sphinx shows, the name for the section path) of one signature line."""
        signature = signature.replace("\\", "")
        if objtype not in _PY_TYPES:
            match = _C_NAME.search(signature.split("(")[0] + "(") if "(" in signature else None
            return signature, (match.group(1) if match else signature)
        match = _NAME.match(signature)
        name = match.group(0) if match else signature
        if self.classes:  # Sphinx shows a member's short name; its path entry is the qualified one
            if not name.startswith(self.classes[-1].rsplit(".", 1)[-1] + "."):
                name = f"{self.classes[-1]}.{name}"
        elif (
            self.module
            and not name.startswith(self.module + ".")
            and not (objtype in _MEMBERS and "." in name)
        ):
            name = f"{self.module}.{name}"
            signature = f"{self.module}.{signature}"
        return _PREFIX.get(objtype, "") + signature, name

    def listing(self, node, depth: int) -> None:
        number = node.get("start", 1)
        self.list_depth += 1
        for item in node.children:
            marker = f"{number}." if isinstance(node, self.nodes.enumerated_list) else "-"
            self.item("", item, marker, depth)
            number += 1
        self.list_depth -= 1

    def item(self, lead: str, body, marker: str, depth: int) -> None:
        """A list item: its first paragraph on the item's line, the rest of its body as blocks after it."""
        rest = list(body.children) if body is not None else []
        first = ""
        if rest and isinstance(rest[0], self.nodes.paragraph):
            first = inline_text(rest.pop(0))
        line = f"{lead} {first}".strip()
        if line:
            self.out.list_item(line, marker, max(self.list_depth - 1, 0))
        for child in rest:
            self.walk(child, depth)

    def table(self, node) -> None:
        n = self.nodes
        title = node.next_node(n.title)
        if title is not None:
            self.prose(inline_text(title))
        rows = [
            [" ".join(inline_text(p) for p in entry.children) or inline_text(entry) for entry in row.children]
            for row in node.findall(n.row)
        ]
        self.out.table(rows)

    def admonition(self, node, depth: int) -> None:
        n = self.nodes
        label = node.get("label") or (
            inline_text(node.next_node(n.title))
            if isinstance(node, n.admonition) and node.next_node(n.title)
            else ""
        )
        if not label and not isinstance(node, n.admonition):
            label = type(node).__name__.capitalize()
        self.prefix = f"{label}: " if label else ""
        self.children_except(node, n.title, depth)
        self.prefix = ""


def inline_text(node) -> str:
    """The words of an inline subtree; footnote marks, parse problems and substitutions left out."""
    from docutils import nodes

    skipped = (
        nodes.footnote_reference, nodes.citation_reference, nodes.problematic, nodes.system_message,
        nodes.substitution_reference, nodes.raw, nodes.image, nodes.comment, nodes.target,
    )  # fmt: skip
    if node is None:
        return ""
    dropped = False
    parts: list[str] = []
    stack = [node]
    while stack:
        current = stack.pop()
        if isinstance(current, nodes.Text):
            parts.append(current.astext())
        elif isinstance(current, skipped) and current is not node:
            dropped = dropped or not isinstance(current, nodes.target)
            if isinstance(current, nodes.target) and current.children:
                stack.extend(reversed(current.children))  # an inline target `_`word`` keeps its word
        else:
            stack.extend(reversed(current.children))
    text = "".join(parts)
    return _SPACE_BEFORE_STOP.sub(r"\1", text) if dropped else text  # "e.g. |version|." -> "e.g."
