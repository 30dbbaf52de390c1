"""The refusal decision of the extractive answerer: a small learned model, not hand-set thresholds.

`signals()` turns what the answerer found (its ranked candidates, the passages) into numbers; a logistic
regression over them (coefficients in qa/refusal_model.json, fitted by training/train_refusal.py on SQuAD-A,
the seed set, the real-document set and off-topic pairs, its threshold chosen by cross-validation grouped by
document) gives the probability that the documents answer the question. Below the threshold: refuse.
Applying it is a dot product: no scikit-learn at run time.
"""

from __future__ import annotations

import functools
import json
import math
import re
from dataclasses import dataclass
from pathlib import Path

from index.text import content_terms
from qa.evidence import (
    _NAME_OR_NUMBER,
    _WORD,
    answer_type_cue,
    contradicts,
    missing_names,
    negated,
    question_type,
)

MODEL_FILE = Path(__file__).with_name("refusal_model.json")
QUESTION_TYPES = ("number", "date", "name", "polar", "other")
UNIT_KINDS = ("prose", "list", "row", "code")


def signals(choice, passages, similarity) -> dict[str, float]:
    """The evidence for and against answering, as named numbers. `similarity(candidate)` is the cosine of
    the question and a candidate (computed on demand for the runner-up)."""
    question, ranked, weight = choice.question, choice.ranked, choice.weight
    best = ranked[0]
    second = ranked[1] if len(ranked) > 1 else None
    total = sum(weight.values()) or 1.0
    best_terms = best.terms | best.context_terms
    passage_terms = set(content_terms(f"{best.passage.title} {best.passage.heading} {best.passage.text}"))
    rarest = max(weight.values()) if weight else 0.0
    unseen = [t for t in weight if not any(t in c.terms or t in c.context_terms for c in ranked)]
    names = [m.group(0) for m in _NAME_OR_NUMBER.finditer(question, _first_word_end(question))]
    missing = missing_names(question, [best.passage])
    missing_anywhere = missing_names(question, passages)
    top_passage = max(p.score for p in passages) if passages else 0.0
    kind = question_type(question)
    question_words = {w.lower() for w in _WORD.findall(question)}
    best_similarity = similarity(best)
    topic_missing = [t for t in weight if t not in choice.passage_terms and t not in _PHRASING_TERMS]
    out = {
        "best_score": best.score,
        "best_similarity": best_similarity,
        "second_similarity": similarity(second) if second else 0.0,
        "score_gap": best.score - second.score if second and second.score > -5 else 1.0,
        "coverage": choice.coverage,
        "best_coverage": sum(w for t, w in weight.items() if t in best_terms) / total,
        "best_passage_coverage": sum(w for t, w in weight.items() if t in passage_terms) / total,
        "rarest_missing": max((weight[t] for t in unseen), default=0.0) / (rarest or 1.0),
        "rarest_missing_best_passage": max(
            (w for t, w in weight.items() if t not in passage_terms), default=0.0
        )
        / (rarest or 1.0),
        "missing_share_best_passage": sum(t not in passage_terms for t in weight) / (len(weight) or 1),
        "unseen_share": len(unseen) / (len(weight) or 1),
        # a question term that no passage has, other than the words any question is phrased with: a near-miss
        # asks about a "timeout", a "trash" option, a "rename" command the documents never mention
        "missing_topic_terms": min(len(topic_missing), 3) / 3,
        "missing_topic_best_passage": min(
            sum(t not in passage_terms and t not in _PHRASING_TERMS for t in weight), 3
        )
        / 3,
        "top_passage_score": top_passage,
        "best_passage_score": best.passage.score,
        "question_terms": math.log1p(len(weight)),
        "names": min(len(names), 3) / 3,
        "missing_names": min(len(missing), 3) / 3,
        "missing_names_anywhere": min(len(missing_anywhere), 3) / 3,
        "missing_identifiers": _missing_identifiers(question, passages),
        "negation_mismatch": float(negated(question) and not negated(best.shown)),
        "contradiction": float(contradicts(question, best.shown)),
        "answer_type": answer_type_cue(kind, best.shown, question_words),
        "best_words": math.log1p(best.words),
    }
    # Documentation (code, signatures, tables, lists, headings among the units) words things precisely: there
    # a question word the passages lack weighs more than in prose, so these signals also enter times doc_like.
    doc_like = float(bool(choice.extras.get("structured")))
    out["doc_like"] = doc_like
    for name in (
        "coverage",
        "best_coverage",
        "unseen_share",
        "best_similarity",
        "missing_identifiers",
        "missing_topic_terms",
    ):
        out[f"doc_x_{name}"] = doc_like * out[name]
    for t in QUESTION_TYPES:
        out[f"type_{t}"] = float(kind == t)
    for k in UNIT_KINDS:
        out[f"kind_{k}"] = float(best.unit.kind == k)
    return out


# Words a question is phrased with rather than about (what it asks, not what of): their absence from the
# passages says nothing ("What happens if ...", "How many ...", "Do I need ...").
_PHRASING_TERMS = frozenset(
    content_terms(
        "how many much happen happens happened use used using uses need needs needed get gets got make makes "
        "made come comes kind sort put back out way ways thing things something anything work works want wants "
        "go goes give gives take takes tell mean means able possible right away still already just also "
        "one ones else stop keep let lets see look find call called calls run runs"
    )
)

_IDENTIFIER = re.compile(r"\b\w+(?:[._]\w+)+\b|\b\w+(?=\(\))|\b[a-z]+[A-Z]\w*\b|--?[a-z][\w-]+")


def _missing_identifiers(question: str, passages) -> float:
    """The share of the question's code names (json.loads, token_password, --force, camelCase) that no
    passage spells: a near-miss question often asks about an option or function the documents lack."""
    names = {m.group(0).lower() for m in _IDENTIFIER.finditer(question)}
    if not names:
        return 0.0
    text = " ".join(p.text for p in passages).lower()
    # "bisect.insort" is spelled "insort" under the bisect module's heading
    return sum(name not in text and name.rsplit(".", 1)[-1] not in text for name in names) / len(names)


def _first_word_end(text: str) -> int:
    first = _WORD.search(text)
    return first.end() if first else 0


@dataclass(frozen=True)
class RefusalModel:
    features: tuple[str, ...]
    mean: tuple[float, ...]
    scale: tuple[float, ...]
    coef: tuple[float, ...]
    intercept: float
    threshold: float  # refuse when P(answerable) is below this...
    threshold_docs: float | None = None  # ...or this, for documentation passages (signal doc_like = 1)

    def probability(self, values: dict[str, float]) -> float:
        """P(the documents answer the question), from the signals."""
        z = self.intercept
        for name, mean, scale, coef in zip(self.features, self.mean, self.scale, self.coef):
            z += coef * (values.get(name, 0.0) - mean) / scale
        return 1.0 / (1.0 + math.exp(-max(min(z, 30.0), -30.0)))

    def refuse(self, values: dict[str, float]) -> bool:
        docs = values.get("doc_like") and self.threshold_docs is not None
        return self.probability(values) < (self.threshold_docs if docs else self.threshold)

    def to_dict(self) -> dict:
        return {
            "features": list(self.features),
            "mean": list(self.mean),
            "scale": list(self.scale),
            "coef": list(self.coef),
            "intercept": self.intercept,
            "threshold": self.threshold,
            "threshold_docs": self.threshold_docs,
        }

    @classmethod
    def from_dict(cls, data: dict) -> RefusalModel:
        n = len(data["features"])
        if not all(len(data[k]) == n for k in ("mean", "scale", "coef")):
            raise ValueError("refusal model: features, mean, scale and coef must have the same length")
        return cls(
            tuple(data["features"]),
            tuple(float(x) for x in data["mean"]),
            tuple(float(x) or 1.0 for x in data["scale"]),
            tuple(float(x) for x in data["coef"]),
            float(data["intercept"]),
            float(data["threshold"]),
            None if data.get("threshold_docs") is None else float(data["threshold_docs"]),
        )


@functools.lru_cache(maxsize=4)
def load_model(path: Path = MODEL_FILE) -> RefusalModel:
    with open(path, encoding="utf-8") as f:
        return RefusalModel.from_dict(json.load(f))
