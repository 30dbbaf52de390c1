"""Who answers: the built-in extractive answerer, or any litellm model. One protocol, one factory, and the
`Query` they answer."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Protocol

from qa.answer import Answer, Passage


@dataclass(frozen=True)
class Query:
    """A question as asked, built once per question (qa.Assistant) and passed down unchanged."""

    question: str  # as the user asked it: what the answer answers
    standalone: str = ""  # a follow-up rewritten to stand alone (qa.followup), "" when not rewritten
    history: tuple[tuple[str, str], ...] = ()  # earlier (question, answer) turns

    @property
    def search_text(self) -> str:
        """What retrieval and sentence scoring look for."""
        return self.standalone or self.question


class Answerer(Protocol):
    name: str

    def answer(self, query: Query, passages: list[Passage]) -> Answer:
        """The checked `Answer` in one go."""
        ...

    def stream(self, query: Query, passages: list[Passage]) -> Iterator[str | Answer]:
        """Yields text pieces as they are produced, then the checked `Answer`."""
        ...

    def condense(self, question: str, history: list[tuple[str, str]]) -> str | None:
        """A standalone version of a follow-up question, or None when this answerer cannot write one."""
        ...


def make_answerer(settings, embedder: Callable[[], object]) -> Answerer:
    """The answerer `settings.model` names; `embedder()` gives the extractive answerer its (shared) embedder."""
    if settings.model == "extractive":
        from qa.extractive import ExtractiveAnswerer

        return ExtractiveAnswerer(embedder())
    from qa.generate import LLMAnswerer

    return LLMAnswerer(settings)
