"""Sentence spans: where sentences start and end in a text, as character offsets.

Used to cut chunks on sentence boundaries and by the extractive answerer to pick sentences.
"""

from __future__ import annotations

import re

# Sentence ends: terminal punctuation (optionally followed by closing quotes/brackets) and whitespace,
# or a blank line (paragraph break), or a single line break (lists, headings, one-sentence-a-line text).
_BOUNDARY = re.compile(r"""(?<=[.!?])["'”’)\]]*\s+|\n\s*""")
_ABBREVIATIONS = {
    "mr",
    "mrs",
    "ms",
    "dr",
    "prof",
    "sr",
    "jr",
    "st",
    "vs",
    "etc",
    "e.g",
    "i.e",
    "no",
    "fig",
    "inc",
    "ltd",
    "co",
    "corp",
    "gen",
    "gov",
    "sen",
    "rep",
    "rev",
    "col",
    "lt",
    "sgt",
    "capt",
    "jan",
    "feb",
    "mar",
    "apr",
    "jun",
    "jul",
    "aug",
    "sep",
    "sept",
    "oct",
    "nov",
    "dec",
    "u.s",
    "u.k",
    "a.m",
    "p.m",
    "approx",
    "cf",
    "al",
}
_LAST_WORD = re.compile(r"([\w.]+)\.$")


def sentence_spans(text: str, start: int = 0, end: int | None = None) -> list[tuple[int, int]]:
    """Spans (start, end) of the sentences in text[start:end], whitespace trimmed, none empty."""
    end = len(text) if end is None else end
    spans: list[tuple[int, int]] = []
    cursor = start
    for match in _BOUNDARY.finditer(text, start, end):
        piece_end = match.start()
        # "Mr. Trump", "U.S. forces", "3.5": not sentence ends.
        if "\n" not in match.group(0):
            last = _LAST_WORD.search(text, cursor, match.start())
            word = last.group(1).lower() if last else ""
            if word in _ABBREVIATIONS or (len(word) == 1 and word.isalpha()):
                continue
            nxt = match.end()
            if nxt < end and text[nxt].islower():
                continue
        # Closing quotes and brackets belong to the sentence they close.
        piece_end = match.start() + len(match.group(0).rstrip())
        _append(text, cursor, piece_end, spans)
        cursor = match.end()
    _append(text, cursor, end, spans)
    return spans


def _append(text: str, start: int, end: int, spans: list[tuple[int, int]]) -> None:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    if end > start:
        spans.append((start, end))
