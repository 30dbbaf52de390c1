"""The chat page as a new user met it (issue 13): suggestions from the collection's own documents, paths
relative to what was indexed, a documents list that filters and scrolls, long lines wrapped, the whole
supporting sentence highlighted, a wide question box, the question length limit."""

from __future__ import annotations

import pytest
from ui_helpers import LIBRARY_COLLECTION, LONG_TOKEN, ask, use_collection

pytestmark = pytest.mark.browser


def _choose_library(page) -> None:
    use_collection(page, LIBRARY_COLLECTION)
    page.wait_for_function(
        "() => (document.querySelector('#qa-docs .qa-docs-count')?.textContent || '').startsWith('41 documents')"
    )


def test_empty_chat_suggests_questions_from_the_collections_own_titles(page):
    # The seed article has no title of its own (only its file name): nothing is suggested, and never the
    # seed question on a collection that does not hold it.
    chat = page.inner_text("#qa-chat")
    assert "Donald Trump" not in chat
    assert page.locator("#qa-chat .qa-suggest").count() == 0
    _choose_library(page)
    page.wait_for_selector("#qa-chat .qa-suggest")
    suggestions = page.locator("#qa-chat .qa-suggest").all_inner_texts()
    assert 1 <= len(suggestions) <= 3
    assert all("topic" in s for s in suggestions), suggestions  # drawn from the documents' headings
    before = page.locator("#qa-chat .qa-user").count()
    page.locator("#qa-chat .qa-suggest").first.click()  # asks it
    page.wait_for_function("(n) => document.querySelectorAll('#qa-chat .qa-user').length > n", arg=before)
    assert page.locator("#qa-chat .qa-user").first.inner_text() == suggestions[0]


def test_sources_and_documents_are_named_relative_to_what_was_indexed(page):
    _choose_library(page)
    table = page.inner_text("#qa-docs")
    assert "library/page03.md" in table and "tutorial/page03.md" in table  # not two bare "page03.md"
    assert "notes/paths.txt" in table
    reply = ask(page, "Which drawer keeps item 21 of the tutorial?")
    assert "drawer 103" in reply.inner_text()
    card = page.locator("#qa-sources .qa-source").first
    head = card.locator(".qa-source-head").inner_text()
    assert "tutorial/page03.md" in head
    assert "Details" in head  # the section heading of the passage


def test_the_documents_list_scrolls_and_filters(page):
    _choose_library(page)
    rows = page.locator("#qa-docs .qa-docs tbody tr")
    assert rows.count() == 41
    box = page.locator("#qa-docs .qa-docs-scroll")
    height = box.evaluate("(e) => e.getBoundingClientRect().height")
    scrolls = box.evaluate("(e) => e.scrollHeight > e.clientHeight")
    assert height <= 400 and scrolls  # 41 rows do not lengthen the page: the list scrolls
    page.fill("#qa-docs .qa-docs-filter", "tutorial page1")
    visible = page.locator("#qa-docs .qa-docs tbody tr:visible")
    assert visible.count() == 10  # tutorial/page10.md .. page19.md
    assert all("tutorial/page1" in t for t in visible.all_inner_texts())
    assert "10 of 41 documents" in page.inner_text("#qa-docs .qa-docs-count")
    page.fill("#qa-docs .qa-docs-filter", "")
    assert page.locator("#qa-docs .qa-docs tbody tr:visible").count() == 41


def test_long_lines_wrap_inside_the_card_and_the_whole_sentence_is_marked(page):
    _choose_library(page)
    reply = ask(page, "What is the archive path of the Quillon ledger?")
    assert "qa-answer" in reply.get_attribute("class")
    card = page.locator("#qa-sources .qa-source").first
    assert LONG_TOKEN[:40] in card.inner_text()
    overflow = card.evaluate(
        """(card) => [card.scrollWidth - card.clientWidth,
                      card.querySelector('.qa-passage').scrollWidth - card.querySelector('.qa-passage').clientWidth]"""
    )
    assert max(overflow) <= 1, f"the passage runs past its card by {overflow} px"
    panel = page.locator("#qa-sources")
    assert panel.evaluate("(e) => e.scrollWidth <= e.clientWidth + 1")
    marked = card.locator("mark").inner_text()
    assert marked == f"The archive path of the Quillon ledger is {LONG_TOKEN} on the old server."


def test_the_question_box_takes_the_width_of_the_chat(page):
    box = page.locator("#qa-question textarea").bounding_box()
    chat = page.locator("#qa-chat").bounding_box()
    buttons = [page.locator(sel).bounding_box() for sel in ("#qa-ask", "#qa-clear")]
    # The bug: the box shared its row with the buttons and got about two thirds of the chat's width.
    assert box["width"] >= 0.9 * chat["width"], (box, chat)
    assert all(b["y"] >= box["y"] + box["height"] - 1 for b in buttons)  # the buttons sit below it


def test_a_question_over_the_length_limit_is_refused_with_the_limit_named(page):
    reply = ask(page, "why?" * 600)
    assert "qa-error" in reply.get_attribute("class")
    assert "2,400 characters long; the limit is 2,000" in reply.inner_text()


def test_a_hard_wrapped_sentence_is_highlighted_whole(page):
    """The bug: the highlight stopped at the line break in the middle of the supporting sentence."""
    _choose_library(page)
    reply = ask(page, "Who started the Quillon ledger?")
    assert "Brisk" in reply.inner_text()
    marked = page.locator("#qa-sources .qa-source").first.locator("mark").inner_text()
    wanted = "The Quillon ledger was started by the clerk Amadou Brisk in the winter of 1911, at the harbour office."
    assert " ".join(marked.split()) == wanted
