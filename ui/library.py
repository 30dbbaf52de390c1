"""What the page shows about a collection's documents: each path relative to what was indexed (so that
library/x.rst and tutorial/x.rst differ), the searchable list of documents, and questions suggested from
the documents' own titles."""

from __future__ import annotations

import os
import re
from collections.abc import Sequence
from dataclasses import dataclass

from ui.render import esc

SUGGESTIONS = 3
DOCS_SHOWN_HEIGHT = 360  # px: the documents list scrolls beyond this


@dataclass(frozen=True)
class Library:
    """The documents of a collection as the page names them."""

    root: str  # the folder every indexed source lies under ("" when there are none)
    items: tuple  # qa.SourceInfo, fully indexed only

    @classmethod
    def of(cls, items: Sequence) -> Library:
        done = tuple(i for i in items if i.state == "done")  # a pending source is not a document yet
        return cls(common_root([i.source for i in done]), done)

    def path(self, source: str) -> str:
        return display_path(source, self.root)


def common_root(sources: Sequence[str]) -> str:
    """The deepest folder holding every source."""
    folders = [os.path.dirname(s) for s in sources if os.path.isabs(s)]
    if not folders:
        return ""
    try:
        return os.path.commonpath(folders)
    except ValueError:  # different drives
        return ""


def display_path(source: str, root: str) -> str:
    """`source` relative to `root` (library/functions.rst), or its file name when it is outside it."""
    if root and source.startswith(root.rstrip(os.sep) + os.sep):
        return os.path.relpath(source, root)
    return os.path.basename(source) or source


_WORDS = re.compile(r"[A-Za-z][A-Za-z'’-]+")


def suggested_questions(library: Library, n: int = SUGGESTIONS) -> list[str]:
    """Questions about the documents' own titles (a title that is just the file name does not count),
    spread over the collection; none when no document has a real title."""
    titles: list[str] = []
    for item in library.items:
        title = " ".join(str(item.title or "").split())
        stem = os.path.splitext(os.path.basename(item.source))[0]
        if not _is_real_title(title, stem) or title.lower() in (t.lower() for t in titles):
            continue
        titles.append(title)
    if len(titles) > n:  # spread over the list rather than the first few of one folder
        titles = [titles[i * len(titles) // n] for i in range(n)]
    return [f"What does “{t}” cover?" for t in titles[:n]]


def _is_real_title(title: str, stem: str) -> bool:
    if not 3 <= len(title) <= 80:
        return False
    plain = re.sub(r"[\s_.-]+", " ", title).strip().lower()
    if plain == re.sub(r"[\s_.-]+", " ", stem).strip().lower():
        return False  # made from the file name by the loader
    return len(_WORDS.findall(title)) >= 1


def documents_html(library: Library, collection: str) -> str:
    """The documents list: a search box, then a table that scrolls when the collection is large."""
    items = library.items
    if not items:
        return (
            f'<div class="qa-note">Nothing indexed in collection <b>{esc(collection)}</b> yet: '
            "upload files above, or run <code>qa index PATH</code>.</div>"
        )
    rows = "".join(
        f'<tr><td title="{esc(i.source)}">{esc(library.path(i.source))}</td>'
        f"<td>{esc(i.title)}</td><td>{i.chunks}</td></tr>"
        for i in items
    )
    where = f" under <code>{esc(library.root)}</code>" if library.root else ""
    count = f"{len(items)} document{'s' if len(items) != 1 else ''}{where}"
    return (
        f'<div class="qa-docs-head"><input class="qa-docs-filter" type="search" '
        f'placeholder="Filter documents by path or title" aria-label="Filter documents">'
        f'<span class="qa-docs-count" data-total="{len(items)}">{count}</span></div>'
        f'<div class="qa-docs-scroll" style="max-height: {DOCS_SHOWN_HEIGHT}px">'
        f'<table class="qa-docs"><thead><tr><th>document</th><th>title</th><th>chunks</th></tr></thead>'
        f"<tbody>{rows}</tbody></table></div>"
    )


# The documents list: typing in the filter hides the rows that do not match.
DOCS_FILTER_JS = """
element.addEventListener('input', (event) => {
  if (!event.target.matches('.qa-docs-filter')) return;
  const words = event.target.value.toLowerCase().split(/\\s+/).filter(Boolean);
  let shown = 0;
  element.querySelectorAll('.qa-docs tbody tr').forEach((row) => {
    const text = row.textContent.toLowerCase();
    const match = words.every((w) => text.includes(w));
    row.style.display = match ? '' : 'none';
    if (match) shown += 1;
  });
  const count = element.querySelector('.qa-docs-count');
  if (!count) return;
  if (count.dataset.all === undefined) count.dataset.all = count.textContent;
  count.textContent = words.length ? `${shown} of ${count.dataset.total} documents` : count.dataset.all;
});
"""
