"""Sentence spans: where sentences start and end in a text, as character offsets.

Used to cut chunks on sentence boundaries and by the extractive answerer to pick sentences.

Text is read line by line first, then paragraph by paragraph. Documentation is hard-wrapped near 80 columns, so a
single line break inside a paragraph is not a sentence end; a blank line is. List items, table rows, code lines,
headings and heading underlines are units of their own. Inside a paragraph a sentence ends at `.`, `!` or `?`
followed by whitespace, unless the word before is an abbreviation ("e.g.", "Mr.") or the next word starts in lower
case ("3 p.m. today"). Dots inside a token ("3.11", "os.path.join()") are never followed by whitespace, so never
end a sentence. One pass over the text with bounded look-back: linear time.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import NamedTuple


class Unit(NamedTuple):
    """A sentence or a line-sized unit of text: text[start:end], whitespace trimmed."""

    start: int
    end: int
    kind: str  # "prose", "list", "table", "code" or "heading"


# A list item: a bullet, "1." / "1)" / "(1)" / "(a)" and a space, then text.
_LIST_ITEM = re.compile(r"[ \t]*(?:[-*+•‣◦▪–]|\d{1,3}[.)]|\((?:\d{1,3}|[a-z])\))[ \t]+\S")
_RULE = re.compile(r"[ \t]*([=\-~^*#+_`:.'\"])\1{2,}[ \t]*")  # a heading underline or a horizontal rule
_GRID = re.compile(r"[ \t]*\+[-=+]{3,}\+?[ \t]*")  # an RST grid-table border
# The last mark of a run ("...", "?!") with its closing quotes or brackets, then whitespace. Matching the run
# itself ([.!?…]+) backtracked through every suffix of a long run of dots: quadratic time.
_SENTENCE_END = re.compile(r"""[.!?…](?=["'”’)\]]*\s)""")
_CLOSERS = "\"'”’)]"
_WORD_BEFORE = re.compile(r"[\w.]{1,20}$")
_NO_HEADING_END = ".,;:!?-–—([{"
# Lines starting otherwise are plain text (or a table row, which holds " | "): no pattern needs trying.
_SPECIAL_STARTS = frozenset(" \t-*+•‣◦▪–(0123456789|>=~^#_`:.'\"\r\n\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029")

_ABBREVIATIONS = frozenset(
    [
        "mr",
        "mrs",
        "ms",
        "dr",
        "prof",
        "sr",
        "jr",
        "st",
        "vs",
        "e.g",
        "i.e",
        "cf",
        "al",
        "approx",
        "no",
        "nos",
        "fig",
        "figs",
        "eq",
        "eqs",
        "ch",
        "sec",
        "vol",
        "pp",
        "op",
        "cit",
        "ca",
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
        "mt",
        "ft",
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
        "etc.al",
        "viz",
        "resp",
        "esp",
        "incl",
    ]
)


def sentence_spans(text: str, start: int = 0, end: int | None = None) -> list[tuple[int, int]]:
    """Spans (start, end) of the sentences in text[start:end], whitespace trimmed, none empty."""
    return [(u.start, u.end) for u in sentence_units(text, start, end)]


def sentence_units(
    text: str, start: int = 0, end: int | None = None, blocks: tuple[tuple[int, int, str], ...] = ()
) -> list[Unit]:
    """The sentences and line units of text[start:end], in order, each with its kind.

    Kinds are read from the text's layout; pass a chunk's `blocks` ((start, end, kind) into `text`, from the
    loader) to get the loader's kinds instead: it knows a heading from a one-line paragraph."""
    end = len(text) if end is None else end
    if blocks:
        return _with_block_kinds(sentence_units(text, start, end), blocks)
    units: list[Unit] = []
    lines = _raw_lines(text, start, end)
    group_start = group_end = -1  # the paragraph or list item being gathered
    group_kind = "prose"
    previous = "blank"  # the kind of the previous line
    ls = start
    upcoming = next(lines, None)
    while upcoming is not None:
        raw, upcoming = upcoming, next(lines, None)
        line = raw.rstrip("\r\n")
        le = ls + len(line)
        kind = _line_kind(line, previous)
        if kind == "text" and group_start >= 0 and previous in ("list", "text"):
            group_end = le  # a wrapped line continues its paragraph or list item
        else:
            if group_start >= 0:
                _split_paragraph(text, group_start, group_end, group_kind, units)
                group_start = -1
            if kind == "list":
                group_start, group_end, group_kind = ls, le, "list"
            elif kind == "text":
                if upcoming is not None and _looks_like_heading(line, upcoming.rstrip("\r\n")):
                    _append(text, ls, le, "heading", units)
                    kind = "heading"
                else:
                    group_start, group_end, group_kind = ls, le, "prose"
            elif kind != "blank":  # code, table, rule: one unit per line
                _append(text, ls, le, "heading" if kind == "rule" else kind, units)
        previous = kind
        ls += len(raw)
    if group_start >= 0:
        _split_paragraph(text, group_start, group_end, group_kind, units)
    return units


def _with_block_kinds(units: list[Unit], blocks: tuple[tuple[int, int, str], ...]) -> list[Unit]:
    kinds: list[Unit] = []
    i = 0
    for unit in units:  # both in reading order: one pass
        while i < len(blocks) and blocks[i][1] <= unit.start:
            i += 1
        inside = i < len(blocks) and blocks[i][0] <= unit.start
        kinds.append(unit._replace(kind=blocks[i][2]) if inside else unit)
    return kinds


# A line and its line break, as str.splitlines(keepends=True) cuts them.
_BREAKS = "\n\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029"
_LINE = re.compile(f"[^{_BREAKS}]*(?:\r\n|[{_BREAKS}])?")


def _raw_lines(text: str, start: int, end: int) -> Iterator[str]:
    """The lines of text[start:end] one at a time: a list of them all took ~50 bytes per line of memory."""
    position = start
    while position < end:
        line = _LINE.match(text, position, end)
        yield line.group()
        position = line.end()


def _line_kind(line: str, previous: str) -> str:
    first = line[:1]
    if first and first not in _SPECIAL_STARTS and " | " not in line:
        return "text"  # the common case, decided without a regular expression
    stripped = line.strip()
    if not stripped:
        return "blank"
    if stripped.startswith((">>> ", "... ")) and previous in ("blank", "code", "heading"):
        return "code"
    indent = len(line[: len(line) - len(line.lstrip(" \t"))].expandtabs(4))
    if indent >= 4 and previous in ("blank", "code"):
        return (
            "code"  # as in Markdown: an indented block after a blank line; inside a paragraph it is wrapping
        )
    if _LIST_ITEM.match(line):
        return "list"
    if _RULE.fullmatch(line) or _GRID.fullmatch(line):
        return "rule"
    if stripped.startswith("|") or " | " in stripped:
        return "table"
    return "text"


def _looks_like_heading(line: str, nxt_line: str) -> bool:
    """A heading line in plain text: underlined, or short, unpunctuated and followed by a capitalised line."""
    if _RULE.fullmatch(nxt_line) and nxt_line.strip()[0] in "=-~^*#+_":
        return True
    line = line.strip()
    following = nxt_line.strip()
    return (
        bool(line)  # a line of Unicode whitespace only ("\xa0\x1e"): not blank to _line_kind, yet empty
        and len(line) <= 60
        and len(line.split()) <= 10
        and line[-1] not in _NO_HEADING_END
        and bool(following)
        and (following[0].isupper() or following[0].isdigit())
        and len(following) > len(line) * 1.3
        and not _LIST_ITEM.match(nxt_line)
    )


def _split_paragraph(text: str, start: int, end: int, kind: str, units: list[Unit]) -> None:
    cursor = start
    for match in _SENTENCE_END.finditer(text, start, end):
        stop = match.end()
        while stop < end and text[stop] in _CLOSERS:
            stop += 1
        nxt = stop
        while nxt < end and text[nxt].isspace():
            nxt += 1
        if nxt >= end:
            break
        if text[nxt].islower() or _is_abbreviation(text, match.start(), cursor):
            continue
        _append(text, cursor, stop, kind, units)
        cursor = nxt
    _append(text, cursor, end, kind, units)


def _is_abbreviation(text: str, dot: int, floor: int) -> bool:
    """Whether the full stop at `dot` closes an abbreviation or an initial ("e.g.", "Mr.", "J.")."""
    if text[dot] != ".":
        return False
    word = _WORD_BEFORE.search(text, max(floor, dot - 20), dot)
    if word is None:
        return False
    token = word.group(0).lower().strip(".")
    return token in _ABBREVIATIONS or (len(token) == 1 and token.isalpha())


def _append(text: str, start: int, end: int, kind: str, units: list[Unit]) -> None:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    if end > start:
        units.append(Unit(start, end, kind))
