"""The data that flows through indexing: a loaded `Document` and the `Chunk`s cut from it."""

from __future__ import annotations

import bisect
from array import array
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

# What a block of text is. "heading" covers section titles and API signatures ("json.loads(s, *, cls=None)").
BLOCK_KINDS = ("prose", "list", "table", "code", "heading")


@dataclass(frozen=True, slots=True)
class Section:
    """From `start` on (a character offset into the document text), text sits under `heading` on `page`."""

    start: int
    heading: str = ""  # section path, "json > Basic Usage > json.loads"; empty where the format has none
    page: int | None = None  # 1-based page number (PDF)


@dataclass(frozen=True, slots=True)
class Block:
    """text[start:end] is one paragraph, list, table, code block or heading of the document."""

    start: int
    end: int
    kind: str  # one of BLOCK_KINDS


class Blocks(Sequence[Block]):
    """A document's blocks stored as numbers, not objects: a page of a million one-word paragraphs has a million
    blocks, 17 bytes each here against about 130 as a list of `Block`s."""

    def __init__(self, blocks: Iterable[Block] = ()):
        self._starts = array("q")
        self._ends = array("q")
        self._kinds = bytearray()  # index into BLOCK_KINDS
        for block in blocks:
            self.append(block)

    def append(self, block: Block) -> None:
        self._starts.append(block.start)
        self._ends.append(block.end)
        self._kinds.append(BLOCK_KINDS.index(block.kind))

    def __len__(self) -> int:
        return len(self._kinds)

    def __getitem__(self, i):
        if isinstance(i, slice):
            return [self[j] for j in range(*i.indices(len(self)))]
        return Block(self._starts[i], self._ends[i], BLOCK_KINDS[self._kinds[i]])

    def __setitem__(self, i: int, block: Block) -> None:
        self._starts[i], self._ends[i], self._kinds[i] = block.start, block.end, BLOCK_KINDS.index(block.kind)

    def __eq__(self, other) -> bool:
        return isinstance(other, Sequence) and list(self) == list(other)

    def __repr__(self) -> str:
        return f"Blocks({list(self)!r})"


@dataclass
class Document:
    source: str  # absolute path of the file
    title: str
    text: str  # the extracted text; chunk and citation offsets point into it
    sections: list[Section] = field(default_factory=list)  # sorted by start
    # Sorted, non-overlapping. Empty for plain text: its paragraphs are found from blank lines, all prose.
    blocks: Sequence[Block] = field(default_factory=Blocks)

    def section_at(self, offset: int) -> Section:
        """The heading and page in force at a character offset."""
        if not self.sections:
            return Section(0)
        # bisect on the sections themselves: a list of every start per call made chunking quadratic in headings
        i = bisect.bisect_right(self.sections, offset, key=lambda s: s.start) - 1
        return self.sections[max(i, 0)]


@dataclass(frozen=True, slots=True)
class Chunk:
    id: str  # stable: the same source and text give the same id
    source: str
    title: str
    text: str  # == document.text[start:end]
    start: int
    end: int
    heading: str = ""  # the section path, "json > Basic Usage > json.loads"
    page: int | None = None
    ordinal: int = 0  # position within its document
    tokens: int = 0
    kind: str = "prose"  # the kind of most of its text: prose, list, table, code or heading
    # The kinds of its text: the document's blocks inside this chunk, consecutive blocks of one kind merged into
    # one run, (start, end, kind) with offsets into `text`; empty for plain text.
    blocks: tuple[tuple[int, int, str], ...] = ()
