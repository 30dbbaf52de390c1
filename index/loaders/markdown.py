"""Markdown (CommonMark with GitHub tables): rendered to clean text with structure by markdown-it-py.

Emphasis markers, link syntax, images (badges) and inline HTML are left out; code spans keep their words; fenced
and indented code, tables and lists become blocks of their kind under the heading path in force.
"""

from __future__ import annotations

import re
from pathlib import Path

from index.document import Document
from index.errors import LoadError
from index.loaders import windows
from index.loaders.builder import DocumentBuilder
from index.loaders.files import read_text_file

_TAG = re.compile(r"<!--.*?-->|<[^>]*>", re.S)


def load_markdown(path: Path, max_bytes: int) -> Document:
    text = read_text_file(path, max_bytes)
    doc = parse_markdown(text, str(path))
    if not doc.text.strip():
        raise LoadError("no text in the Markdown file (only markup)")
    doc.title = doc.title or path.name
    return doc


def parse_markdown(text: str, source: str) -> Document:
    """A large source is parsed in windows (index/loaders/windows.py), one token list at a time, into one builder."""
    from markdown_it import MarkdownIt

    parser = MarkdownIt("commonmark").enable(["table", "strikethrough"])
    out = DocumentBuilder(source)
    for piece in windows.pieces(text, fences=True):
        _render(parser.parse(piece), out)
    return out.build()


def _render(tokens: list, out: DocumentBuilder) -> None:
    lists: list[list] = []  # per open list: [ordered, next number]
    items: list[str] = []  # marker of each open list item whose line is not written yet ("" once written)
    row: list[str] | None = None
    rows: list[list[str]] = []
    for i, token in enumerate(tokens):
        kind = token.type
        inline = tokens[i + 1] if i + 1 < len(tokens) and tokens[i + 1].type == "inline" else None
        if kind == "heading_open" and inline is not None:
            out.heading(inline_text(inline), int(token.tag[1]))
        elif kind == "paragraph_open" and inline is not None and row is None:
            said = inline_text(inline)
            if items and items[-1]:
                out.list_item(said, items[-1], len(lists) - 1)
                items[-1] = ""
            else:
                out.prose(said)
        elif kind in ("fence", "code_block"):
            out.code(token.content)
        elif kind == "html_block":
            out.prose(_TAG.sub(" ", token.content))
        elif kind in ("bullet_list_open", "ordered_list_open"):
            start = token.attrGet("start")
            lists.append([kind == "ordered_list_open", int(start) if start is not None else 1])
        elif kind in ("bullet_list_close", "ordered_list_close") and lists:
            lists.pop()
        elif kind == "list_item_open":
            marker = "-"
            if lists and lists[-1][0]:
                marker = f"{lists[-1][1]}."
                lists[-1][1] += 1
            items.append(marker)
        elif kind == "list_item_close" and items:
            items.pop()
        elif kind == "table_open":
            rows = []
        elif kind == "tr_open":
            row = []
        elif kind in ("th_open", "td_open") and row is not None:
            row.append(inline_text(inline) if inline is not None else "")
        elif kind == "tr_close" and row is not None:
            rows.append(row)
            row = None
        elif kind == "table_close":
            out.table(rows)


def inline_text(token) -> str:
    """The words of an inline token: text and code spans; markers, images and inline HTML left out."""
    parts: list[str] = []
    for child in token.children or []:  # an image's alt text sits inside the image token: left out
        if child.type in ("text", "code_inline"):
            parts.append(child.content)
        elif child.type in ("softbreak", "hardbreak"):
            parts.append(" ")
    return "".join(parts)
