"""Cutting a large source into pieces a parser takes one at a time, so the parser's whole-document objects
(docutils' doctree, markdown-it's token list) stay bounded whatever the file's shape.

A source within WHOLE_CHARS, WHOLE_LINES and LINE_CHARS is one piece: every real document we have (the
largest Python docs page is 212 KB in 5,642 lines) parses whole, exactly as before. A larger one is cut into
pieces of at most WINDOW_CHARS characters and WINDOW_LINES lines, each cut at the best boundary its window offers:
1. a blank line followed by a line at column 0: every indented RST block, Markdown list item and quote has ended
   there (outside a Markdown fenced code block: a line scan of the window tracks fences);
2. else a line break; 3. else whitespace within LINE_CHARS; 4. else at LINE_CHARS (input without whitespace).
One scan per window, over that window: linear in the source.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

WHOLE_CHARS = 256_000
WHOLE_LINES = 8_000
LINE_CHARS = 10_000  # docutils refuses longer lines by default: a longer one is hostile, and cut to this
WINDOW_CHARS = 64_000
WINDOW_LINES = 3_000

_BLOCK_START = re.compile(r"\n[ \t]*\n(?=\S)")  # a cut at its end starts a block at column 0
_FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})([^\n]*)$", re.M)


def is_whole(text: str) -> bool:
    if len(text) > WHOLE_CHARS or text.count("\n") + text.count("\r") > WHOLE_LINES:
        return False
    return max(map(len, text.splitlines()), default=0) <= LINE_CHARS


def pieces(text: str, fences: bool = False) -> Iterator[str]:
    """The pieces to parse one after the other. Joined they are the text (line breaks made "\\n"), except that a
    piece cut inside a fenced code block (`fences`: Markdown) reopens the fence, so code stays code."""
    if is_whole(text):
        yield text
        return
    text = text.replace("\r\n", "\n").replace("\r", "\n")  # both parsers read a lone CR as a line break
    start, fence = 0, ""
    while True:
        limit = _limit(text, start)
        if limit >= len(text):
            yield fence + text[start:]
            return
        end, open_fence = _cut(text, start, limit, fence if fences else None)
        yield fence + text[start:end]
        start, fence = end, (open_fence + "\n" if open_fence else "")


def _limit(text: str, start: int) -> int:
    """The end of the window from start: WINDOW_CHARS characters or WINDOW_LINES lines, whichever is shorter."""
    limit = min(start + WINDOW_CHARS, len(text))
    line_end = start
    for _ in range(WINDOW_LINES):
        line_end = text.find("\n", line_end, limit) + 1
        if not line_end:
            return limit
    return line_end


def _cut(text: str, start: int, limit: int, fence: str | None) -> tuple[int, str]:
    """(where to end the piece text[start:limit], the fence marker open there or ""); fence is the one open at
    start ("" none), None when fences are not tracked."""
    toggles: list[tuple[int, str]] = []  # (line start, fence open after it) in the window
    if fence is not None:
        opened = fence.strip()
        for m in _FENCE.finditer(text, start, limit):
            marker, rest = m.group(1), m.group(2)
            if not opened:
                if not (marker[0] == "`" and "`" in rest):  # an info string never holds a backtick
                    opened = marker
            elif marker[0] == opened[0] and len(marker) >= len(opened) and not rest.strip():
                opened = ""
            else:
                continue
            toggles.append((m.start(), opened))

    def fence_at(position: int, i: int = 0, state: str = fence.strip() if fence else "") -> tuple[str, int]:
        """The fence open at position, walking the toggles on from the i-th (state: the one open before it)."""
        while i < len(toggles) and toggles[i][0] < position:
            state = toggles[i][1]
            i += 1
        return state, i

    best, i, state = 0, 0, fence.strip() if fence else ""
    for m in _BLOCK_START.finditer(text, start, limit):
        state, i = fence_at(m.end(), i, state)
        if m.end() > start and not state:
            best = m.end()
    if not best:
        best = text.rfind("\n", start, limit) + 1
    if best <= start:  # one long line: pieces of a line's size (the parsers are slow on long lines)
        limit = min(limit, start + LINE_CHARS)
        best = max(text.rfind(" ", start, limit), text.rfind("\t", start, limit)) + 1
    if best <= start:
        best = limit
    return best, fence_at(best)[0] if fence is not None else ""
