"""Building a `Document` block by block: clean text, each block's kind, and the section path in force.

Every structured loader (RST, Markdown, HTML, PDF, .docx) emits headings and blocks here, so the text layout and
the heading-path logic exist once. The layout of the extracted text, which the sentence splitter reads back:
blocks are separated by a blank line; prose, list items and headings are one line each (whitespace collapsed);
list items start with "- " (or "1. "); table rows are cells joined by " | ", one row a line; code keeps its lines,
indented by four spaces.
"""

from __future__ import annotations

import re
import textwrap

from index.document import Block, Blocks, Document, Section

CODE_INDENT = "    "
_COMPACT = 4096  # parts of the text joined into one string at a time
# Consecutive list items or table rows make one block up to this many characters: a million-item list is many
# blocks, so the chunker never holds the sentences of one huge block at once.
_MAX_JOINED = 64_000


class DocumentBuilder:
    def __init__(self, source: str, title: str = ""):
        self.source = source
        self.title = title.strip()
        self._parts: list[str] = []  # the text since the last compaction
        self._text: list[str] = []  # the text before it, in pieces of about _COMPACT parts each
        self._length = 0
        self._blocks = Blocks()
        self._sections: list[Section] = [Section(0)]
        self._path: list[tuple[int, str]] = []  # (level, name) of the headings in force
        self._page: int | None = None
        self._section_pending = False  # the path or page changed: a new section opens at the next block

    # -- structure ------------------------------------------------------------------------------------------
    def heading(self, text: str, level: int, name: str | None = None) -> None:
        """A heading at `level` (1 = top); `name` is its entry in the section path (default: the text)."""
        text = _one_line(text)
        name = _one_line(name) if name is not None else text
        if not text:
            return
        self._path = [(lv, t) for lv, t in self._path if lv < level] + [(level, name)]
        self._section_pending = True
        self.title = self.title or name
        self._add(text, "heading")

    def leave(self, level: int) -> None:
        """The section at `level` ended: what follows sits under its parent again (nested formats: RST)."""
        kept = [(lv, t) for lv, t in self._path if lv < level]
        if kept != self._path:
            self._path = kept
            self._section_pending = True

    def page(self, number: int) -> None:
        if number != self._page:
            self._page = number
            self._section_pending = True

    @property
    def depth(self) -> int:
        """The level of the innermost heading in force (0: none)."""
        return self._path[-1][0] if self._path else 0

    @property
    def section_path(self) -> str:
        return " > ".join(t for _, t in self._path if t)

    # -- blocks ---------------------------------------------------------------------------------------------
    def prose(self, text: str) -> None:
        self._add(_one_line(text), "prose")

    def list_item(self, text: str, marker: str = "-", depth: int = 0) -> None:
        text = _one_line(text)
        if text:
            self._add(f"{'  ' * depth}{marker} {text}", "list")

    def table(self, rows: list[list[str]]) -> None:
        lines = [" | ".join(_one_line(c) for c in row) for row in rows]
        self._add("\n".join(line for line in lines if line.strip(" |")), "table")

    def code(self, text: str) -> None:
        self._add(code_text(text), "code")

    def build(self) -> Document:
        return Document(
            source=self.source,
            title=self.title,
            text="".join(self._text + self._parts),
            sections=self._sections,
            blocks=self._blocks,
        )

    @property
    def empty(self) -> bool:
        return not self._blocks

    def _add(self, text: str, kind: str) -> None:
        if not text.strip():
            return
        joined = (
            bool(self._blocks)
            and kind in ("list", "table")
            and self._blocks[-1].kind == kind
            and self._length - self._blocks[-1].start < _MAX_JOINED
        )
        if self._parts or self._text:
            separator = "\n" if joined and not self._section_pending else "\n\n"
            self._parts.append(separator)
            self._length += len(separator)
        start = self._length
        if self._section_pending:
            self._open_section(start)
            joined = False
        self._parts.append(text)
        self._length += len(text)
        # A million one-word list items: a few hundred strings, not millions of them.
        if len(self._parts) >= _COMPACT:
            self._text.append("".join(self._parts))
            self._parts = []
        if joined:  # consecutive list items or table rows make one block
            self._blocks[-1] = Block(self._blocks[-1].start, self._length, kind)
        else:
            self._blocks.append(Block(start, self._length, kind))

    def _open_section(self, start: int) -> None:
        section = Section(start, self.section_path, self._page)
        if self._sections[-1].start == start:
            self._sections[-1] = section
        elif (self._sections[-1].heading, self._sections[-1].page) != (section.heading, section.page):
            self._sections.append(section)
        self._section_pending = False


_WINDOW = 1 << 16  # characters collapsed at a time


def one_line(text: str) -> str:
    """Whitespace runs as single spaces, trimmed: " ".join(text.split()), a window at a time, so a paragraph of
    ten million words never becomes ten million strings at once."""
    if len(text) <= _WINDOW:
        return " ".join(text.split())
    out: list[str] = []
    space = False  # whitespace seen since the last word written
    for i in range(0, len(text), _WINDOW):
        window = text[i : i + _WINDOW]
        words = " ".join(window.split())
        if words:
            if out and (space or window[0].isspace()):
                out.append(" ")
            out.append(words)
            space = window[-1].isspace()
        else:
            space = True
    return "".join(out)


_one_line = one_line

_BLANK = re.compile(r"^[ \t]+$", re.M)  # textwrap.dedent's: whitespace-only lines are emptied
_INDENT = re.compile(r"^([ \t]*)[^ \t\n]", re.M)  # and the indents of the other lines give the margin


def code_text(text: str) -> str:
    """A code block's text: tabs expanded, the common indent removed (textwrap.dedent), blank lines around it
    dropped, each line indented by CODE_INDENT. A long block is worked a window of lines at a time, so a 35 MB
    <pre> never becomes a list of its 5 million lines."""
    text = text.expandtabs(4)
    if len(text) <= _WINDOW:
        lines = textwrap.dedent(text).strip("\n").splitlines()
        return "\n".join((CODE_INDENT + line).rstrip() for line in lines)
    windows = [_BLANK.sub("", w) for w in _line_windows(text)]
    # after expandtabs an indent is spaces only, so the common one is the shortest
    margin = min((len(m.group(1)) for w in windows for m in _INDENT.finditer(w)), default=0)
    if margin:
        strip = re.compile("^" + " " * margin, re.M)
        windows = [strip.sub("", w) for w in windows]
    text = "".join(windows).strip("\n")
    del windows
    return "\n".join(
        "\n".join((CODE_INDENT + line).rstrip() for line in w.splitlines()) for w in _line_windows(text)
    )


def _line_windows(text: str):
    """text in pieces of about _WINDOW characters, each but the last ending with a newline."""
    start = 0
    while start < len(text):
        end = text.find("\n", start + _WINDOW)
        end = len(text) if end < 0 else end + 1
        yield text[start:end]
        start = end
