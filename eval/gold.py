"""Gold questions: the unit every evaluation is made of, and our JSON Lines format for them.

One question a line:
    {"id": "...", "question": "...", "answers": ["..."], "answerable": true, "evidence": "..."}
`answers` is empty and `answerable` false for questions that must be refused.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class GoldQuestion:
    id: str
    question: str
    answers: list[str] = field(default_factory=list)  # any one of them counts as correct
    answerable: bool = True
    evidence: str = ""  # the sentence (or paragraph) that holds the answer, when known
    set_name: str = ""  # which gold set it came from
