"""HTML for the chat page: answers with clickable [n] footnotes, cited passages with the supporting sentence
highlighted, refusals, errors and the list of indexed documents.

Every piece of text that comes from a document, a question or an error is escaped here, by `esc`, before it
reaches the page: a document holding `<script>` or `<img onerror=...>` is shown as text and never runs.
Gradio's own sanitizer is not relied upon.
"""

from __future__ import annotations

import html
import os
from collections.abc import Sequence
from dataclasses import dataclass, field

from qa.answer import Answer, Citation
from qa.markers import CITED

# Beyond HTML's own specials: characters that template engines or Markdown could act on.
_EXTRA = str.maketrans({"$": "&#36;", "{": "&#123;", "}": "&#125;", "`": "&#96;", "\\": "&#92;"})


def esc(text: object) -> str:
    """Text made inert for HTML (and for Gradio's JS template strings)."""
    return html.escape(str(text), quote=True).translate(_EXTRA)


@dataclass
class Turn:
    """One question of the conversation and what came back: an answer, or an error message."""

    question: str
    answer: Answer | None = None
    error: str = ""
    partial: str = ""  # text streamed so far, before the final Answer arrives
    hints: list[str] = field(default_factory=list)


def source_anchor(turn: int, citation_id: int) -> str:
    return f"qa-src-{turn}-{citation_id}"


def answer_html(answer: Answer, turn: int) -> str:
    """The answer text, escaped, with each [n] that names a citation turned into a link to its passage."""
    cited = {c.id for c in answer.citations}
    parts: list[str] = []
    position = 0
    for match in CITED.finditer(answer.text):
        parts.append(esc(answer.text[position : match.start()]))
        n = int(match.group(1))
        if n in cited:
            anchor = source_anchor(turn, n)
            parts.append(
                f'<sup><a class="qa-cite" href="#{anchor}" data-target="{anchor}" '
                f'title="Show passage {n}">[{n}]</a></sup>'
            )
        else:
            parts.append(esc(match.group(0)))
        position = match.end()
    parts.append(esc(answer.text[position:]))
    return "".join(parts)


def conversation_html(turns: Sequence[Turn], suggestions: Sequence[str] = ()) -> str:
    """The chat; when empty, the questions suggested from the collection's documents (or none)."""
    if not turns:
        if not suggestions:
            return '<div class="qa-chat qa-empty">Ask a question about your documents.</div>'
        buttons = "".join(
            f'<button type="button" class="qa-suggest" data-question="{esc(q)}">{esc(q)}</button>'
            for q in suggestions
        )
        return (
            '<div class="qa-chat qa-empty">Ask a question about your documents, for example:'
            f'<div class="qa-suggestions">{buttons}</div></div>'
        )
    rows = []
    for i, t in enumerate(turns):
        rows.append(f'<div class="qa-msg qa-user">{esc(t.question)}</div>')
        rows.append(_reply_html(t, i))
    return f'<div class="qa-chat" aria-live="polite">{"".join(rows)}</div>'


def _reply_html(t: Turn, turn: int) -> str:
    if t.error:
        hints = "".join(f'<div class="qa-hint">{esc(h)}</div>' for h in t.hints)
        return (
            f'<div class="qa-msg qa-error" role="alert"><div class="qa-label">Error</div>'
            f"{esc(t.error)}{hints}</div>"
        )
    if t.answer is None:
        return f'<div class="qa-msg qa-bot qa-streaming">{esc(t.partial) or "…"}</div>'
    a = t.answer
    if a.refused:
        return (
            '<div class="qa-msg qa-refusal"><div class="qa-label">Not in the documents</div>'
            f"{esc(a.text)}</div>"
        )
    model = f'<div class="qa-model">answered by {esc(a.model)}</div>'
    return f'<div class="qa-msg qa-bot qa-answer">{answer_html(a, turn)}{model}</div>'


def passage_html(c: Citation) -> str:
    """The cited passage, escaped, with the supporting sentence (the quote) marked."""
    text = c.text
    start, end = c.quote_start - c.start, c.quote_end - c.start
    fits = (
        bool(c.quote) and c.quote_start >= 0 and end - start == len(c.quote) and start < len(text) and end > 0
    )
    if fits:  # the sentence may run past the passage (a chunk cut inside it): mark the part shown here
        shown_start, shown_end = max(start, 0), min(end, len(text))
        fits = text[shown_start:shown_end] == c.quote[shown_start - start : shown_end - start]
        start, end = shown_start, shown_end
    if not fits:  # offsets that do not fit the passage: find the sentence by its text
        found = text.find(c.quote) if c.quote else -1
        start, end = (found, found + len(c.quote)) if found >= 0 else (-1, -1)
    if start < 0:
        return esc(text)
    return f"{esc(text[:start])}<mark>{esc(text[start:end])}</mark>{esc(text[end:])}"


def where(c: Citation) -> str:
    """Page or heading, for the passage header."""
    if c.page:
        return f"page {c.page}"
    return c.heading or ""


def source_name(source: str) -> str:
    return os.path.basename(source) or source


def sources_html(turns: Sequence[Turn], root: str = "") -> str:
    """The cited passages of every answered turn, newest first; only the newest is open. Sources are named
    relative to `root`, the folder the collection's documents were indexed from."""
    groups = []
    newest = True
    for i in range(len(turns) - 1, -1, -1):
        t = turns[i]
        if t.answer is None:
            continue
        if t.answer.refused or not t.answer.citations:
            body = '<div class="qa-note">No passage supports an answer: nothing is cited.</div>'
        else:
            body = "".join(_citation_html(c, i, root) for c in t.answer.citations)
        open_attr = " open" if newest else ""
        newest = False
        groups.append(
            f'<details class="qa-turn"{open_attr}><summary>{esc(t.question)}</summary>{body}</details>'
        )
    if not groups:
        return '<div class="qa-sources qa-note">The passages cited by an answer appear here.</div>'
    return f'<div class="qa-sources">{"".join(groups)}</div>'


def _citation_html(c: Citation, turn: int, root: str = "") -> str:
    from ui.library import display_path

    place = where(c) or c.title
    place_html = f' <span class="qa-where">· {esc(place)}</span>' if place else ""
    copies = ", ".join(display_path(s, root) for s in c.also_in)
    also = f'<div class="qa-also">also in: {esc(copies)}</div>' if copies else ""
    return (
        f'<div class="qa-source" id="{source_anchor(turn, c.id)}">'
        f'<div class="qa-source-head"><span class="qa-num">[{c.id}]</span> '
        f'<span class="qa-name" title="{esc(c.source)}">{esc(display_path(c.source, root))}</span>{place_html}'
        f' <span class="qa-chars">chars {c.start}–{c.end}</span></div>{also}'
        f'<div class="qa-passage">{passage_html(c)}</div></div>'
    )


def index_report_html(report) -> str:
    """What an upload did: the summary, then each failed or skipped file by name with its reason."""
    rows = [f'<div class="qa-summary">{esc(report.summary())}</div>']
    for item in [*report.failed, *report.skipped]:
        rows.append(
            f'<div class="qa-failed"><b>{esc(source_name(item["source"]))}</b>: {esc(item["reason"])}</div>'
        )
    return f'<div class="qa-report">{"".join(rows)}</div>'


def failures_html(failures: Sequence[tuple[str, str]]) -> str:
    return "".join(
        f'<div class="qa-failed"><b>{esc(name)}</b>: {esc(reason)}</div>' for name, reason in failures
    )


def error_html(message: str) -> str:
    return f'<div class="qa-msg qa-error" role="alert"><div class="qa-label">Error</div>{esc(message)}</div>'


# Scoped to each gr.HTML component by Gradio (css_template): the look of messages and passages.
CSS = """
.qa-chat { display: flex; flex-direction: column; gap: 10px; min-height: 320px; }
.qa-empty { color: #666; padding: 12px; }
.qa-msg { padding: 10px 14px; border-radius: 10px; white-space: pre-wrap; overflow-wrap: anywhere; line-height: 1.5; max-width: 92%; }
.qa-suggestions { display: flex; flex-wrap: wrap; gap: 8px; margin-top: 10px; }
.qa-suggest { border: 1px solid #c3d4fb; background: #f5f8ff; color: #1a56db; border-radius: 16px; padding: 4px 12px; cursor: pointer; font: inherit; text-align: left; }
.qa-suggest:hover { background: #e8f0fe; }
.qa-user { align-self: flex-end; background: #e8f0fe; color: #111; }
.qa-bot { align-self: flex-start; background: #f4f4f5; color: #111; }
.qa-refusal { align-self: flex-start; background: #fff7e6; border: 1px dashed #d48806; color: #7c4a03; }
.qa-error { align-self: flex-start; background: #fdecea; border: 1px solid #d93025; color: #8c1d18; }
.qa-label { font-size: 0.75em; font-weight: 600; text-transform: uppercase; letter-spacing: 0.04em; }
.qa-refusal .qa-label { color: #7c4a03; }
.qa-error .qa-label, .qa-error .qa-hint { color: #8c1d18; }
.qa-hint { margin-top: 6px; font-size: 0.9em; }
.qa-model { font-size: 0.75em; color: #888; margin-top: 4px; }
.qa-cite { text-decoration: none; font-weight: 600; color: #1a56db; cursor: pointer; padding: 0 1px; }
.qa-sources { display: flex; flex-direction: column; gap: 8px; }
.qa-turn summary { cursor: pointer; font-weight: 600; padding: 4px 0; }
.qa-source { border: 1px solid #ddd; border-radius: 8px; padding: 8px 10px; margin: 6px 0; min-width: 0; overflow-wrap: anywhere; }
.qa-source.qa-active, .qa-source:target { border-color: #1a56db; box-shadow: 0 0 0 2px #c3d4fb; }
.qa-source-head { font-size: 0.85em; color: #555; margin-bottom: 4px; }
.qa-num { font-weight: 700; color: #1a56db; }
.qa-name { font-weight: 600; }
.qa-chars { color: #999; }
.qa-passage { white-space: pre-wrap; overflow-wrap: anywhere; font-size: 0.92em; line-height: 1.45; }
.qa-also { font-size: 0.8em; color: #666; margin-bottom: 4px; }
.qa-passage mark { background: #fff1a8; color: #111; padding: 0 1px; }
.qa-note { color: #666; }
.qa-failed { color: #8c1d18; }
.qa-docs-head { display: flex; gap: 10px; align-items: center; margin-bottom: 6px; }
.qa-docs-filter { flex: 1; padding: 4px 8px; border: 1px solid #ccc; border-radius: 6px; font: inherit; }
.qa-docs-count { color: #666; font-size: 0.85em; white-space: nowrap; }
.qa-docs-scroll { overflow-y: auto; border: 1px solid #eee; border-radius: 6px; }
.qa-docs { width: 100%; border-collapse: collapse; font-size: 0.9em; border: none !important; }
.qa-docs td { overflow-wrap: anywhere; }
.qa-docs tr { border: none !important; }
.qa-docs td, .qa-docs th { border: none !important; border-bottom: 1px solid #e5e5e5 !important; padding: 4px 6px; text-align: left; }
"""

# Footnote clicks: open the passage's group in the sources panel, mark it and scroll to it.
CITE_CLICK_JS = """
element.addEventListener('click', (event) => {
  const suggestion = event.target.closest('button.qa-suggest');
  if (suggestion) {  // a suggested question: put it in the question box and ask it
    const box = document.querySelector('#qa-question textarea');
    if (!box) return;
    box.value = suggestion.dataset.question;
    box.dispatchEvent(new Event('input', {bubbles: true}));
    setTimeout(() => document.querySelector('#qa-ask')?.click(), 50);
    return;
  }
  const link = event.target.closest('a.qa-cite');
  if (!link) return;
  event.preventDefault();
  const target = document.getElementById(link.dataset.target);
  if (!target) return;
  const group = target.closest('details');
  if (group) group.open = true;
  document.querySelectorAll('.qa-source.qa-active').forEach((x) => x.classList.remove('qa-active'));
  target.classList.add('qa-active');
  target.scrollIntoView({behavior: 'smooth', block: 'center'});
});
"""
