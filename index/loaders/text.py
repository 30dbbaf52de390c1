"""Plain text: the file's own text, offsets exact into it; paragraphs are found from blank lines by the chunker."""

from __future__ import annotations

from pathlib import Path

from index.document import Document
from index.loaders.files import read_text_file, title_from_name


def load_text(path: Path, max_bytes: int) -> Document:
    return Document(source=str(path), title=title_from_name(path), text=read_text_file(path, max_bytes))
