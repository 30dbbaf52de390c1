"""The data that flows through indexing: a loaded `Document` and the `Chunk`s cut from it."""

from __future__ import annotations

import bisect
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Section:
    """From `start` on (a character offset into the document text), text sits under `heading` on `page`."""

    start: int
    heading: str = ""  # heading path, "Install > On Linux"; empty where the format has none
    page: int | None = None  # 1-based page number (PDF)


@dataclass
class Document:
    source: str  # absolute path of the file
    title: str
    text: str  # the extracted text; chunk and citation offsets point into it
    sections: list[Section] = field(default_factory=list)  # sorted by start

    def section_at(self, offset: int) -> Section:
        """The heading and page in force at a character offset."""
        if not self.sections:
            return Section(0)
        starts = [s.start for s in self.sections]
        i = bisect.bisect_right(starts, offset) - 1
        return self.sections[max(i, 0)]


@dataclass(frozen=True)
class Chunk:
    id: str  # stable: the same source and text give the same id
    source: str
    title: str
    text: str  # == document.text[start:end]
    start: int
    end: int
    heading: str = ""
    page: int | None = None
    ordinal: int = 0  # position within its document
    tokens: int = 0
