"""Scoring: one `Outcome` per question (an Answer checked against its gold question), then metrics per set.

Answers are compared SQuAD-style: lower case, punctuation and articles removed, whitespace collapsed;
"contains" means the normalized gold answer occurs in the normalized text as whole words.
"""

from __future__ import annotations

import re
import statistics
import unicodedata
from collections import Counter
from dataclasses import asdict, dataclass, field
from pathlib import Path

from qa.markers import strip_markers

_ARTICLES = re.compile(r"\b(a|an|the)\b")
# Markup a reader should never see in an answer: RST roles, directives and comments (`.. `, not an ellipsis),
# heading underlines, pilcrows of HTML headings, literal and bold markers, HTML tags, Markdown links and headings.
_HTML_TAGS = (
    "a|abbr|b|big|blockquote|body|br|cite|code|dd|div|dl|dt|em|font|h[1-6]|head|hr|html|i|img|kbd|li|link|"
    "meta|nav|ol|p|pre|samp|script|section|small|span|strong|style|sub|sup|table|td|th|tr|tt|ul|var"
)
MARKUP = re.compile(
    r":[A-Za-z][\w.+-]*(?::[\w.+-]+)?:`"
    r"|(?<!\.)\.\.\s"
    r"|={4,}|-{4,}|~{4,}|\^{4,}"
    r"|¶|``|(?<![\w*])\*\*[^*\s][^*]*\*\*"
    rf"|</?(?:{_HTML_TAGS})\b[^<>]*>"
    r"|\]\([^)\s]*\)|\]\[[\w .-]*\]"
    r"|(?:^|\n)#{1,6} "
)


@dataclass(frozen=True)
class Metric:
    key: str
    label: str
    better: str  # "higher" or "lower"
    unit: str = ""  # "" for a fraction in 0..1


METRICS = [
    Metric("recall_at_k", "retrieval recall@k", "higher"),
    Metric("mrr", "retrieval MRR", "higher"),
    Metric("contains_gold", "answer contains gold", "higher"),
    Metric("token_f1", "token F1", "higher"),
    Metric("answer_words", "answer length (median words)", "lower", "words"),
    Metric("citation_precision", "citation precision", "higher"),
    Metric("citation_recall", "citation recall", "higher"),
    Metric("cited_when_correct", "supporting citation when correct", "higher"),
    Metric("right_file_cited", "cites the right file when correct", "higher"),
    Metric("answers_without_markup", "answers without markup", "higher"),
    Metric("refusal_unanswerable", "unanswerable refused", "higher"),
    Metric("refusal_near_miss", "near-miss questions refused", "higher"),
    Metric("refusal_off_topic", "off-topic questions refused", "higher"),
    Metric("false_refusal", "answerable wrongly refused", "lower"),
    Metric("latency_p50_ms", "latency p50", "lower", "ms"),
    Metric("latency_p95_ms", "latency p95", "lower", "ms"),
]
METRIC_BY_KEY = {m.key: m for m in METRICS}


def squad_normalize(text: str) -> str:
    """SQuAD's answer normalization, with Unicode punctuation (curly quotes, dashes) removed too."""
    text = "".join(c for c in text.lower() if not unicodedata.category(c).startswith("P"))
    return " ".join(_ARTICLES.sub(" ", text).split())


def contains(text: str, answer: str) -> bool:
    gold = squad_normalize(answer)
    return bool(gold) and f" {gold} " in f" {squad_normalize(strip_markers(text))} "


def has_markup(text: str) -> bool:
    return bool(MARKUP.search(text))


def token_f1(prediction: str, gold: str) -> float:
    predicted = squad_normalize(strip_markers(prediction)).split()
    expected = squad_normalize(gold).split()
    common = sum((Counter(predicted) & Counter(expected)).values())
    if common == 0:
        return 0.0
    precision, recall = common / len(predicted), common / len(expected)
    return 2 * precision * recall / (precision + recall)


@dataclass
class Outcome:
    """What happened to one gold question."""

    set_name: str
    id: str
    question: str
    answerable: bool
    answers: list[str]
    answer: str
    refused: bool
    latency_ms: float
    hit_rank: int | None = None  # rank (1-based) of the first passage holding a gold answer
    contains_gold: bool = False
    f1: float = 0.0
    words: int = 0
    citations: int = 0
    supporting_citations: int = 0  # cited passages that hold a gold answer
    top_source: str = ""
    error: str = ""  # the error message when the question could not be asked
    format: str = ""  # rst, html, md, pdf...: the format of the document holding the evidence ("" unknown)
    kind: str = "answerable"  # or near-miss, off-topic, unanswerable (eval/gold.py)
    gold_sources: list[str] = field(default_factory=list)  # the documents holding the evidence
    cited_sources: list[str] = field(default_factory=list)
    markup: bool = False  # the answer shows markup (MARKUP)

    @property
    def passed(self) -> bool:
        if self.error:
            return False
        return self.contains_gold if self.answerable else self.refused

    def to_dict(self) -> dict:
        return asdict(self) | {"passed": self.passed}


def score(question, answer, latency_ms: float) -> Outcome:
    """An `Outcome` from a `GoldQuestion` and the `qa.Answer` it got."""
    gold = question.answers
    outcome = Outcome(
        question.set_name,
        question.id,
        question.question,
        question.answerable,
        list(gold),
        answer.text,
        answer.refused,
        latency_ms,
        words=len(strip_markers(answer.text).split()),
        citations=len(answer.citations),
        top_source=answer.passages[0].source if answer.passages else "",
        format=question.format,
        kind=question.kind,
        gold_sources=list(question.sources),
        cited_sources=sorted({c.source for c in answer.citations}),
        markup=not answer.refused and has_markup(answer.text),
    )
    if not gold:
        return outcome
    outcome.hit_rank = next(
        (rank for rank, p in enumerate(answer.passages, 1) if any(contains(p.text, a) for a in gold)), None
    )
    if not answer.refused:
        outcome.contains_gold = any(contains(answer.text, a) for a in gold)
        outcome.f1 = max(token_f1(answer.text, a) for a in gold)
        outcome.supporting_citations = sum(any(contains(c.text, a) for a in gold) for c in answer.citations)
    return outcome


def failed(question, error: str, latency_ms: float) -> Outcome:
    """The outcome of a question that raised an error (a model timeout, say): counted as wrong."""
    return Outcome(
        question.set_name,
        question.id,
        question.question,
        question.answerable,
        list(question.answers),
        "",
        False,
        latency_ms,
        error=error,
        format=question.format,
        kind=question.kind,
        gold_sources=list(question.sources),
    )


def cites_right_file(outcome: Outcome) -> bool:
    """A citation names a document the evidence is quoted from (paths compared resolved)."""
    gold = {Path(s).resolve() for s in outcome.gold_sources}
    return any(Path(s).resolve() in gold for s in outcome.cited_sources)


@dataclass
class SetMetrics:
    values: dict[str, float | None]
    questions: int
    answerable: int
    unanswerable: int
    counts: dict[str, str] = field(default_factory=dict)  # "41/50" behind each fraction

    def to_dict(self) -> dict:
        return asdict(self)


def aggregate(outcomes: list[Outcome], k: int) -> SetMetrics:
    """The metrics of a set of outcomes; None where a metric has nothing to measure (no unanswerable, say)."""
    answerable = [o for o in outcomes if o.answerable]
    unanswerable = [o for o in outcomes if not o.answerable]
    answered = [o for o in answerable if not o.refused and not o.error]
    correct = [o for o in answerable if o.contains_gold]
    values: dict[str, float | None] = {}
    counts: dict[str, str] = {}

    def fraction(key: str, hits: int, total: int) -> None:
        values[key] = hits / total if total else None
        counts[key] = f"{hits}/{total}"

    fraction(
        "recall_at_k", sum(o.hit_rank is not None and o.hit_rank <= k for o in answerable), len(answerable)
    )
    values["mrr"] = _mean([1 / o.hit_rank if o.hit_rank else 0.0 for o in answerable])
    fraction("contains_gold", len(correct), len(answerable))
    values["token_f1"] = _mean([o.f1 for o in answerable])
    words = [o.words for o in outcomes if not o.refused and not o.error]
    values["answer_words"] = float(statistics.median(words)) if words else None
    fraction(
        "citation_precision",
        sum(o.supporting_citations for o in answered),
        sum(o.citations for o in answered),
    )
    fraction("citation_recall", sum(o.supporting_citations > 0 for o in answered), len(answered))
    fraction("cited_when_correct", sum(o.supporting_citations > 0 for o in correct), len(correct))
    located = [o for o in correct if o.gold_sources]
    fraction("right_file_cited", sum(cites_right_file(o) for o in located), len(located))
    given = [o for o in outcomes if not o.refused and not o.error]
    fraction("answers_without_markup", sum(not o.markup for o in given), len(given))
    fraction("refusal_unanswerable", sum(o.refused for o in unanswerable), len(unanswerable))
    for kind, key in (("near-miss", "refusal_near_miss"), ("off-topic", "refusal_off_topic")):
        of_kind = [o for o in unanswerable if o.kind == kind]
        fraction(key, sum(o.refused for o in of_kind), len(of_kind))
    fraction("false_refusal", sum(o.refused for o in answerable), len(answerable))
    latencies = [o.latency_ms for o in outcomes]
    values["latency_p50_ms"] = percentile(latencies, 50)
    values["latency_p95_ms"] = percentile(latencies, 95)
    return SetMetrics(values, len(outcomes), len(answerable), len(unanswerable), counts)


def percentile(values: list[float], q: float) -> float | None:
    """The q-th percentile, interpolated between the closest ranks."""
    if not values:
        return None
    ordered = sorted(values)
    position = (len(ordered) - 1) * q / 100
    low = int(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def _mean(values: list[float]) -> float | None:
    return sum(values) / len(values) if values else None
