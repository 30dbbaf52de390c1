"""HTML rendering: escaping, footnote links, the highlighted supporting sentence."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from qa.answer import Answer, Citation
from ui.render import Turn, answer_html, conversation_html, esc, passage_html, sources_html

TEXT = "First sentence here. <b>Mike Waltz</b> said it. Last one."


def citation(cid: int = 1, quote: str = "<b>Mike Waltz</b> said it.", offset: int = 100) -> Citation:
    q = TEXT.find(quote)
    return Citation(
        id=cid,
        source="/docs/a<x>.txt",
        chunk_id="c1",
        start=offset,
        end=offset + len(TEXT),
        text=TEXT,
        score=1.0,
        heading="Intro & more",
        quote=quote,
        quote_start=offset + q,
        quote_end=offset + q + len(quote),
    )


@given(st.text())
def test_escaped_text_holds_no_markup_or_template_syntax(text):
    out = esc(text)
    for ch in "<>\"'`${}":
        assert ch not in out


def test_markers_become_links_to_their_passages_and_the_rest_is_escaped():
    answer = Answer("q", "<i>Waltz</i> said so. [1] Not cited [7].", False, [citation()])
    out = answer_html(answer, turn=3)
    assert '<a class="qa-cite" href="#qa-src-3-1" data-target="qa-src-3-1"' in out
    assert "&lt;i&gt;Waltz&lt;/i&gt;" in out
    assert "<i>" not in out
    assert out.count("qa-cite") == 1  # [7] names no citation: plain text
    assert "[7]" in out


def test_the_supporting_sentence_is_marked_at_its_offsets():
    out = passage_html(citation())
    assert out == "First sentence here. <mark>&lt;b&gt;Mike Waltz&lt;/b&gt; said it.</mark> Last one."


def test_a_quote_with_wrong_offsets_is_found_by_its_text_or_not_marked():
    c = citation()
    moved = Citation(**{**c.__dict__, "quote_start": 0, "quote_end": 5})
    assert "<mark>&lt;b&gt;Mike Waltz&lt;/b&gt; said it.</mark>" in passage_html(moved)
    absent = Citation(**{**c.__dict__, "quote": "not in the passage"})
    assert "<mark>" not in passage_html(absent)


def test_refusal_and_error_look_different_from_an_answer():
    refused = Turn("q1", Answer("q1", "The indexed documents do not say.", True))
    failed = Turn("q2", error="No documents indexed in collection 'x': run `qa index PATH`")
    answered = Turn("q3", Answer("q3", "Waltz. [1]", False, [citation()]))
    out = conversation_html([refused, failed, answered])
    assert out.count("qa-refusal") == 1 and "Not in the documents" in out
    assert out.count("qa-error") == 1 and 'role="alert"' in out
    assert out.count("qa-answer") == 1


def test_sources_panel_names_the_source_and_place_escaped_newest_open():
    old = Turn("old question", Answer("old question", "A. [1]", False, [citation()]))
    new = Turn("new <q>", Answer("new <q>", "B. [1]", False, [citation()]))
    out = sources_html([old, new])
    assert out.index("new &lt;q&gt;") < out.index("old question")
    assert out.count("<details") == 2 and out.count(" open>") == 1
    assert 'id="qa-src-0-1"' in out and 'id="qa-src-1-1"' in out
    assert "a&lt;x&gt;.txt" in out and "Intro &amp; more" in out
