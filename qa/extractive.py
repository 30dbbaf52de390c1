"""The built-in answerer: no generative model. It answers with the passage sentence(s) that best support an
answer to the question, each cited, and refuses when nothing does. Deterministic.

A sentence is scored by cheap evidence (weights chosen on SQuAD, see eval/tune_retrieval.py):
- lexical: the share of the question's content words it contains, each weighted by how rare it is among the
  candidate sentences (a word every sentence has tells nothing);
- passage: the retrieval score of its passage, relative to the best one;
- answer type: "who" wants a name, "when" a date, "how many" a number, and the sentence must bring one that
  the question does not already contain.
Then the best four by that score are re-ranked with the embedding model (question vs sentence cosine):
+2-3 points for four short model inputs; embedding all ~35 candidate sentences costs ten times more.

Refusal: the question's rare words are missing from every passage (off topic), it names something (a proper
name or a number) that the best sentence's passage does not mention (unless that sentence is semantically
close to the question), it asks what is *not* so while the best sentence negates nothing,
or the best sentence scores too low.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from dataclasses import dataclass

from index.catalog import STOPWORDS
from index.sentences import sentence_spans
from qa.answer import REFUSAL_TEXT, Answer, Citation, Passage
from qa.followup import retrieval_fallback

_WORD = re.compile(r"\w+")
_NEGATION = re.compile(r"\b(not|never|no|none|nor|non|cannot|without)\b|n't\b", re.I)
_NEGATING_PREFIXES = ("non", "un", "ab", "dis", "in", "im", "ir", "il")
_OPPOSITES = dict(
    pair
    for a, b in [
        ("least", "most"), ("less", "more"), ("fewer", "more"), ("different", "same"), ("open", "closed"),
        ("first", "last"), ("lowest", "highest"), ("smallest", "largest"), ("minimum", "maximum"),
        ("increase", "decrease"), ("increased", "decreased"), ("worst", "best"), ("inside", "outside"),
        ("earliest", "latest"), ("weakest", "strongest"), ("rarely", "commonly"), ("cheapest", "most expensive"),
    ]
    for pair in ((a, b), (b, a))
)  # fmt: skip
_NAME_OR_NUMBER = re.compile(r"\b[A-Z]\w*|\b\d+\b")
_YEAR = re.compile(r"\b(1[0-9]{3}|20[0-9]{2})s?\b")
_MONTH = re.compile(
    r"\b(January|February|March|April|May|June|July|August|September|October|November|December)\b"
)
_NUMBER = re.compile(
    r"\b\d[\d,.]*\b|\b(one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|twenty|thirty|forty|"
    r"fifty|hundred|hundreds|thousand|thousands|million|millions|billion|billions|dozen|dozens)\b",
    re.I,
)
_CAPITALIZED = re.compile(r"\b[A-Z][a-z]+")
_QUESTION_TYPES = (
    (
        "number",
        re.compile(
            r"\bhow (many|much|long|far|old|large|big|tall|high)\b|\bwhat (percentage|percent|number)\b"
        ),
    ),
    ("date", re.compile(r"\bwhen\b|\b(what|which) (year|century|decade|date|month|day)\b")),
    ("name", re.compile(r"\bwho\b|\bwhose\b|\bwhom\b|\bwhere\b")),
)


@dataclass(frozen=True)
class ExtractiveConfig:
    lexical_weight: float = 1.0
    passage_weight: float = 0.6
    answer_type_weight: float = 0.2
    semantic_weight: float = 0.5  # > 0: embed candidate sentences and add their cosine to the question
    semantic_top: int = 4  # ...only the best this many by the cheap score (0: all of them, slow on CPU)
    pair_words: int = 32  # a second sentence joins the best one when both fit in this many words...
    pair_gap: float = 0.4  # ...and it scores nearly as well
    min_score: float = 0.75  # refuse when the best sentence scores below this
    min_coverage: float = 0.2  # refuse when less of the question (rarity-weighted) is in the passages
    refuse_missing_names: bool = True
    names_min_similarity: float = 0.6  # ...unless the best sentence is at least this close to the question
    refuse_negation_mismatch: bool = True
    refuse_contradiction: bool = True


DEFAULT_EXTRACTIVE = ExtractiveConfig()


@dataclass
class _Sentence:
    passage: Passage
    start: int  # offsets into the passage text
    end: int
    text: str
    terms: set[str]
    words: int
    score: float = 0.0
    similarity: float | None = None  # cosine to the question, where embedded


class ExtractiveAnswerer:
    name = "extractive"

    def __init__(self, embedder=None, config: ExtractiveConfig = DEFAULT_EXTRACTIVE):
        self.embedder = embedder
        self.config = config

    def stream(self, question: str, passages: list[Passage], history: list[tuple[str, str]]):
        answer = self.answer(question, passages, history)
        yield answer.text
        yield answer

    def condense(self, question: str, history: list[tuple[str, str]]) -> str | None:
        return None  # no language model: qa.followup falls back to retrieval-side context

    def answer(
        self, question: str, passages: list[Passage], history: list[tuple[str, str]] | None = None
    ) -> Answer:
        """With `history`, a follow-up is scored with the earlier turn's words (qa.followup), and sentences
        already given as answers are not given again."""
        refused = Answer(question, REFUSAL_TEXT, True, [], passages, self.name)
        said = " ".join(a for _, a in history or [])
        sentences = [
            _Sentence(p, s, e, p.text[s:e], set(content_terms(p.text[s:e])), len(p.text[s:e].split()))
            for p in passages
            for s, e in sentence_spans(p.text)
            if e - s > 3 and p.text[s:e] not in said
        ]
        scored_question = retrieval_fallback(question, history) if history else question
        question_terms = set(content_terms(scored_question))
        if not sentences or not question_terms:
            return refused
        idf = _idf(sentences)
        weight = {t: idf(t) for t in question_terms}
        self._score(scored_question, question_terms, weight, sentences)
        ranked = sorted(sentences, key=lambda s: -s.score)  # stable: ties keep passage and reading order
        best = ranked[0]
        if self._refuse(question, weight, passages, best):
            return refused
        chosen = [best]
        for other in ranked[1:3]:
            if (
                best.score - other.score < self.config.pair_gap
                and best.words + other.words <= self.config.pair_words
                and _can_pair(best, other)
            ):
                chosen.append(other)
                break
        return _build_answer(question, chosen, passages, self.name)

    def _score(self, question: str, question_terms: set[str], weight: dict[str, float], sentences) -> None:
        cfg = self.config
        total = sum(weight.values()) or 1.0
        top_passage = max(s.passage.score for s in sentences) or 1.0
        kind = question_type(question)
        question_words = {w.lower() for w in _WORD.findall(question)}
        for s in sentences:
            lexical = sum(weight[t] for t in question_terms & s.terms) / total
            s.score = (
                cfg.lexical_weight * lexical
                + cfg.passage_weight * s.passage.score / top_passage
                + cfg.answer_type_weight * answer_type_cue(kind, s.text, question_words)
            )
        if cfg.semantic_weight:
            self._add_semantic(question, sentences)

    def _add_semantic(self, question: str, sentences: list[_Sentence]) -> None:
        if self.embedder is None:
            raise ValueError("semantic_weight needs an embedder")
        cfg = self.config
        chosen = sorted(sentences, key=lambda s: -s.score)[: cfg.semantic_top or len(sentences)]
        vectors = self.embedder.embed_documents([s.text for s in chosen])
        similarity = vectors @ self.embedder.embed_query(question)
        for s, sim in zip(chosen, similarity):
            s.similarity = float(sim)
            s.score += cfg.semantic_weight * s.similarity
        for s in sentences[:]:
            if s not in chosen:
                s.score -= 10.0  # only the re-ranked few can win

    def _similarity(self, question: str, sentence: _Sentence) -> float:
        if sentence.similarity is None:
            if self.embedder is None:
                return 0.0
            vector = self.embedder.embed_documents([sentence.text])[0]
            sentence.similarity = float(vector @ self.embedder.embed_query(question))
        return sentence.similarity

    def _refuse(
        self, question: str, weight: dict[str, float], passages: list[Passage], best: _Sentence
    ) -> bool:
        cfg = self.config
        passage_terms = set(content_terms(" ".join(f"{p.title} {p.text}" for p in passages)))
        covered = sum(w for t, w in weight.items() if t in passage_terms) / (sum(weight.values()) or 1.0)
        if covered < cfg.min_coverage:
            return True  # off topic: the question's rare words are not in the passages
        if (
            cfg.refuse_missing_names
            and missing_names(question, [best.passage])
            and self._similarity(question, best) < cfg.names_min_similarity
        ):
            return True  # a name the passage lacks, in a sentence not close enough to stand in for it
        if cfg.refuse_negation_mismatch and _NEGATION.search(question) and not _NEGATION.search(best.text):
            return True
        if cfg.refuse_contradiction and contradicts(question, best.text):
            return True
        return best.score < cfg.min_score


def content_terms(text: str) -> list[str]:
    """Lower-cased words without stopwords, crudely stemmed so that "hosts" meets "hosted"."""
    return [_stem(w) for w in _WORD.findall(text.lower()) if w not in STOPWORDS]


def _stem(word: str) -> str:
    for suffix in ("ing", "ed", "es", "s", "ly"):
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            return word[: -len(suffix)]
    return word


def _idf(sentences: list[_Sentence]):
    df = Counter(t for s in sentences for t in s.terms)
    n = len(sentences)
    return lambda term: math.log((n + 1) / (df.get(term, 0) + 0.5))


def question_type(question: str) -> str:
    lowered = question.lower()
    for kind, pattern in _QUESTION_TYPES:
        if pattern.search(lowered):
            return kind
    return "other"


def answer_type_cue(kind: str, sentence: str, question_words: set[str]) -> float:
    """1 when the sentence holds the kind of thing the question asks for, and the question does not."""
    if kind == "number":
        found = (m.group(0).lower() for m in _NUMBER.finditer(sentence))
    elif kind == "date":
        found = (m.group(0).lower() for m in (*_YEAR.finditer(sentence), *_MONTH.finditer(sentence)))
    elif kind == "name":
        found = (
            m.group(0).lower() for m in _CAPITALIZED.finditer(sentence, 1)
        )  # not the sentence's first word
    else:
        return 0.0
    return 1.0 if any(w not in question_words for w in found) else 0.0


def missing_names(question: str, passages: list[Passage]) -> list[str]:
    """Proper names and numbers of the question (not its first word) that none of these passages mentions.

    A name counts as mentioned in another form: "Soviets" by "Soviet" (a shared 5-letter start), "France" by
    "French" (the same first four consonants, among the passages' capitalized words)."""
    text = question.strip()
    first = _WORD.search(text)
    skip = first.end() if first else 0
    haystack = " ".join(f"{p.title} {p.text}" for p in passages)
    words = set(_WORD.findall(haystack.lower()))
    skeletons = {_skeleton(w) for w in _CAPITALIZED.findall(haystack)}
    missing = []
    for m in _NAME_OR_NUMBER.finditer(text, skip):
        name = m.group(0).lower()
        if name in STOPWORDS or (m.group(0).isupper() and len(name) <= 3):
            continue  # "TV", "US", "EU": abbreviations the text may spell out
        if name in words or name[0].isdigit():
            if name not in words:
                missing.append(m.group(0))
            continue
        stem = name[:5]
        if any(w.startswith(stem) for w in words) or (
            len(_skeleton(name)) >= 3 and _skeleton(name) in skeletons
        ):
            continue
        missing.append(m.group(0))
    return missing


def _skeleton(word: str) -> str:
    """The first four consonants: France and French share "frnc", Germany and German "grmn"."""
    return "".join(c for c in word.lower() if c.isalpha() and c not in "aeiouy")[:4]


def contradicts(question: str, sentence: str) -> bool:
    """The best sentence says the opposite of a word of the question: "abnormal" asked, "normal" written,
    "least" asked, "most" written (and the question's own word is not there)."""
    asked = {w.lower() for w in _WORD.findall(question)}
    written = {w.lower() for w in _WORD.findall(sentence)}
    for word in asked - written:
        if _OPPOSITES.get(word) in written:
            return True
        for prefix in _NEGATING_PREFIXES:
            if word.startswith(prefix) and len(word) - len(prefix) >= 4 and word[len(prefix) :] in written:
                return True
            if len(word) >= 4 and prefix + word in written:
                return True
    return False


def _can_pair(a: _Sentence, b: _Sentence) -> bool:
    """Two sentences make one answer when they come from different passages or sit side by side."""
    if a.passage.chunk_id != b.passage.chunk_id:
        return True
    first, second = sorted((a, b), key=lambda s: s.start)
    return not sentence_spans(first.passage.text, first.end, second.start)


def _build_answer(question: str, chosen: list[_Sentence], passages: list[Passage], model: str) -> Answer:
    if len(chosen) == 2 and chosen[0].passage.chunk_id == chosen[1].passage.chunk_id:
        first, second = sorted(chosen, key=lambda s: s.start)
        passage = first.passage
        merged = _Sentence(passage, first.start, second.end, passage.text[first.start : second.end], set(), 0)
        chosen = [merged]
    parts, citations = [], []
    for s in chosen:
        citations.append(
            Citation.from_passage(
                s.passage,
                quote=s.text,
                quote_start=s.passage.start + s.start,
                quote_end=s.passage.start + s.end,
            )
        )
        parts.append(f"{s.text} [{s.passage.id}]")
    return Answer(question, " ".join(parts), False, citations, passages, model)
