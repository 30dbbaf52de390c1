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


def test_a_sentence_running_past_the_passage_is_marked_up_to_the_passage_end():
    quote = "Last one. It goes on after the passage."
    c = citation()
    at = c.start + TEXT.find("Last one.")
    past = Citation(**{**c.__dict__, "quote": quote, "quote_start": at, "quote_end": at + len(quote)})
    assert passage_html(past).endswith("<mark>Last one.</mark>")


def test_cards_name_the_source_relative_to_the_indexed_root_with_heading_and_copies():
    c = Citation(
        **{**citation().__dict__, "source": "/docs/tutorial/x.rst", "also_in": ("/docs/library/x.rst",)}
    )
    out = sources_html([Turn("q", Answer("q", "Said. [1]", False, [c]))], root="/docs")
    assert ">tutorial/x.rst</span>" in out and "Intro &amp; more" in out
    assert "also in: library/x.rst" in out
    assert ">x.rst</span>" not in out


def _sources(*pairs):
    from qa.api import SourceInfo

    return [SourceInfo(source, title, 3, state) for source, title, state in pairs]


def test_library_paths_are_relative_to_the_common_root_and_pending_sources_are_left_out():
    from ui.library import Library, documents_html

    library = Library.of(
        _sources(
            ("/home/u/docs/library/x.rst", "X in the library", "done"),
            ("/home/u/docs/tutorial/x.rst", "X in the tutorial", "done"),
            ("/home/u/docs/tutorial/half.rst", "Half", "pending"),
        )
    )
    assert library.root == "/home/u/docs"
    assert [library.path(i.source) for i in library.items] == ["library/x.rst", "tutorial/x.rst"]
    out = documents_html(library, "default")
    assert "library/x.rst" in out and "tutorial/x.rst" in out and "half.rst" not in out
    assert 'class="qa-docs-filter"' in out and 'class="qa-docs-scroll"' in out
    assert "2 documents under" in out
    one = Library.of(_sources(("/a/b/only.txt", "only", "done")))
    assert one.path("/a/b/only.txt") == "only.txt"


def test_suggestions_come_from_real_titles_or_there_are_none():
    from ui.library import Library, suggested_questions

    from_names = Library.of(_sources(("/s/000_68c1b161cf4df674.txt", "000 68c1b161cf4df674", "done")))
    assert suggested_questions(from_names) == []
    assert "Donald Trump" not in conversation_html([], suggested_questions(from_names))
    titled = Library.of(
        _sources(
            *[(f"/d/p{i:02d}.md", f"Topic <{i}>", "done") for i in range(9)], ("/d/q.md", "Topic <0>", "done")
        )
    )
    questions = suggested_questions(titled)
    assert questions == [
        "What does “Topic <0>” cover?",
        "What does “Topic <3>” cover?",
        "What does “Topic <6>” cover?",
    ]
    out = conversation_html([], questions)
    assert out.count('class="qa-suggest"') == 3 and "Topic &lt;3&gt;" in out and "<3>" not in out
