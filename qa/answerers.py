"""Who answers: the built-in extractive answerer, or any litellm model. One protocol, one factory."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Protocol

from qa.answer import Answer, Passage


class Answerer(Protocol):
    name: str

    def stream(
        self, question: str, passages: list[Passage], history: list[tuple[str, str]]
    ) -> Iterator[str | Answer]:
        """Yields text pieces as they are produced, then the checked `Answer`."""
        ...

    def condense(self, question: str, history: list[tuple[str, str]]) -> str | None:
        """A standalone version of a follow-up question, or None when this answerer cannot write one."""
        ...


def get_answerer(settings) -> Answerer:
    if settings.model == "extractive":
        from index.embed import embedder_for
        from qa.extractive import ExtractiveAnswerer

        return ExtractiveAnswerer(embedder_for(settings.index_config()))
    from qa.generate import LLMAnswerer

    return LLMAnswerer(settings)
