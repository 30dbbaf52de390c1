"""Helpers for the browser tests: ask a question in the page, choose a collection."""

from __future__ import annotations

SEED_QUESTION = "Who is Donald Trump's national security adviser?"
ANSWERED = "#qa-chat .qa-answer, #qa-chat .qa-refusal, #qa-chat .qa-error"


def ask(page, question: str):
    """Type a question, send it, wait for the reply of this turn; return the reply element."""
    before = page.locator(ANSWERED).count()
    page.fill("#qa-question textarea", question)
    page.click("#qa-ask")
    page.wait_for_function("([sel, n]) => document.querySelectorAll(sel).length > n", arg=[ANSWERED, before])
    return page.locator(ANSWERED).last


def use_collection(page, name: str) -> None:
    # The page's own load lists the default collection; let it finish first, or its answer would
    # arrive after (and overwrite) the one for `name`.
    page.wait_for_selector("#qa-docs .qa-docs, #qa-docs .qa-note")
    box = page.locator("#qa-collection textarea, #qa-collection input").first
    box.fill(name)
    box.press("Enter")


def choose_model(page, name: str) -> None:
    """Pick `name` in the page's model dropdown (it lists only the models the server offers)."""
    page.click("#qa-model input")
    page.get_by_role("option", name=name).click()
