"""Gold questions: the unit every evaluation is made of, and our JSON Lines format for them.

One question a line:
    {"id": "...", "question": "...", "answers": ["..."], "answerable": true, "evidence": "..."}
`answers` is empty and `answerable` false for questions that must be refused.

Two things are derived, not written: a question's `format` (the suffix of the document its evidence is quoted
from: rst, html, md, pdf, ...) and, for questions to refuse, its `kind` from the id: `-near-` in the id marks a
near-miss (about the documents' topics, e.g. an option they do not have), `-off-` an off-topic question.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import PurePath

_FORMAT_ALIASES = {"markdown": "md", "htm": "html", "text": "txt"}


@dataclass(frozen=True)
class GoldQuestion:
    id: str
    question: str
    answers: list[str] = field(default_factory=list)  # any one of them counts as correct
    answerable: bool = True
    evidence: str = ""  # the sentence (or paragraph) that holds the answer, when known
    set_name: str = ""  # which gold set it came from
    sources: tuple[str, ...] = ()  # the documents its evidence is quoted from (found when the set is loaded)

    @property
    def format(self) -> str:
        """rst, html, md, pdf, docx, txt: the suffix of the evidence's document ("" when not known)."""
        if not self.sources:
            return ""
        suffix = PurePath(self.sources[0]).suffix.lower().lstrip(".")
        return _FORMAT_ALIASES.get(suffix, suffix)

    @property
    def kind(self) -> str:
        """ "answerable", or for a question to refuse "near-miss", "off-topic" or "unanswerable"."""
        if self.answerable:
            return "answerable"
        if "-near-" in f"-{self.id}-":
            return "near-miss"
        if "-off-" in f"-{self.id}-":
            return "off-topic"
        return "unanswerable"
