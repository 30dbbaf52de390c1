"""Citation checks on generated answers: markers parsed, checked against the prompt's passages, rewritten."""

from __future__ import annotations

import re

from hypothesis import given, settings
from hypothesis import strategies as st

from qa.answer import Passage
from qa.cite import check_citations, is_refusal

DOCUMENT = (
    "Intro line.\n"
    "Mr Trump's national security adviser Mike Waltz said the US was pausing and reviewing the relationship. "
    "He spoke on Fox News.\n"
    "French president Emmanuel Macron offered to extend the nuclear deterrent to protect Europe. "
    "He called it a new era.\n"
    "CIA director John Ratcliffe called the intelligence suspension a pause."
)


def _passage(n: int, fragment: str, score: float = 1.0) -> Passage:
    start = DOCUMENT.index(fragment)
    end = start + len(fragment)
    return Passage(n, "news.txt", f"news#{n}", start, end, DOCUMENT[start:end], score)


WALTZ = _passage(
    1,
    "Mr Trump's national security adviser Mike Waltz said the US was pausing and reviewing the "
    "relationship. He spoke on Fox News.",
)
MACRON = _passage(
    2, "French president Emmanuel Macron offered to extend the nuclear deterrent to protect Europe."
)
CIA = _passage(3, "CIA director John Ratcliffe called the intelligence suspension a pause.")
PASSAGES = [WALTZ, MACRON, CIA]


def test_supported_marker_is_kept_with_quote_offsets_into_the_document():
    checked = check_citations("Mike Waltz is the national security adviser [1].", PASSAGES)
    assert checked.text == "Mike Waltz is the national security adviser [1]."
    assert checked.dropped == []
    (citation,) = checked.citations
    assert citation.id == 1 and citation.chunk_id == "news#1"
    assert DOCUMENT[citation.start : citation.end] == citation.text
    assert DOCUMENT[citation.quote_start : citation.quote_end] == citation.quote
    assert citation.quote.startswith("Mr Trump's national security adviser Mike Waltz")


def test_marker_forms_are_parsed_and_written_as_separate_markers():
    text = (
        "Waltz said the US was pausing the relationship [1, 3]. "
        "Macron offered the nuclear deterrent [Document 2]. "
        "Ratcliffe called the suspension a pause [3][1]."
    )
    checked = check_citations(text, PASSAGES, min_support=0.0)
    assert checked.text == (
        "Waltz said the US was pausing the relationship [1][3]. "
        "Macron offered the nuclear deterrent [2]. "
        "Ratcliffe called the suspension a pause [3][1]."
    )
    assert [c.id for c in checked.citations] == [1, 3, 2]


def test_ranges_expand():
    checked = check_citations("Waltz, Macron and Ratcliffe all spoke [1-3].", PASSAGES, min_support=0.0)
    assert checked.text == "Waltz, Macron and Ratcliffe all spoke [1][2][3]."


def test_out_of_range_marker_is_dropped_and_recorded():
    checked = check_citations(
        "Mike Waltz is the national security adviser [1][9]. Macron spoke [0].", PASSAGES
    )
    assert checked.text == "Mike Waltz is the national security adviser [1]. Macron spoke."
    assert checked.dropped == ["[9]", "[0]"]
    assert [c.id for c in checked.citations] == [1]


def test_unsupported_marker_is_dropped():
    checked = check_citations(
        "Macron offered to extend the nuclear deterrent [1]. Mike Waltz is the adviser [1].", PASSAGES
    )
    assert checked.text == "Macron offered to extend the nuclear deterrent. Mike Waltz is the adviser [1]."
    assert checked.dropped == ["[1]"]
    assert [c.id for c in checked.citations] == [1]


def test_each_marker_is_checked_against_its_own_sentence():
    text = "Ratcliffe called it a pause. [3] Macron offered the nuclear deterrent to Europe. [2]"
    checked = check_citations(text, PASSAGES)
    assert checked.text == text
    assert [c.id for c in checked.citations] == [3, 2]
    assert checked.citations[1].quote == MACRON.text


def test_marker_glued_to_the_full_stop_belongs_to_its_sentence():
    checked = check_citations("Macron offered the deterrent.[2] Waltz is the adviser.[1]", PASSAGES)
    assert checked.text == "Macron offered the deterrent.[2] Waltz is the adviser.[1]"
    assert checked.dropped == []


def test_dropping_a_marker_cannot_make_a_new_one():
    checked = check_citations("Waltz is the adviser [1[9]].", PASSAGES)
    assert checked.text == "Waltz is the adviser [1]."  # the new marker was checked too: supported
    assert checked.dropped == ["[9]"] and [c.id for c in checked.citations] == [1]
    checked = check_citations("Macron offered the deterrent [1[9]].", PASSAGES)
    assert checked.text == "Macron offered the deterrent."  # ... and here unsupported
    assert checked.dropped == ["[9]", "[1]"] and checked.citations == []


def test_text_without_markers_is_unchanged():
    checked = check_citations("Nothing cited here. [citation needed] and [a]", PASSAGES)
    assert checked.text == "Nothing cited here. [citation needed] and [a]"
    assert checked.citations == [] and checked.dropped == []


def test_refusals_are_recognized():
    assert is_refusal("The indexed documents do not say.")
    assert is_refusal("The documents don't mention who won [1].")
    assert is_refusal("Sorry, the provided passages do not contain that information.")
    assert not is_refusal("Mike Waltz is the adviser [1].")
    assert not is_refusal("Waltz said the documents do not say everything [1].")


_PIECES = st.sampled_from(
    ["[", "]", "1", "2", "3", "9", "0", ",", "-", "–", " ", ".", "\n", "Waltz", "Macron ", "[1]", "[2, 3]", "[1-3]",
     "[Document 2]", "[99999999999]", "[1-99999]", "and", ";", "é", "\x00", "pause"]
)  # fmt: skip


def _check_invariants(text: str) -> None:
    checked = check_citations(text, PASSAGES)
    assert isinstance(checked.text, str)
    cited = [c.id for c in checked.citations]
    assert len(cited) == len(set(cited))
    markers = {int(n) for n in re.findall(r"\[(\d+)\]", checked.text)}
    assert markers == set(cited)  # every marker left has its citation, and every citation its marker
    for c in checked.citations:
        assert DOCUMENT[c.quote_start : c.quote_end] == c.quote
    assert all(re.fullmatch(r"\[\d+\]", d) for d in checked.dropped)
    assert is_refusal(text) in (True, False)


@settings(max_examples=300, deadline=None)
@given(st.text())
def test_never_crashes_on_any_string(text):
    _check_invariants(text)


@settings(max_examples=500, deadline=None)
@given(st.lists(_PIECES, max_size=40).map("".join))
def test_never_crashes_on_marker_soup(text):
    _check_invariants(text)


def test_hostile_nesting_and_huge_answers_stay_consistent():
    nested = "Waltz is the adviser " + "[1" * 40 + "[9]" + "]" * 40 + "."
    _check_invariants(nested)
    huge = "Mike Waltz is the adviser " + "[1][9], " * 20000 + "done."
    checked = check_citations(huge, PASSAGES)
    assert checked.text.startswith("Mike Waltz is the adviser [1]")
    assert checked.dropped.count("[9]") == 20000
    _check_invariants("[" * 5000 + "1" * 5000 + "]" * 5000)
