"""Follow-up questions: "and what did he say about it?" needs the earlier turns to be searchable."""

from __future__ import annotations

import re

_NAME = re.compile(r"(?<![.!?\"“”]\s)(?<!^)\b([A-Z][\w'’-]*[a-z][\w'’-]*)")
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
    together with the names of the previous turn (who "he" is), or with the whole previous turn when it names
    nobody. Names rather than every word: the previous answer's own words would only find it again."""
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
    names = _names(last_answer) or _names(last_question)  # "he" is most often who the answer named
    context = " ".join(names) if names else f"{last_question} {last_answer}"
    return f"{question} {context}".strip()


def _names(text: str) -> list[str]:
    """Capitalized words that do not open a sentence: the people, places and things a turn is about."""
    from index.catalog import STOPWORDS

    found = (m.group(1) for m in _NAME.finditer(text))
    return list(dict.fromkeys(n for n in found if n.lower() not in STOPWORDS))
