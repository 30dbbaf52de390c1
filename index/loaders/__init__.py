"""Loading files into `Document`s: the registry of supported file types, the one list in the code base.

Each format has its module (text, rst, markdown, html, pdf, docx) giving clean text with structure: section paths
and block kinds (see index/loaders/builder.py for the layout of the text). Each loader raises `LoadError` with a
reason a person can act on; the indexer reports it and goes on.
"""

from __future__ import annotations

import importlib
import os
from pathlib import Path

from index.document import Document
from index.errors import LoadError
from index.loaders.files import check_size

__all__ = ["LOADERS", "SUPPORTED_SUFFIXES", "check_size", "is_supported", "load", "loader_for"]

# suffix -> "module:function" under index.loaders; modules are imported when a file of their type is loaded.
# ".rst.txt" is what Sphinx publishes as a page's source (_sources/): it is RST, not plain text.
LOADERS: dict[str, str] = {
    ".txt": "text:load_text",
    ".text": "text:load_text",
    ".md": "markdown:load_markdown",
    ".markdown": "markdown:load_markdown",
    ".rst": "rst:load_rst",
    ".rst.txt": "rst:load_rst",
    ".html": "html:load_html",
    ".htm": "html:load_html",
    ".pdf": "pdf:load_pdf",
    ".docx": "docx:load_docx",
}
SUPPORTED_SUFFIXES: tuple[str, ...] = tuple(s for s in LOADERS if s.count(".") == 1)  # what users pick from


def loader_for(path: Path) -> str | None:
    """The registry entry for a file name: the longest suffix that matches ("a.rst.txt" is RST)."""
    name = path.name.lower()
    matches = [s for s in LOADERS if name.endswith(s) and len(name) > len(s)]
    return LOADERS[max(matches, key=len)] if matches else None


def is_supported(path: Path) -> bool:
    return loader_for(Path(path)) is not None


def load(path: str | os.PathLike, max_bytes: int = 50_000_000) -> Document:
    """Load one file; raises LoadError with the reason when it cannot be indexed."""
    path = Path(path)
    entry = loader_for(path)
    if entry is None:
        raise LoadError(
            f"unsupported file type '{path.suffix or '(none)'}' (supported: {', '.join(SUPPORTED_SUFFIXES)})"
        )
    module, function = entry.split(":")
    loader = getattr(importlib.import_module(f"index.loaders.{module}"), function)
    try:
        return loader(path, max_bytes)
    except FileNotFoundError:
        raise LoadError("file vanished before it could be read") from None
    except PermissionError:
        raise LoadError("permission denied: the file is not readable") from None
    except IsADirectoryError:
        raise LoadError("is a directory") from None
    except RecursionError:
        raise LoadError("structure nested too deeply to parse") from None
    except MemoryError:
        raise LoadError("too large to parse in memory") from None
    except OSError as e:
        raise LoadError(f"cannot read the file: {e.strerror or e}") from None
