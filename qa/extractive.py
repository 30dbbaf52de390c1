"""The built-in answerer: no generative model. It answers with the passage sentence(s) that best support an
answer to the question, each cited, and refuses when nothing does. Deterministic.

Candidates are the answer units of the passages (qa.units): prose sentences, list items and table rows; code
lines only when the question asks for code. Signatures, headings and lead-ins ("... in the following table.")
are never answers, but their words count for the units under them: the definition after `str.partition(sep)`
answers "What does str.partition return?".

A unit is scored by cheap evidence (weights chosen on SQuAD, see benchmarks/tune_retrieval.py):
- lexical: the share of the question's content words it (or the heading/signature above it) contains, each
  weighted by how rare it is among the candidates (a word every sentence has tells nothing);
- passage: the retrieval score of its passage, relative to the best one;
- answer type: "who" wants a name, "when" a date, "how many" a number, and the unit must bring one that
  the question does not already contain.
Then the best four by that score are re-ranked with the embedding model (question vs unit cosine):
+2-3 points for four short model inputs. The units' vectors are computed at index time (`answer_unit_texts`,
stored in the catalog by index.pipeline, handed to the embedder by retrieval), so answering embeds only the
question; units without a stored vector (an index written by another machine) are embedded here.

The answer is the best unit, with a second one when it scores nearly as well and both stay short: the unit
right after it (documentation states the case, then the answer), or one of the next best of the same document.

Refusal is a learned decision (qa.refusal): a logistic regression over the evidence (scores, coverage of the
question, names the passages lack, negation, the kind of unit...), fitted by training/train_refusal.py.
"""

from __future__ import annotations

import functools
import math
import re
from collections import Counter
from dataclasses import dataclass, field

from index.text import content_terms
from qa.answer import Answer, Citation, Passage
from qa.answerers import Query
from qa.cite import cited_answer, refusal
from qa.evidence import (
    _WORD,
    answer_type_cue,
    contradicts,
    missing_names,
    name_forms,
    question_type,
)
from qa.followup import rewrite_followup
from qa.refusal import RefusalModel, load_model, signals
from qa.units import ANSWER_KINDS, Unit, clean_markup, passage_units, row_text

__all__ = [
    "ExtractiveAnswerer",
    "ExtractiveConfig",
    "answer_type_cue",
    "content_terms",
    "contradicts",
    "missing_names",
    "question_type",
]

# "Show me an example of ...", "What is the syntax of ...", "How do I write ... in code?"
_ASKS_FOR_CODE = re.compile(
    r"\b(example|code|snippet|syntax|command line|shell command|one-liner|how (do|can|would) (i|you) "
    r"(write|type|spell))\b",
    re.I,
)

# Units that only documentation has (SQuAD's Wikipedia prose has lists and lead-ins too, but none of these)
_STRUCTURE_KINDS = ("signature", "code", "row", "heading")

# Words that say how to answer, not what about: no document sentence needs to contain them.
_ASKING_TERMS = set(content_terms("show tell explain describe example examples please give me know"))
_CODE_TERMS = set(content_terms("code snippet syntax command line shell write type spell"))
# What names a thing in code: an option ("-n", "--dry-run"), a dotted or snake_case name, a call ("loads()")
_CODE_NAME = re.compile(r"(?<![\w-])--?[A-Za-z][\w-]*|\b[A-Za-z_]\w*(?:\.\w+)+|\b\w+_\w+\b|\b\w+(?=\(\))")
# "shouldn't", "six's", "don't": the fragments "shouldn", "t", "s", "don" are not words a document needs to have
_CONTRACTION = re.compile(r"n[’']t\b|[’'](?:s|re|ll|ve|m|d)\b", re.I)


@dataclass(frozen=True)
class ExtractiveConfig:
    lexical_weight: float = 0.7  # 1.0 on SQuAD alone; documentation repeats its terms in many sentences
    context_weight: float = 0.7  # a question word found only in the heading/signature above a unit
    passage_weight: float = 0.6
    answer_type_weight: float = 0.2
    named_weight: float = 0.3  # the signature or option term a unit sits under is a code name of the question
    semantic_weight: float = 0.5  # > 0: embed candidate units and add their cosine to the question
    semantic_top: int = 4  # ...only the best this many by the cheap score (0: all of them, slow on CPU)
    pair_words: int = 32  # a second unit joins the best one when both fit in this many words...
    pair_gap: float = 0.4  # ...and it scores nearly as well
    # The sentence right after the best one joins it when both fit in this many words and it scores within
    # next_gap: documentation often states the case first and the answer next ("Normally, X. Specify -d to Y.")
    next_words: int = 40
    next_gap: float = 0.4
    learned_refusal: bool = True  # False: answer whenever there is a candidate (to measure without it)


DEFAULT_EXTRACTIVE = ExtractiveConfig()


@dataclass
class _Candidate:
    passage: Passage
    unit: Unit
    index: int  # the unit's position among its passage's units
    shown: str  # the text as the answer shows it: markup stripped, a table row as "header: cell; ..."
    terms: set[str]
    context_terms: set[str]
    words: int
    score: float = 0.0
    similarity: float | None = None  # cosine to the question, where embedded

    @property
    def quote(self) -> str:
        return self.passage.text[self.unit.start : self.unit.end]


@dataclass
class Choice:
    """What the answerer found for a question: the ranked candidates and the evidence a refusal weighs."""

    question: str
    ranked: list[_Candidate]
    weight: dict[str, float]  # question term -> rarity weight
    coverage: float  # the rarity-weighted share of the question's terms found in the passages
    extras: dict[str, float] = field(default_factory=dict)
    passage_terms: set[str] = field(default_factory=set)  # the content terms of all the passages


class ExtractiveAnswerer:
    name = "extractive"

    def __init__(self, embedder=None, config: ExtractiveConfig = DEFAULT_EXTRACTIVE, refusal=None):
        self.embedder = embedder
        self.config = config
        self._refusal = refusal

    @property
    def refusal(self) -> RefusalModel:
        if self._refusal is None:
            self._refusal = load_model()
        return self._refusal

    def stream(self, query: Query, passages: list[Passage]):
        answer = self.answer(query, passages)
        yield answer.text
        yield answer

    def condense(self, question: str, history: list[tuple[str, str]]) -> str | None:
        return rewrite_followup(question, history) if history else None

    def answer(self, query: Query, passages: list[Passage]) -> Answer:
        """A follow-up is scored as its standalone rewrite (made once, by qa.followup), and sentences
        already given as answers are not given again."""
        refused = refusal(query, passages, self.name)
        choice = self.choose(query, passages)
        if choice is None or self._refuse(choice, passages):
            return refused
        ranked = choice.ranked
        best = ranked[0]
        chosen = [best]
        for other in ranked[1:3]:
            if (
                best.score - other.score < self.config.pair_gap
                and best.words + other.words <= self.config.pair_words
                and _can_pair(best, other)
            ):
                chosen.append(other)
                break
        if len(chosen) == 1 and self.config.next_words:
            following = self._following(choice, best)
            if following is not None:
                chosen.append(following)
        return _build_answer(query, chosen, passages, self.name)

    def _following(self, choice: Choice, best: _Candidate) -> _Candidate | None:
        """The candidate right after the best one in its passage, when it is short and scores nearly as well."""
        cfg = self.config
        nxt = next(
            (
                c
                for c in choice.ranked
                if c.passage.chunk_id == best.passage.chunk_id and c.index == best.index + 1
            ),
            None,
        )
        if nxt is None or best.words + nxt.words > cfg.next_words:
            return None
        score = nxt.score
        if nxt.similarity is None and cfg.semantic_weight:  # not re-ranked: its cheap score plus the model's
            score += 10.0 + cfg.semantic_weight * self._similarity(choice.question, nxt)
        return nxt if best.score - score < cfg.next_gap else None

    def choose(self, query: Query, passages: list[Passage]) -> Choice | None:
        """The candidates ranked best first, or None when there is nothing to rank."""
        said = " ".join(a for _, a in query.history)
        scored_question = query.search_text
        wants_code = bool(_ASKS_FOR_CODE.search(scored_question))
        candidates = [c for p in passages for c in _candidates(p, said)]
        structured = any(c.unit.kind in _STRUCTURE_KINDS for c in candidates)
        answerable = [
            c for c in candidates if c.unit.kind in ANSWER_KINDS or (wants_code and c.unit.kind == "code")
        ]
        candidates = answerable or [c for c in candidates if c.unit.kind not in ("markup", "heading")]
        question_terms = set(content_terms(_CONTRACTION.sub(" ", scored_question))) - _ASKING_TERMS
        if wants_code:
            question_terms -= _CODE_TERMS
        if not candidates or not question_terms:
            return None
        forms = name_forms(scored_question, " ".join(c.shown for c in candidates))
        question_terms = {forms.get(t, t) for t in question_terms}  # "France" asked, "French" written
        idf = _idf(candidates)
        weight = {t: idf(t) for t in question_terms}
        self._score(scored_question, question_terms, weight, candidates)
        ranked = sorted(candidates, key=lambda c: -c.score)  # stable: ties keep passage and reading order
        passage_terms = set(content_terms(" ".join(f"{p.title} {p.heading} {p.text}" for p in passages)))
        coverage = sum(w for t, w in weight.items() if t in passage_terms) / (sum(weight.values()) or 1.0)
        return Choice(
            scored_question, ranked, weight, coverage, {"structured": float(structured)}, passage_terms
        )

    def _score(self, question: str, question_terms: set[str], weight: dict[str, float], candidates) -> None:
        cfg = self.config
        total = sum(weight.values()) or 1.0
        top_passage = max(c.passage.score for c in candidates) or 1.0
        kind = question_type(question)
        question_words = {w.lower() for w in _WORD.findall(question)}
        names = {m.group(0).lower() for m in _CODE_NAME.finditer(question)}
        for c in candidates:
            found = question_terms & c.terms
            above = (question_terms & c.context_terms) - found
            lexical = (
                sum(weight[t] for t in found) + cfg.context_weight * sum(weight[t] for t in above)
            ) / total
            c.score = (
                cfg.lexical_weight * lexical
                + cfg.passage_weight * c.passage.score / top_passage
                + cfg.answer_type_weight * answer_type_cue(kind, c.shown, question_words)
                + cfg.named_weight * _names_context(names, c.unit.context)
            )
        if cfg.semantic_weight:
            self._add_semantic(question, candidates)

    def _add_semantic(self, question: str, candidates: list[_Candidate]) -> None:
        if self.embedder is None:
            raise ValueError("semantic_weight needs an embedder")
        cfg = self.config
        chosen = sorted(candidates, key=lambda c: -c.score)[: cfg.semantic_top or len(candidates)]
        vectors = self.embedder.embed_documents([_embedded_text(c) for c in chosen])
        similarity = vectors @ self.embedder.embed_query(question)
        for c, sim in zip(chosen, similarity):
            c.similarity = float(sim)
            c.score += cfg.semantic_weight * c.similarity
        for c in candidates:
            if c not in chosen:
                c.score -= 10.0  # only the re-ranked few can win

    def _similarity(self, question: str, candidate: _Candidate) -> float:
        if candidate.similarity is None:
            if self.embedder is None:
                return 0.0
            vector = self.embedder.embed_documents([_embedded_text(candidate)])[0]
            candidate.similarity = float(vector @ self.embedder.embed_query(question))
        return candidate.similarity

    def _refuse(self, choice: Choice, passages: list[Passage]) -> bool:
        if not self.config.learned_refusal:
            return False
        return self.refusal.refuse(self.signals(choice, passages))

    def signals(self, choice: Choice, passages: list[Passage]) -> dict[str, float]:
        """The numbers the refusal model weighs (qa.refusal), for this question's choice."""
        return signals(choice, passages, lambda c: self._similarity(choice.question, c))


def _candidates(passage: Passage, said: str) -> list[_Candidate]:
    return [
        _Candidate(passage, unit, index, shown, set(terms), set(context_terms), len(shown.split()))
        for index, unit, shown, terms, context_terms in _analysed(passage.text, passage.heading)
        if not (said and shown in said)  # given as an answer already
    ]


@functools.lru_cache(maxsize=4096)
def _analysed(text: str, heading: str) -> tuple:
    """A passage's units with their shown text and terms; kept, since the same chunks come back often."""
    out = []
    for index, unit in enumerate(passage_units(text, heading)):
        raw = text[unit.start : unit.end]
        if unit.end - unit.start <= 3:
            continue
        if unit.kind == "code":
            shown = raw.strip()
        else:
            shown = row_text(raw, unit.header) if unit.kind == "row" else clean_markup(raw)
        context = clean_markup(f"{unit.context} {unit.header} {heading}")
        out.append((index, unit, shown, frozenset(content_terms(shown)), frozenset(content_terms(context))))
    return tuple(out)


def _names_context(names: set[str], context: str) -> float:
    """1 when the signature or option term above a unit names a code name of the question ("-n", "json.loads")."""
    if not names or not context:
        return 0.0
    spelled = {m.group(0).lower() for m in _CODE_NAME.finditer(clean_markup(context))}
    short = {n.rsplit(".", 1)[-1] for n in spelled}  # "json.loads" asked, "loads(s, ...)" written
    return float(any(n in spelled or n.rsplit(".", 1)[-1] in short for n in names))


def _embedded_text(c: _Candidate) -> str:
    return _unit_model_text(c.unit, c.shown)


def _unit_model_text(unit: Unit, shown: str) -> str:
    """What the embedding model compares with the question: the unit, after the signature it describes."""
    context = clean_markup(unit.context)
    if context and (unit.kind != "prose" or context.endswith(")")):
        return f"{context}: {shown}"
    return shown


def answer_unit_texts(text: str, heading: str) -> list[str]:
    """The texts the re-rank may embed for a passage (its answer units, as `_embedded_text` words them):
    the indexer stores their vectors (index.pipeline), so that answering embeds only the question."""
    analysed = _analysed.__wrapped__(text, heading)  # not kept: indexing sees every chunk once
    return [_unit_model_text(unit, shown) for _, unit, shown, _, _ in analysed if unit.kind in ANSWER_KINDS]


def _idf(candidates: list[_Candidate]):
    df = Counter(t for c in candidates for t in c.terms | c.context_terms)
    n = len(candidates)
    return lambda term: math.log((n + 1) / (df.get(term, 0) + 0.5))


def _can_pair(a: _Candidate, b: _Candidate) -> bool:
    """Two units make one answer when they come from different passages of one document or sit side by
    side (two documents' sentences side by side read as one answer about two things), never when they say
    the same words (a sentence repeated under two entries, as heapq's "If the heap is empty")."""
    if " ".join(a.shown.lower().split()) == " ".join(b.shown.lower().split()):
        return False
    if a.passage.chunk_id != b.passage.chunk_id:
        return a.passage.source == b.passage.source
    return abs(a.index - b.index) == 1


def _build_answer(query: Query, chosen: list[_Candidate], passages: list[Passage], model: str) -> Answer:
    groups: list[list[_Candidate]] = []
    if len(chosen) == 2 and chosen[0].passage.chunk_id == chosen[1].passage.chunk_id:
        groups.append(sorted(chosen, key=lambda c: c.unit.start))  # side by side: one quote, reading order
    else:
        groups.extend([c] for c in chosen)
    parts, citations = [], []
    for group in groups:
        passage = group[0].passage
        start, end = group[0].unit.start, group[-1].unit.end
        citations.append(
            Citation.from_passage(
                passage,
                quote=passage.text[start:end],
                quote_start=passage.start + start,
                quote_end=passage.start + end,
            )
        )
        shown = " ".join(_sentence(c.shown) if len(group) > 1 else c.shown for c in group)
        parts.append(f"{shown} [{passage.id}]")
    return cited_answer(query, " ".join(parts), citations, passages, model)


def _sentence(text: str) -> str:
    """A table row or list item joined to another unit ends like a sentence."""
    return text if text.endswith((".", "!", "?", ":", '"', "”")) else f"{text}."
