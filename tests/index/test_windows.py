"""Large RST and Markdown sources are parsed in windows (index/loaders/windows.py): where the cuts fall, and that a
document parsed in windows reads as it does parsed whole (text, blocks, section paths across windows).

The window sizes are made small here so that small sources take the windowed path."""

from __future__ import annotations

import pytest

from index.loaders import windows
from index.loaders.markdown import parse_markdown
from index.loaders.rst import parse_rst


@pytest.fixture
def small_windows(monkeypatch):
    monkeypatch.setattr(windows, "WHOLE_CHARS", 4_000)
    monkeypatch.setattr(windows, "WHOLE_LINES", 400)
    monkeypatch.setattr(windows, "WINDOW_CHARS", 1_000)
    monkeypatch.setattr(windows, "WINDOW_LINES", 60)
    monkeypatch.setattr(windows, "LINE_CHARS", 500)


def _whole(monkeypatch):
    monkeypatch.setattr(windows, "WHOLE_CHARS", 10**9)
    monkeypatch.setattr(windows, "WHOLE_LINES", 10**9)


def _rows(doc):
    return [(doc.section_at(b.start).heading, b.kind, doc.text[b.start : b.end]) for b in doc.blocks]


def test_a_normal_source_is_one_piece():
    text = "Title\n=====\n\nSome text.\n" * 100
    assert list(windows.pieces(text)) == [text]


def test_cuts_fall_before_a_block_at_column_0(small_windows):
    text = "".join(f"Para {i} line one\n   indented {i}\nmore\n\n" for i in range(300))
    pieces = list(windows.pieces(text))
    assert len(pieces) > 5 and "".join(pieces) == text
    for piece, following in zip(pieces, pieces[1:]):
        assert len(piece) <= 1_000 and piece.count("\n") <= 60
        assert piece.endswith("\n\n") and following.startswith("Para ")


def test_without_blank_lines_a_line_then_a_space_then_anything(small_windows):
    lines = list(windows.pieces("* a\n" * 2_000))
    assert all(p.endswith("\n") and p.startswith("* a") for p in lines) and len(lines) == 2_000 // 60 + 1
    words = list(windows.pieces("*a _b " * 2_000))
    assert "".join(words) == "*a _b " * 2_000 and all(len(p) <= 500 and p.endswith(" ") for p in words[:-1])
    solid = list(windows.pieces("[a](" * 2_000))
    assert [len(p) for p in solid] == [500] * 14 + [1_000] and "".join(solid) == "[a](" * 2_000
    assert "".join(windows.pieces("a\r" * 3_000)) == "a\n" * 3_000  # a lone CR is a line break


def test_markdown_fences_are_not_cut_and_a_long_one_is_reopened(small_windows):
    fenced = "```python\nx = 1\n\ny = 2\n```\n\n"  # a blank line then column 0 inside: not a cut
    text = "".join(f"Para {i}.\n\n{fenced}" for i in range(200))
    for piece in windows.pieces(text, fences=True):
        assert piece.count("```") % 2 == 0
    long_code = "Intro.\n\n~~~\n" + "code line\n\nx\n" * 200 + "~~~\n\nAfter.\n" + "\nend\n" * 1_500
    pieces = list(windows.pieces(long_code, fences=True))
    assert pieces[1].startswith("~~~\n")
    doc = parse_markdown(long_code, "x.md")
    code = [text for _, kind, text in _rows(doc) if kind == "code"]
    assert "".join(code).count("code line") == 200 and "After." not in "".join(code)


RST = """\
*****
Guide
*****

Intro of the guide, with a :func:`spam` role.

.. module:: spam

{body}
"""


def _rst_body() -> str:
    parts = []
    for i in range(12):
        parts.append(f"Chapter {i}\n=========\n\n" + "Chapter text goes here.\n\n" * 6)
        for j in range(3):
            parts.append(
                f"Part {i}.{j}\n--------\n\n" + "* item one\n* item two\n\n" + "A paragraph.\n\n" * 3
            )
            parts.append(f"Detail {i}.{j}\n~~~~~~~~~~\n\n.. function:: eggs{i}{j}(x)\n\n   Eggs.\n\n")
            parts.append("::\n\n" + "   literal line\n" * 4 + "\nText after it.\n\n")
    return "".join(parts)


def test_rst_sections_keep_their_paths_across_windows(small_windows, monkeypatch):
    text = RST.format(body=_rst_body())
    assert len(list(windows.pieces(text))) > 10
    windowed = parse_rst(text, "guide.rst")
    _whole(monkeypatch)
    whole = parse_rst(text, "guide.rst")
    assert windowed.text == whole.text
    assert _rows(windowed) == _rows(whole)
    headings = {h for h, _, _ in _rows(whole)}
    assert "Guide > Chapter 11 > Part 11.2 > Detail 11.2 > spam.eggs112" in headings  # the module carries too


def test_markdown_parsed_in_windows_reads_as_whole(small_windows, monkeypatch):
    text = "".join(
        f"# Chapter {i}\n\nSome *text* here.\n\n## Part {i}\n\n- one\n- two\n\n```\ncode\n\nmore\n```\n\n"
        for i in range(80)
    )
    windowed = parse_markdown(text, "x.md")
    _whole(monkeypatch)
    whole = parse_markdown(text, "x.md")
    assert windowed.text == whole.text and _rows(windowed) == _rows(whole)
    assert ("Chapter 79 > Part 79", "code", "    code\n\n    more") in _rows(whole)


def test_a_huge_list_is_several_blocks_of_bounded_size():
    from index.loaders.builder import DocumentBuilder

    out = DocumentBuilder("x.md")
    for _ in range(30_000):
        out.list_item("item")
    doc = out.build()
    assert len(doc.blocks) > 2 and all(b.end - b.start <= 64_010 and b.kind == "list" for b in doc.blocks)
    assert doc.text.replace("\n\n", "\n") == "\n".join(["- item"] * 30_000)
