"""Citation markers, the one place that knows what they look like.

- `MARKER`: every way a model writes one: [1]  [1, 2]  [1,2 and 3]  [1-3]  [Document 2]  [doc 1; 3]
  (group 1: the numbers). The citation check (qa/cite.py) parses these and rewrites the kept ones as `[n]`.
- `CITED`: a marker as a checked answer writes it, `[n]` (group 1: n): what the page links and what streaming
  waits for.
- `strip_markers`: the text without markers, for counting words, comparing with gold answers, and history.
"""

from __future__ import annotations

import re

MARKER = re.compile(
    r"\[\s*(?:(?:documents?|docs?|sources?|passages?)\s*)?"
    r"(\d+(?:\s*(?:[-–,;]|\band\b)\s*\d+)*)\s*\]",
    re.IGNORECASE,
)
CITED = re.compile(r"\[(\d+)\]")


def strip_markers(text: str) -> str:
    """ "Waltz is the adviser [1]." -> "Waltz is the adviser." (no space left before punctuation)."""
    return re.sub(r"\s+([.,;:!?])", r"\1", MARKER.sub("", text)).strip()
