"""The data that flows through indexing: a loaded `Document` and the `Chunk`s cut from it."""

from __future__ import annotations

import bisect
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


@dataclass
class Document:
    source: str  # absolute path of the file
    title: str
    text: str  # the extracted text; chunk and citation offsets point into it
    sections: list[Section] = field(default_factory=list)  # sorted by start
    # Sorted, non-overlapping. Empty for plain text: its paragraphs are found from blank lines, all prose.
    blocks: list[Block] = field(default_factory=list)

    def section_at(self, offset: int) -> Section:
        """The heading and page in force at a character offset."""
        if not self.sections:
            return Section(0)
        starts = [s.start for s in self.sections]
        i = bisect.bisect_right(starts, offset) - 1
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
    # The document's blocks inside this chunk, (start, end, kind) with offsets into `text`; empty for plain text.
    blocks: tuple[tuple[int, int, str], ...] = ()
