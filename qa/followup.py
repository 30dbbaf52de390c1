"""Follow-up questions: "and what did he say about it?" needs the earlier turns to be searchable."""

from __future__ import annotations

import re

_REFERRING = re.compile(
    r"\b(he|she|it|they|him|her|them|his|hers|its|their|this|that|these|those|there|then|the same)\b", re.I
)


def standalone_question(question: str, history: list[tuple[str, str]], answerer) -> str:
    """The question to search with. An LLM rewrites it; otherwise a retrieval-side fallback adds context."""
    if not history:
        return question
    rewritten = answerer.condense(question, history)
    if rewritten:
        return rewritten
    return retrieval_fallback(question, history)


def retrieval_fallback(question: str, history: list[tuple[str, str]]) -> str:
    """Without a language model: a question that refers back (pronouns, "and ...", very short) is searched
    together with the previous question and the answer it got, so the referent's words are in the query."""
    words = question.split()
    refers_back = (
        bool(_REFERRING.search(question))
        or question.strip().lower().startswith(("and ", "what about", "how about"))
        or len(words) <= 4
    )
    if not refers_back:
        return question
    last_question, last_answer = history[-1]
    last_answer = re.sub(r"\[\d+\]", "", last_answer)
    return f"{question} {last_question} {last_answer}".strip()
