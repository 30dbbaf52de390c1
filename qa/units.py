"""Answer units: the sentences, list items, table rows, code lines and headings of a passage, each with its kind.

The extractive answerer answers with prose sentences, list items and table rows; a signature, heading,
code line or lead-in ("... in the following table:") is never an answer on its own, but it tells what the
units after it are about (the definition after `str.partition(sep)` is about str.partition). Documentation is
hard-wrapped, so a single line break inside a paragraph does not end a sentence here.

Kinds are recognised from the text itself (reStructuredText, Markdown, HTML-extracted and plain text all
reach this point), so the answerer works on any chunk, whatever loader produced it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from index.sentences import sentence_spans

ANSWER_KINDS = ("prose", "list", "row")  # what may be an answer; "code" too when the question asks for code

_UNDERLINE = re.compile(r"^\s*([=\-~^\"'`#*+.:_])\1{2,}\s*$")  # RST heading underline / overline
_MD_HEADING = re.compile(r"^\s{0,3}#{1,6}\s")
_DIRECTIVE = re.compile(r"^\s*\.\.\s+([\w:-]+)::(.*)$")  # .. function:: dump(obj)   .. note::
_RST_TARGET = re.compile(r"^\s*\.\.\s+(_[^:]*:|\|[^|]+\||\[[^\]]*\]|$)")  # .. _label:   .. |x|   ..
_FENCE = re.compile(r"^\s*(```|~~~)")
_CODE_LINE = re.compile(r"^\s*(>>>|\.\.\.\s|\$ |% |#!|[{}\[\]();]+\s*$)")
_SIGNATURE = re.compile(
    r"^\s*@?(?:(?:class|def|async def|exception|function|method|classmethod|staticmethod|attribute|data)\s+)?"
    r"[A-Za-z_][\w.]*\((?:[^.]|\.(?!\s))*(?:\)|\\|,)\s*(?:->\s*\S+)?\s*[¶#]?\s*$"
)
# "class logging.Handler", "exception json.JSONDecodeError(msg, doc, pos)", "logging.DEBUG": rendered
# object descriptions (the docutils/Sphinx loaders write these where the source had a directive)
_OBJECT_LINE = re.compile(
    r"^\s*(?:(?:class|exception|data|attribute|method|function|classmethod|staticmethod|property|"
    r"abstractmethod|async|coroutine|awaitable|decorator|opcode)\s+)+[A-Za-z_][\w.]*(?:\(.*\))?"
    r"(?:\s*->\s*\S+)?\s*$|^\s*[A-Za-z_]\w*(?:\.\w+)+\s*$"
)
_SIMPLE_BORDER = re.compile(r"^\s*=+(\s+=+)*\s*$")
_LIST_MARKER = re.compile(r"^\s*(?:[-*+•]|\d+[.)]|#\.|[a-z][.)])\s+")
_LIST_ITEM = re.compile(r"^\s*(?:[-*+•]|\d+[.)]|#\.|[a-z][.)])\s+\S")
_TABLE_BORDER = re.compile(r"^\s*(?:\+[-=+]+\+|[=\s]{3,}|\|?\s*:?-{3,}:?\s*(?:\|\s*:?-{3,}:?\s*)*\|?)\s*$")
# "See also printerr (p. 127).", "See Section 4.2.": a pointer elsewhere, not an answer
_CROSS_REFERENCE = re.compile(r"^\W*see\b(?:\s+also\b)?", re.I)
_CROSS_REFERENCE_MAX_WORDS = 12
_LEAD_IN = re.compile(
    r"(:|\bthe following( \w+){0,3}( table| example| list| code)?\.?|\bas follows\.?|\bbelow\.?)\s*$"
    r"|\bfollowing (table|example|list)\b|\bfor example\s*[:,]?\s*$",
    re.I,
)
_HEADING_MAX_WORDS = 10
# The term of a definition list of options: "-n", "--dry-run", "-e <pattern>", "‘-i, --case-insensitive’"
_OPTION_TERM = re.compile(
    r"^[‘'\"`]?--?[A-Za-z0-9][\w-]*(?:[= ]?<?[\w.-]+>?)?(?:,\s*\S+(?:\s+\S+)?)*[’'\"`]?$"
)
_TERM_MAX_WORDS = 5
_FRAGMENT_MAX_WORDS = 3  # a "sentence" this short without an end ("SQLite Autoincrement") is a title


@dataclass(frozen=True)
class Unit:
    start: int  # offsets into the passage text
    end: int
    kind: str  # prose, list, row, code, heading, signature, leadin, markup
    context: str = ""  # the heading or signature the unit sits under
    header: str = ""  # for a table row: the table's header row


def passage_units(text: str, section_path: str = "") -> list[Unit]:
    """The units of a passage, in reading order. `section_path` ("json > Basic Usage"): a line alone that
    names one of its sections is that section's heading, whatever its case ("typer-slim")."""
    units: list[Unit] = []
    context = ""  # the last heading or signature seen
    header = ""  # the header row of the table being read
    sections = {clean_markup(s).lower() for s in section_path.split(" > ") if s.strip()}
    for kind, start, end in _blocks(text, sections):
        if kind in ("heading", "signature"):
            follows_term = kind == "signature" and units and units[-1].kind == "signature"
            units.append(Unit(start, end, kind, context))
            # "-n" then "--dry-run": the definition below is about both names
            context = f"{context} / {text[start:end]}" if follows_term else text[start:end]
            continue
        if kind == "row":
            if not header:
                header = text[start:end]
                units.append(Unit(start, end, "heading", context))  # a header row answers nothing
                continue
            units.append(Unit(start, end, kind, context, header))
            continue
        if kind == "markup":  # table borders keep the table's header
            units.append(Unit(start, end, kind, context))
            continue
        header = ""
        if kind == "prose":
            flat = text[start:end].replace("\n", " ")  # same length: offsets stay exact
            for s, e in sentence_spans(flat):
                sentence = flat[s:e]
                sub_kind = "leadin" if _not_an_answer(sentence) else "prose"
                if len(sentence.split()) <= _FRAGMENT_MAX_WORDS and not sentence.rstrip().endswith(_ENDS):
                    sub_kind = "heading"
                units.append(Unit(start + s, start + e, sub_kind, context))
        else:
            units.append(Unit(start, end, kind, context))
    return units


_ENDS = (".", "!", "?", ")", '"', "”", ":", ";")


def _not_an_answer(sentence: str) -> bool:
    """A lead-in ("... as follows:"), a question (an FAQ's, a tutorial's) or a bare cross-reference."""
    stripped = sentence.strip()
    return bool(
        _LEAD_IN.search(stripped)
        or stripped.endswith("?")
        or (_CROSS_REFERENCE.match(stripped) and len(stripped.split()) <= _CROSS_REFERENCE_MAX_WORDS)
    )


def _is_signature(line: str) -> bool:
    """`f(x)`, `class logging.Handler`, or several of them joined by " / " (one heading per overload)."""
    return all(_SIGNATURE.match(part) or _OBJECT_LINE.match(part) for part in line.split(" / "))


def _blocks(text: str, sections: set[str] = frozenset()):
    """(kind, start, end) per structural block: prose paragraphs whole, other kinds line by line."""
    lines = _lines(text)
    i = 0
    in_fence = False
    literal_indent: int | None = None  # inside an RST literal block ("::" then an indented block)
    in_code = False  # the previous line was code
    grid = False  # inside a grid table ("+----+----+" borders)
    simple_table = False  # between the borders of an RST simple table ("=====  =====")
    paragraph: list[tuple[int, int]] = []
    # the last text line ended with ":" ("For example:"), or the passage starts: an indented block next is code
    introduced = True

    def flush():
        if paragraph:
            yield "prose", paragraph[0][0], paragraph[-1][1]
            paragraph.clear()

    while i < len(lines):
        start, end = lines[i]
        line = text[start:end]
        stripped = line.strip()
        indent = len(line) - len(line.lstrip())
        last = i + 1 == len(lines)
        nxt = "" if last else text[lines[i + 1][0] : lines[i + 1][1]]
        i += 1
        if literal_indent is not None:
            if not stripped or indent > literal_indent:
                if stripped:
                    yield "code", start + indent, end
                continue
            literal_indent = None
        if _FENCE.match(line):
            yield from flush()
            in_fence = not in_fence
            yield "markup", start + indent, end
            continue
        if in_fence:
            if stripped:
                yield "code", start + indent, end
            continue
        if not stripped:
            yield from flush()
            grid = False
            continue
        was_introduced, introduced = introduced, stripped.endswith(":")
        if _SIMPLE_BORDER.match(line) and (simple_table or not paragraph):
            yield from flush()
            # a border opens a table, or closes it when a blank line (or the end) follows
            simple_table = not simple_table or bool(nxt.strip())
            yield "markup", start + indent, end
            continue
        if simple_table:
            yield "row", start + indent, end
            continue
        if _UNDERLINE.match(line) or _TABLE_BORDER.match(line):
            yield from flush()
            grid = grid or stripped.startswith("+")
            yield "markup", start + indent, end
            continue
        if stripped.startswith("|") and stripped.endswith("|") and len(stripped) > 1:
            yield from flush()
            row_end = end  # in a grid table a row takes every line up to the next "+---+" border
            while grid and i < len(lines):
                following = text[lines[i][0] : lines[i][1]].strip()
                if not (following.startswith("|") and following.endswith("|")):
                    break
                row_end = lines[i][1]
                i += 1
            yield "row", start + indent, row_end
            continue
        if (
            _UNDERLINE.match(nxt)
            and len(stripped.split()) <= _HEADING_MAX_WORDS
            and not _UNDERLINE.match(line)
        ):
            yield from flush()
            yield "heading", start + indent, end
            continue
        if _MD_HEADING.match(line):
            yield from flush()
            yield "heading", start + indent, end
            continue
        directive = _DIRECTIVE.match(line)
        if directive:
            yield from flush()
            name, argument = directive.group(1), directive.group(2).strip()
            while text[start:end].endswith("\\") and i < len(lines):
                end = lines[i][1]  # a signature continued on the next line
                i += 1
            if argument and ("(" in argument or name in _OBJECT_DIRECTIVES):
                yield "signature", start + indent, end
            else:
                yield "markup", start + indent, end
            if name in _CODE_DIRECTIVES:
                literal_indent = indent  # its indented body is code
            while i < len(lines) and text[lines[i][0] : lines[i][1]].lstrip().startswith(":"):
                i += 1  # directive options (":noindex:", ":synopsis: ...")
            continue
        if _RST_TARGET.match(line):
            yield from flush()
            yield "markup", start + indent, end
            continue
        if (stripped.startswith("|") or "\t" in stripped or " | " in line) and not (
            _CODE_LINE.match(line) or indent >= 4
        ):
            yield from flush()
            yield "row", start + indent, end
            continue
        if _CODE_LINE.match(line) or (
            indent >= 4
            and not paragraph
            and (in_code or _looks_like_code(stripped) or (was_introduced and not _LIST_ITEM.match(line)))
        ):
            yield from flush()
            in_code = True  # the indented lines right after a code line are code too (its output)
            yield "code", start + indent, end
            continue
        in_code = False
        if _is_signature(stripped) and not paragraph and not nxt.strip().startswith(("(", ",")):
            yield from flush()
            yield "signature", start + indent, end
            continue
        if _LIST_ITEM.match(line):
            yield from flush()
            item_end = end
            while i < len(lines):  # continuation lines of the item, indented under it
                ns, ne = lines[i]
                following = text[ns:ne]
                if not following.strip() or _LIST_ITEM.match(following):
                    break
                if len(following) - len(following.lstrip()) <= indent:
                    break
                item_end = ne
                i += 1
            # "1. date(time-value, modifier, ...)": a numbered signature is a signature
            body = _LIST_MARKER.sub("", text[start:item_end], count=1).strip()
            yield ("signature" if _is_signature(body) else "list"), start + indent, item_end
            continue
        if (
            not paragraph
            and not nxt.strip()
            and len(stripped.split()) <= _TERM_MAX_WORDS
            and _OPTION_TERM.match(stripped)
        ):
            yield "signature", start + indent, end
            continue
        if not paragraph and (
            (not last and _is_bare_heading(stripped, nxt))
            or (not nxt.strip() and " ".join(stripped.split()).lower() in sections)
        ):
            yield "heading", start + indent, end
            continue
        paragraph.append((start + indent, end))
        if stripped.endswith("::"):
            yield from flush()
            literal_indent = indent
    yield from flush()


_OBJECT_DIRECTIVES = {
    "function", "method", "class", "attribute", "data", "exception", "module", "decorator", "classmethod",
    "staticmethod", "opcode", "option", "envvar", "cmdoption", "describe", "c:function", "c:macro", "c:type",
    "c:member", "py:function", "py:method", "py:class", "py:attribute", "py:data", "abstractmethod",
}  # fmt: skip


_CODE_DIRECTIVES = {
    "code-block", "code", "sourcecode", "doctest", "testcode", "testoutput", "productionlist", "literalinclude",
    "parsed-literal", "highlight",
}  # fmt: skip


def _lines(text: str) -> list[tuple[int, int]]:
    spans, cursor = [], 0
    for line in text.split("\n"):
        spans.append((cursor, cursor + len(line)))
        cursor += len(line) + 1
    return spans


def _looks_like_code(line: str) -> bool:
    symbols = sum(c in "=(){}[];<>+*/\\\"'_." for c in line)
    return symbols >= max(3, len(line) // 8) or line.endswith((":", ")", "]", "}")) and " " not in line


def _is_bare_heading(line: str, next_line: str) -> bool:
    """A short line without sentence punctuation alone before a blank line ("Basic Usage")."""
    words = line.split()
    return (
        0 < len(words) <= 6
        and not next_line.strip()
        and not line.endswith((".", "!", "?", ",", ";", ":"))
        and line[:1].isupper()
    )


# Inline markup that can survive a loader (and always does in plain-text RST): stripped from answer text.
_ROLE = re.compile(r":(?:[\w-]+:)*([\w-]+):`~?!?([^`<]*?)(?:\s*<([^>]*)>)?`")
_LINK = re.compile(r"`([^`<]+?)\s*<[^>]+>`__?")
_REF = re.compile(r"`([^`]+)`__?")
_LITERAL = re.compile(r"``(.+?)``")
_BACKTICK = re.compile(r"`([^`]+)`")
_STRONG = re.compile(r"(?<![\w*])\*\*(\S(?:.*?\S)?)\*\*(?![\w*])")
_EMPHASIS = re.compile(r"(?<![\w*])\*(\S(?:[^*]*?\S)?)\*(?![\w*])")
_MD_LINK = re.compile(r"!?\[([^\]]+)\]\([^)]*\)")
_DIRECTIVE_PREFIX = re.compile(r"^\s*\.\.\s+[\w:-]+::\s*")
_MYST_FENCE = re.compile(r"(?:^|(?<=\s)):::+\{[\w:-]+\}\s*|(?:^|(?<=\s)):::+(?=\s|$)")  # :::{note} ... :::
_MYST_ROLE = re.compile(r"\{([\w:-]+)\}`")  # {func}`attrs.fields` (MyST's spelling of a role)
_BULLET = re.compile(r"^\s*(?:[-*+•]|#\.)\s+")
_CALLABLE_ROLES = {"func", "meth"}


def clean_markup(text: str) -> str:
    """The words a reader sees: `:func:`os.chdir`` -> os.chdir(), ``x`` -> x, *x* -> x, one line."""

    def role(m: re.Match) -> str:
        name, shown, target = m.group(1), m.group(2).strip(), m.group(3)
        shown = shown or (target or "")
        if name in _CALLABLE_ROLES and shown and not shown.endswith(")"):
            shown += "()"
        return shown

    text = _DIRECTIVE_PREFIX.sub("", text)
    text = _MYST_FENCE.sub("", text)
    text = _MYST_ROLE.sub(r":\1:`", text)
    text = _ROLE.sub(role, text)
    text = _LINK.sub(r"\1", text)
    text = _LITERAL.sub(r"\1", text)
    text = _REF.sub(r"\1", text)
    text = _BACKTICK.sub(r"\1", text)
    text = _STRONG.sub(r"\1", text)
    text = _EMPHASIS.sub(r"\1", text)
    text = _MD_LINK.sub(r"\1", text)
    text = _BULLET.sub("", text)
    text = text.replace("¶", "").replace("\\\n", " ")
    return " ".join(text.split())


def row_text(row: str, header: str) -> str:
    """A table row as a reader would say it: "Level: WARNING; Numeric value: 30" (header cells first)."""
    cells = _cells(row)
    names = _cells(header) if header else []
    if names and len(names) == len(cells):
        return "; ".join(f"{n}: {c}" if n else c for n, c in zip(names, cells) if c)
    return "; ".join(c for c in cells if c)


def _cells(row: str) -> list[str]:
    """The cells of a row; a grid-table row of several lines is joined column by column."""
    columns: list[list[str]] = []
    for line in row.split("\n"):
        line = line.strip()
        parts = line.strip("|").split("|") if "|" in line else re.split(r"\t+|\s{2,}", line)
        for n, part in enumerate(parts):
            if n == len(columns):
                columns.append([])
            columns[n].append(part)
    return [clean_markup(" ".join(c)) for c in columns]
