"""Citation checks for generated answers: parse the [n] markers, keep only those that point at a passage
in the prompt whose text supports the sentence, and build the `Citation`s. Never raises on any string."""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass, field

from index.sentences import sentence_spans
from index.text import content_terms
from qa.answer import REFUSAL_TEXT, Answer, Citation, Passage
from qa.markers import MARKER, strip_markers

__all__ = ["MARKER", "check_citations", "is_refusal", "strip_markers"]  # markers: from qa/markers.py

_GAP = re.compile(r"[\s,;]*")  # what may separate markers of one cluster
_MAX_RANGE = 20  # [1-3] expands; [1-99999] does not
_MAX_PASSES = 5  # re-checks after removals (each can reveal a marker nested in the text)

MIN_SUPPORT = 0.35  # share of a sentence's content words that the cited passage must contain

_REFUSAL = re.compile(
    r"^\W*(?:(?:i'?m\s+)?sorry[,.]?\s*)?(?:(?:the|these)\s+)?(?:indexed\s+|provided\s+|given\s+|available\s+)?"
    r"(?:documents?|passages?|sources?|context|texts?)\s+(?:do|does|did)\s*(?:not|n[’']t)\s+"
    r"(?:say|contain|mention|provide|include|state|specify|answer|tell|give|cover)"
    r"|^\W*(?:there\s+is\s+no\s+information|i\s+(?:do\s+not|don[’']t|cannot|can[’']t)\s+(?:know|find))",
    re.IGNORECASE,
)


@dataclass
class CheckedText:
    text: str  # the answer with only the kept markers, written as [n][m]
    citations: list[Citation] = field(default_factory=list)  # one per kept passage, in order of appearance
    dropped: list[str] = field(default_factory=list)  # "[9]": out of range or unsupported


@dataclass
class _Cluster:
    start: int
    end: int
    ids: list[int]
    raw: list[str]  # each id as the marker the reader saw


def check_citations(text: str, passages: list[Passage], min_support: float = MIN_SUPPORT) -> CheckedText:
    """Keeps a marker [n] when passage n was in the prompt and supports the sentence it ends.

    Citation ids are the passages' numbers, so `[n]` in the text, `answer.citations` and `answer.passages`
    all agree; dropped markers are removed from the text and listed in `dropped`."""
    if not isinstance(text, str):
        text = str(text or "")
    checked = _check_once(text, passages, min_support)
    # Removing a marker can make a new one ("[1[9]]" -> "[1]"): check again until nothing changes.
    for _ in range(_MAX_PASSES):
        if checked.text == text or not MARKER.search(checked.text):
            return checked
        text = checked.text
        again = _check_once(text, passages, min_support)
        again.dropped[:0] = checked.dropped
        checked = again
    # Pathological nesting: what still looks like an unchecked marker is written as "(n)" instead.
    cited = {c.id for c in checked.citations}

    def neutral(match: re.Match) -> str:
        ids, raw = _numbers(match.group(1))
        if set(ids) <= cited:
            return match.group(0)
        checked.dropped.extend(raw)
        return f"({match.group(0)[1:-1]})"

    checked.text = MARKER.sub(neutral, checked.text)
    return checked


def _check_once(text: str, passages: list[Passage], min_support: float) -> CheckedText:
    by_id = {p.id: p for p in passages}
    clusters = _clusters(text)
    # Sentences of the text with the markers blanked out, so that "said. [1]" stays with "said."
    plain = _blank(text, clusters)
    spans = sentence_spans(plain) or [(0, len(plain))]
    starts = [s for s, _ in spans]
    evidence: dict[int, _Evidence] = {}

    kept_by_cluster: list[list[int]] = []
    dropped: list[str] = []
    quote_for: dict[int, tuple[str, int, int]] = {}
    for cluster in clusters:
        claim_start, claim_end = spans[max(bisect.bisect_right(starts, cluster.start) - 1, 0)]
        claim_terms = _terms(plain[claim_start:claim_end])
        kept: dict[int, None] = {}
        for number, raw in zip(cluster.ids, cluster.raw):
            passage = by_id.get(number)
            if passage is None:
                dropped.append(raw)
                continue
            if number not in evidence:
                evidence[number] = _Evidence.of(passage)
            support, quote = evidence[number].support(claim_terms)
            if support < min_support:
                dropped.append(raw)
                continue
            kept[number] = None
            quote_for.setdefault(number, quote)
        kept_by_cluster.append(list(kept))

    citations = [
        Citation.from_passage(by_id[n], quote=q, quote_start=qs, quote_end=qe)
        for n, (q, qs, qe) in quote_for.items()  # in order of first appearance
    ]
    return CheckedText(_rewrite(text, clusters, kept_by_cluster), citations, dropped)


def _terms(text: str) -> set[str]:
    """The words that carry evidence (index.text's stemmer); single letters ("s" of "Trump's") carry none."""
    return {t for t in content_terms(text) if len(t) > 1 or t.isdigit()}


def is_refusal(text: str) -> bool:
    """Whether an answer begins by saying that the documents do not contain the answer."""
    if not isinstance(text, str):
        return False
    return bool(_REFUSAL.search(MARKER.sub(" ", text).strip()))


@dataclass(frozen=True)
class _Evidence:
    """A passage's words, whole and per sentence, computed once per check."""

    passage: Passage
    terms: set[str]
    sentences: list[tuple[int, int, set[str]]]

    @classmethod
    def of(cls, passage: Passage) -> _Evidence:
        text = passage.text
        sentences = [(s, e, _terms(text[s:e])) for s, e in sentence_spans(text)]
        return cls(passage, _terms(text), sentences)

    def support(self, claim_terms: set[str]) -> tuple[float, tuple[str, int, int]]:
        """How much of the claim the passage contains, and the passage sentence that supports it best
        (text, document start, document end)."""
        p = self.passage
        best = (p.text, p.start, p.end)
        if not claim_terms:  # nothing to check ("Yes."): the marker stands, quoted by the whole passage
            return 1.0, best
        best_score = -1
        for s, e, terms in self.sentences:
            score = len(claim_terms & terms)
            if score > best_score:
                best_score = score
                best = (p.text[s:e], p.start + s, p.start + e)
        return len(claim_terms & self.terms) / len(claim_terms), best


def _clusters(text: str) -> list[_Cluster]:
    clusters: list[_Cluster] = []
    for match in MARKER.finditer(text):
        ids, raw = _numbers(match.group(1))
        previous = clusters[-1] if clusters else None
        if previous and _GAP.fullmatch(text, previous.end, match.start()):
            previous.ids.extend(ids)  # one cluster: "[1][2]", "[1], [2]"
            previous.raw.extend(raw)
            previous.end = match.end()
        else:
            clusters.append(_Cluster(match.start(), match.end(), ids, raw))
    return clusters


def _numbers(group: str) -> tuple[list[int], list[str]]:
    """The passage numbers of one marker, and each as the marker "[n]" (for `dropped`)."""
    ids: list[int] = []
    raw: list[str] = []
    for part in re.split(r"\s*(?:[,;]|\band\b)\s*", group):
        digits = re.findall(r"\d+", part)
        # Absurdly long numbers are kept as text for the report and never match a passage.
        bounds = [int(d) if len(d) <= 9 else -1 for d in digits]
        if len(bounds) == 2 and ("-" in part or "–" in part) and 0 <= bounds[1] - bounds[0] < _MAX_RANGE:
            span = range(bounds[0], bounds[1] + 1)
            ids.extend(span)
            raw.extend(f"[{n}]" for n in span)
            continue
        ids.extend(bounds)
        raw.extend(f"[{d}]" for d in digits)
    return ids, raw


def _blank(text: str, clusters: list[_Cluster]) -> str:
    chars = list(text)
    for c in clusters:
        chars[c.start : c.end] = " " * (c.end - c.start)
    return "".join(chars)


def _rewrite(text: str, clusters: list[_Cluster], kept: list[list[int]]) -> str:
    out: list[str] = []
    cursor = 0
    for cluster, ids in zip(clusters, kept):
        out.append(text[cursor : cluster.start])
        if ids:
            out.append("".join(f"[{n}]" for n in ids))
        else:
            following = text[cluster.end : cluster.end + 1]
            if not following or following.isspace() or following in ".,;:!?)":
                out[-1] = out[-1].rstrip(" \t")  # no space left dangling before punctuation
        cursor = cluster.end
    out.append(text[cursor:])
    return "".join(out).strip()


UNSUPPORTED_TEXT = (
    "The model's answer cites none of the passages, so it is not shown as an answer from the documents."
)


# --- building the Answer: the one place an `Answer` is made ------------------------------------------


def refusal(query, passages: list[Passage], model: str, dropped: list[str] | None = None) -> Answer:
    """The honest "the documents do not say" for a `qa.answerers.Query`."""
    return cited_answer(query, REFUSAL_TEXT, [], passages, model, dropped=dropped, refused=True)


def cited_answer(
    query,
    text: str,
    citations: list[Citation],
    passages: list[Passage],
    model: str,
    *,
    dropped: list[str] | None = None,
    refused: bool = False,
    unsupported: bool = False,
) -> Answer:
    """An answer whose markers are already checked (by `check_citations`, or placed by the extractive answerer)."""
    return Answer(
        question=query.question,
        text=text,
        refused=refused,
        citations=citations,
        passages=passages,
        model=model,
        dropped_markers=list(dropped or []),
        standalone_question=query.standalone,
        unsupported=unsupported,
    )


def answer_from_text(query, raw: str, passages: list[Passage], model: str) -> Answer:
    """The checked `Answer` for what a model wrote: markers checked, refusals recognized."""
    from qa.errors import ModelError

    checked = check_citations(raw, passages)
    if not strip_markers(checked.text):
        raise ModelError(f"The model '{model}' returned an empty answer: try again, or use another model.")
    single_sentence = len(re.findall(r"[.!?](?:\s|$)", strip_markers(checked.text))) <= 1
    if is_refusal(checked.text) and (not checked.citations or single_sentence):
        return refusal(query, passages, model, dropped=checked.dropped)
    if not checked.citations:  # "PWNED", or claims no passage supports: withheld, marked unsupported
        return cited_answer(
            query,
            UNSUPPORTED_TEXT,
            [],
            passages,
            model,
            dropped=checked.dropped,
            refused=True,
            unsupported=True,
        )
    return cited_answer(query, checked.text, checked.citations, passages, model, dropped=checked.dropped)
