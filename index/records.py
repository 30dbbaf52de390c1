"""What a collection holds on Chroma, as records: a chunk's metadata (every `Chunk` field, generically, plus the
content hash of the source version it was cut from) and a source's manifest record.

Chroma metadata values are str, int, float or bool: None is left out, anything else (a tuple such as a section
path) is stored as JSON and its field named in `_JSON_FIELDS_KEY`, so a new `Chunk` field needs no change here.
"""

from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass

from index.document import Chunk

SOURCE_HASH_KEY = "source_hash"  # the content hash of the source version this chunk belongs to
_JSON_FIELDS_KEY = "qa_json_fields"
_CHUNK_FIELDS = [f for f in dataclasses.fields(Chunk) if f.name not in ("id", "text")]
_ALL_CHUNK_FIELDS = [f.name for f in dataclasses.fields(Chunk)]

DONE, PENDING, REMOVING = "done", "pending", "removing"


@dataclass(frozen=True)
class SourceRecord:
    """One source of a collection. `hash` is the committed version (its chunks are the live ones; '' before the
    first commit); `pending_hash` the version a writer is putting in place (state 'pending')."""

    source: str
    hash: str
    size: int
    mtime_ns: int
    state: str  # DONE, PENDING (a writer is replacing its chunks) or REMOVING (its chunks are being deleted)
    title: str = ""
    chunks: int = 0
    indexed_at: float = 0.0
    pending_hash: str = ""
    writer: str = ""  # which run wrote it last: host, pid, a random part

    @property
    def listed(self) -> bool:
        """A document users see: one committed version whose removal has not begun."""
        return bool(self.hash) and self.state != REMOVING


SourceState = SourceRecord  # the name the catalog used before the manifest moved to Chroma


def record_metadata(record: SourceRecord) -> dict:
    return {"kind": "source", **dataclasses.asdict(record)}


def record_from(metadata: dict) -> SourceRecord:
    names = {f.name for f in dataclasses.fields(SourceRecord)}
    return SourceRecord(**{k: v for k, v in metadata.items() if k in names})


def chunk_metadata(chunk: Chunk, source_hash: str) -> dict:
    meta: dict = {SOURCE_HASH_KEY: source_hash}
    as_json: list[str] = []
    for f in _CHUNK_FIELDS:
        value = getattr(chunk, f.name)
        if value is None:
            continue
        if isinstance(value, (str, int, float, bool)):
            meta[f.name] = value
        else:
            meta[f.name] = json.dumps(value, ensure_ascii=False)
            as_json.append(f.name)
    if as_json:
        meta[_JSON_FIELDS_KEY] = ",".join(as_json)
    return meta


def chunk_from(chunk_id: str, text: str, metadata: dict) -> tuple[Chunk, str]:
    """The chunk and its source version's hash, back from Chroma."""
    as_json = set(filter(None, str(metadata.get(_JSON_FIELDS_KEY, "")).split(",")))
    values: dict = {}
    for f in _CHUNK_FIELDS:
        if f.name not in metadata:
            continue
        value = metadata[f.name]
        if f.name in as_json:
            value = json.loads(value)
            if isinstance(value, list) and str(f.type).startswith("tuple"):
                value = tuple(tuple(v) if isinstance(v, list) else v for v in value)
        values[f.name] = value
    return Chunk(id=chunk_id, text=text, **values), str(metadata.get(SOURCE_HASH_KEY, ""))


def chunk_to_json(chunk: Chunk) -> str:
    """Every field of a chunk, for the local cache."""
    # Not dataclasses.asdict: it deep-copies every value (a fifth of a fresh machine's cache build at 10k chunks).
    return json.dumps({name: getattr(chunk, name) for name in _ALL_CHUNK_FIELDS}, ensure_ascii=False)


def chunk_from_json(text: str) -> Chunk:
    values = json.loads(text)
    names = {f.name: f for f in dataclasses.fields(Chunk)}
    for name, value in list(values.items()):
        if name not in names:
            del values[name]  # a field an older or newer version wrote
        elif isinstance(value, list) and str(names[name].type).startswith("tuple"):
            values[name] = tuple(tuple(v) if isinstance(v, list) else v for v in value)
    return Chunk(**values)
