"""Uploaded files are copied to QA_HOME/uploads/<collection>/<safe name>, whatever name the browser sent.

The name is reduced to a plain base name (no folders, no `..`, no leading dot, no control or odd bytes),
the target is checked to lie inside the uploads folder, and files over the size limit are refused.
"""

from __future__ import annotations

import os
import re
import shutil
import unicodedata
from collections.abc import Iterable
from pathlib import Path

_UNSAFE = re.compile(r"[^\w.\- ]+")
MAX_NAME = 120


def safe_name(name: str, fallback: str = "upload") -> str:
    """A file or folder name that cannot leave its folder: 'a/../../etc/passwd' -> 'passwd'."""
    base = str(name).replace("\\", "/").split("/")[-1]
    base = unicodedata.normalize("NFKC", base)
    base = "".join(ch for ch in base if ch.isprintable())
    base = _UNSAFE.sub("_", base).strip(" .")  # no '..', no hidden files, no trailing dots
    if len(base) > MAX_NAME:
        stem, dot, suffix = base.rpartition(".")
        suffix = suffix[:16] if dot else ""
        base = (stem if dot else base)[: MAX_NAME - len(suffix) - 1] + (f".{suffix}" if suffix else "")
    return base or fallback


def uploads_dir(home: Path, collection: str) -> Path:
    return Path(home) / "uploads" / safe_name(collection, "default")


def save_uploads(
    files: Iterable[str | os.PathLike], home: Path, collection: str, max_bytes: int
) -> tuple[list[Path], list[tuple[str, str]]]:
    """Copy uploaded files into the collection's uploads folder.

    Returns the saved paths, and (name, reason) for each file that was refused."""
    folder = uploads_dir(home, collection)
    folder.mkdir(parents=True, exist_ok=True)
    root = folder.resolve()
    saved: list[Path] = []
    refused: list[tuple[str, str]] = []
    for file in files:
        src = Path(file)
        name = safe_name(src.name)
        target = folder / name
        if target.resolve().parent != root:  # belt and braces: safe_name already prevents it
            refused.append((name, "refused: the file name points outside the uploads folder"))
            continue
        try:
            size = src.stat().st_size
            if size > max_bytes:
                refused.append(
                    (
                        name,
                        f"file too large: {size / 1e6:.1f} MB, the limit is {max_bytes / 1e6:.0f} MB "
                        "(set QA_MAX_FILE_MB to raise it)",
                    )
                )
                continue
            if target.is_symlink():
                target.unlink()  # never write through a link
            with open(src, "rb") as fin, open(target, "wb") as fout:
                shutil.copyfileobj(fin, fout)
        except OSError as e:
            refused.append((name, f"cannot save the upload: {e.strerror or e}"))
            continue
        saved.append(target)
    return saved, refused


def is_upload(source: str, home: Path) -> bool:
    """True when a source path lies in QA_HOME/uploads (a copy this app made)."""
    try:
        Path(source).resolve().relative_to((Path(home) / "uploads").resolve())
    except ValueError:
        return False
    return True
