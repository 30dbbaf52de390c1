"""Text for a terminal: what the CLI prints never carries control characters from documents, file names or
provider messages (an `ESC]0;title BEL` in a file would retitle the window, `ESC[31m` recolour it, a lone `\r`
overwrite the line, bidi controls reorder it). Newlines and tabs stay."""

from __future__ import annotations

import json
import re
import sys

_KEEP = {"\n", "\t"}
_CONTROL = [chr(c) for c in [*range(0x20), 0x7F, *range(0x80, 0xA0)] if chr(c) not in _KEEP]
_BIDI = [chr(c) for c in [0x061C, 0x200E, 0x200F, *range(0x202A, 0x202F), *range(0x2066, 0x206A)]]
_STRIP = str.maketrans(dict.fromkeys([*_CONTROL, *_BIDI]))
_JSON_UNSAFE = re.compile("[\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def printable(text: object) -> str:
    """`text` without control characters (newline and tab kept)."""
    return str(text).translate(_STRIP)


def json_text(value: object, **options) -> str:
    """JSON for a terminal: json escapes C0 controls itself; the C1 and bidi ones are escaped here as \\uXXXX
    (the same string to any JSON reader)."""
    text = json.dumps(value, ensure_ascii=False, **options)
    return _JSON_UNSAFE.sub(lambda m: f"\\u{ord(m.group()):04x}", text)


def echo(text: object = "", *, err: bool = False, end: str = "\n", flush: bool = False) -> None:
    """print(), for everything the CLI writes: control characters stripped."""
    print(printable(text), end=end, file=sys.stderr if err else sys.stdout, flush=flush)
