"""What indexing needs to know, and where a collection's files live. qa's Settings builds it
(`settings.index_config()`); index reads no environment variable and imports nothing from qa."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from pathlib import Path

DEFAULT_EMBED_MODEL = "sentence-transformers/all-MiniLM-L6-v2"


@dataclass(frozen=True)
class IndexConfig:
    home: Path  # the embedded Chroma store and every collection's local files live under it
    collection: str = "default"
    chroma_url: str | None = None  # a Chroma server instead of the embedded store
    chroma_token: str | None = field(default=None, repr=False)  # sent as `x-chroma-token`; never printed
    chroma_tenant: str | None = None  # None: Chroma's default tenant
    chroma_database: str | None = None  # None: Chroma's default database
    embed_model: str = DEFAULT_EMBED_MODEL
    embed_backend: str = "onnx"  # "onnx" or "torch" (index.embed.BACKENDS)
    embed_threads: int | None = None  # ONNX Runtime threads; None: the runtime decides
    cache_dir: Path | None = None  # exported models; None: the user's cache folder
    max_file_bytes: int = 50_000_000  # larger files are refused with this limit named
    follow_links: bool = False  # follow links inside an indexed folder that lead out of it

    @property
    def store_key(self) -> str:
        """Which store the collection lives in: its files of one store never mix with another's."""
        if not self.chroma_url:
            return "embedded"
        where = [self.chroma_url, self.chroma_tenant, self.chroma_database]
        return "/".join(part for part in where if part)

    @property
    def collection_dir(self) -> Path:
        """Where this collection's local files (lexical index, manifest, lock) live."""
        return self.home / "collections" / _safe_name(self.store_key) / storage_name(self.collection)


_PLAIN_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]*(?:\.[A-Za-z0-9_-]+)*")


def storage_name(collection: str) -> str:
    """The collection's name on disk and in Chroma: itself when plain ("default", "eval-seed-1"), else a
    sanitized form plus a hash of the real name, so that "my docs" and "my-docs" never share storage."""
    if len(collection) <= 200 and _PLAIN_NAME.fullmatch(collection):
        return collection
    safe = re.sub(r"[^A-Za-z0-9_-]+", "_", collection).strip("_")[:100] or "c"
    return f"{safe}-{hashlib.blake2b(collection.encode('utf-8', 'surrogatepass'), digest_size=4).hexdigest()}"


def _safe_name(name: str) -> str:
    return "".join(c if c.isalnum() or c in "-_." else "_" for c in name)
