"""The qa collections a store holds, by the names users gave them (index/store.py keeps one collection)."""

from __future__ import annotations

from index.chroma_client import call_store, embedded_path, open_client
from index.config import IndexConfig, storage_name
from index.store import NAME_KEY


def store_exists(config: IndexConfig) -> bool:
    """False when the embedded store was never created (reading must not create it); a server is assumed to
    be there (a call to it says when it is not)."""
    return bool(config.chroma_url) or embedded_path(config).is_dir()


def collection_names(config: IndexConfig, client=None) -> list[str]:
    """The qa collections in the configured store, by the names users gave them. A collection no run has
    written to since names were recorded is listed by its storage name (for a plain name, the name itself),
    which opens it too, since storage_name maps it to itself. `client`: one the caller owns; without it one
    is opened for this call."""
    own = client is None
    client = open_client(config) if own else client
    try:
        found = call_store(config, client.list_collections)
    finally:
        if own:
            client.close()
    names = []
    for col in found:
        chroma_name = getattr(col, "name", col)  # Collection objects (chromadb 1.x) or names
        if chroma_name.startswith("qa-") and chroma_name.endswith("-c") and len(chroma_name) > 5:
            stored = chroma_name[3:-2]
            given = (getattr(col, "metadata", None) or {}).get(NAME_KEY)
            names.append(given if isinstance(given, str) and storage_name(given) == stored else stored)
    return sorted(names)
