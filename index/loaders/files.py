"""Reading files for the loaders: size limits first, then bytes or UTF-8 text, with reasons a person can act on."""

from __future__ import annotations

from pathlib import Path

from index.errors import LoadError
from index.safe_open import check_size, read_bytes

__all__ = ["check_size", "read_bytes", "read_text_file", "title_from_name"]


def read_text_file(path: Path, max_bytes: int) -> str:
    """A text file's content as str; refuses binary data, invalid UTF-8 and files over max_bytes."""
    data = read_bytes(path, max_bytes)
    if b"\x00" in data:  # anywhere: a text header can front a binary file (the whole scan is a memchr)
        raise LoadError("binary data in a text file (NUL bytes); is the file name's suffix right?")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        raise LoadError(
            f"not valid UTF-8 (byte 0x{data[e.start]:02x} at offset {e.start}); save it as UTF-8 and index again"
        ) from None
    if not text.strip():
        raise LoadError("empty file (no text)")
    return text


def title_from_name(path: Path) -> str:
    """ "Super_Bowl_50.txt" -> "Super Bowl 50": file names often carry the topic."""
    stem = path.name.split(".", 1)[0] if path.name.lower().endswith(".rst.txt") else path.stem
    return " ".join(stem.replace("_", " ").split()) or path.name
