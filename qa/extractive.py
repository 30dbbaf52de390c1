"""The built-in answerer: no generative model. It answers with the passage sentence that best supports an
answer to the question, cited, and refuses when no sentence does. Deterministic."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

import numpy as np

from index.catalog import STOPWORDS
from index.sentences import sentence_spans
from qa.answer import REFUSAL_TEXT, Answer, Citation, Passage

_WORD = re.compile(r"\w+")


@dataclass(frozen=True)
class ExtractiveConfig:
    min_score: float = 0.35  # below this, refuse
    semantic_weight: float = 0.6
    lexical_weight: float = 0.4


DEFAULT_EXTRACTIVE = ExtractiveConfig()


@dataclass(frozen=True)
class _Candidate:
    passage: Passage
    start: int  # offsets into the passage text
    end: int
    text: str


class ExtractiveAnswerer:
    name = "extractive"

    def __init__(self, embedder, config: ExtractiveConfig = DEFAULT_EXTRACTIVE):
        self.embedder = embedder
        self.config = config

    def stream(self, question: str, passages: list[Passage], history: list[tuple[str, str]]):
        answer = self.answer(question, passages)
        yield answer.text
        yield answer

    def condense(self, question: str, history: list[tuple[str, str]]) -> str | None:
        return None  # no language model: qa.followup falls back to retrieval-side context

    def answer(self, question: str, passages: list[Passage]) -> Answer:
        candidates = [
            _Candidate(p, s, e, p.text[s:e]) for p in passages for s, e in sentence_spans(p.text) if e - s > 3
        ]
        if not candidates:
            return Answer(question, REFUSAL_TEXT, True, [], passages, self.name)
        scores = self._scores(question, candidates)
        best = int(np.argmax(scores))
        if scores[best] < self.config.min_score:
            return Answer(question, REFUSAL_TEXT, True, [], passages, self.name)
        chosen = candidates[best]
        citation = Citation.from_passage(
            chosen.passage,
            quote=chosen.text,
            quote_start=chosen.passage.start + chosen.start,
            quote_end=chosen.passage.start + chosen.end,
        )
        text = f"{chosen.text} [{chosen.passage.id}]"
        return Answer(question, text, False, [citation], passages, self.name)

    def _scores(self, question: str, candidates: list[_Candidate]) -> np.ndarray:
        q_terms = _content_terms(question)
        vectors = self.embedder.embed_documents([c.text for c in candidates])
        q_vec = self.embedder.embed_query(question)
        semantic = vectors @ q_vec
        lexical = np.array([_overlap(q_terms, _content_terms(c.text)) for c in candidates])
        cfg = self.config
        return cfg.semantic_weight * semantic + cfg.lexical_weight * lexical


def _content_terms(text: str) -> set[str]:
    return {w for w in _WORD.findall(text.lower()) if w not in STOPWORDS}


def _overlap(question_terms: set[str], sentence_terms: set[str]) -> float:
    if not question_terms:
        return 0.0
    shared = question_terms & sentence_terms
    return sum(1.0 / math.log(2 + len(t)) * len(t) for t in shared) / sum(
        1.0 / math.log(2 + len(t)) * len(t) for t in question_terms
    )
