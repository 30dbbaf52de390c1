"""Helpers for the browser tests: ask a question in the page, choose a collection."""

from __future__ import annotations

from pathlib import Path

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


LIBRARY_COLLECTION = "library"
LONG_TOKEN = "/".join(f"segment{i:03d}" for i in range(60))  # 659 characters without a space


def write_library(folder: Path) -> Path:
    """Documents in folders, with headings, files of the same name in two folders, and a very long line."""
    for part in ("library", "tutorial"):
        for n in range(20):
            topic = f"{part.capitalize()} topic {n:02d}"
            text = (
                f"# {topic}\n\n## Overview\n\nThe {part} page number {n} explains item {n * 7} of the "
                f"{part}.\n\n## Details\n\nItem {n * 7} of the {part} is kept in drawer {n + 100}.\n"
            )
            (folder / part).mkdir(parents=True, exist_ok=True)
            (folder / part / f"page{n:02d}.md").write_text(text, encoding="utf-8")
    (folder / "notes").mkdir()
    (folder / "notes" / "paths.txt").write_text(
        f"The archive path of the Quillon ledger is {LONG_TOKEN} on the old server.\n"
        "The Quillon ledger was started by the clerk Amadou Brisk\nin the winter of 1911, at the harbour office.\n",
        encoding="utf-8",
    )
    return folder
