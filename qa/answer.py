"""What a question gets back: an `Answer` with its `Citation`s and the `Passage`s the answerer saw."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

from index.text import clip


@dataclass(frozen=True)
class Passage:
    """A retrieved chunk as shown to the answerer; `id` is its number n in the prompt ([n])."""

    id: int
    source: str
    chunk_id: str
    start: int  # character offsets into the source document's text
    end: int
    text: str  # == document_text[start:end]
    score: float
    title: str = ""
    heading: str = ""
    page: int | None = None
    also_in: tuple[str, ...] = ()  # other sources holding the very same text (identical files)


@dataclass(frozen=True)
class Citation:
    """A passage that supports a sentence of the answer: the `[n]` of the answer text."""

    id: int
    source: str
    chunk_id: str
    start: int
    end: int
    text: str
    score: float
    title: str = ""
    heading: str = ""
    page: int | None = None
    also_in: tuple[str, ...] = ()
    quote: str = ""  # the sentence of the passage that supports the answer (for highlighting)
    quote_start: int = -1  # its offsets into the source document's text
    quote_end: int = -1

    @classmethod
    def from_passage(
        cls, passage: Passage, quote: str = "", quote_start: int = -1, quote_end: int = -1
    ) -> Citation:
        return cls(**asdict(passage), quote=quote, quote_start=quote_start, quote_end=quote_end)


@dataclass
class Answer:
    question: str
    text: str  # with [n] markers that refer to `citations`
    refused: bool
    citations: list[Citation] = field(default_factory=list)
    passages: list[Passage] = field(default_factory=list)
    model: str = "extractive"
    dropped_markers: list[str] = field(default_factory=list)  # markers removed as out of range or unsupported
    standalone_question: str = ""  # the question as searched, when history rewrote it
    unsupported: bool = False  # a model's answer that cited no passage: withheld (refused), not shown

    def to_dict(self) -> dict:
        return asdict(self)

    def sources_text(self) -> str:
        """The cited sources, one line each, for terminals."""
        lines = []
        for c in self.citations:
            where = f", page {c.page}" if c.page else (f", {c.heading}" if c.heading else "")
            quote = c.quote or c.text
            lines.append(f"[{c.id}] {c.source}{where} (chars {c.start}-{c.end}): {clip(quote, 160)}")
            if c.also_in:
                lines.append(f"    also in: {', '.join(c.also_in)}")
        return "\n".join(lines)


REFUSAL_TEXT = "The indexed documents do not say."
