"""Reading files for the loaders: size limits first, then bytes or UTF-8 text, with reasons a person can act on."""

from __future__ import annotations

from pathlib import Path

from index.errors import LoadError


def check_size(size: int, max_bytes: int) -> None:
    """Refuse empty files and files over the limit before reading them (bounded memory, no time spent)."""
    if size > max_bytes:
        raise LoadError(
            f"file too large: {size / 1e6:.1f} MB, the limit is {max_bytes / 1e6:g} MB (set QA_MAX_FILE_MB to raise it)"
        )
    if size == 0:
        raise LoadError("empty file (0 bytes)")


def read_bytes(path: Path, max_bytes: int) -> bytes:
    check_size(path.stat().st_size, max_bytes)
    with open(path, "rb") as f:
        data = f.read(max_bytes + 1)  # never more than the limit, even if the file grew meanwhile
    if len(data) > max_bytes:
        raise LoadError(f"file too large: over the limit of {max_bytes / 1e6:g} MB")
    return data


def read_text_file(path: Path, max_bytes: int) -> str:
    """A text file's content as str; refuses binary data, invalid UTF-8 and files over max_bytes."""
    data = read_bytes(path, max_bytes)
    if b"\x00" in data[:8192]:
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
