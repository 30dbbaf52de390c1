"""Documents taken from a shared corpus archive instead of being committed: `@corpus` lines of a sidecar.

A sidecar line `@corpus ARCHIVE MEMBER` names one file inside an archive of `../shared/data/corpora/`
(e.g. `@corpus python-3.11-docs-rst.tar.gz library/heapq.rst`). MEMBER matches the archive member of that
path, or one ending in `/MEMBER`, with or without a trailing `.txt` (Sphinx ships its sources as
`heapq.rst.txt`). Members are extracted once into `CACHE/documents/ARCHIVE-STEM/` under their name without that
`.txt`, so that `heapq.rst` is loaded as reStructuredText; a file is rewritten only when its bytes changed.
The corpora are not ours to commit (shared/data/README.md): without the archive its documents are skipped.
"""

from __future__ import annotations

import tarfile
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from qa.errors import EvalError

SHARED_CORPORA = Path(__file__).resolve().parent.parent.parent / "shared" / "data" / "corpora"
DIRECTIVE = "@corpus"


@dataclass(frozen=True)
class CorpusRef:
    archive: str  # a file name in SHARED_CORPORA
    member: str  # a path inside it, as written in the sidecar
    where: str  # "sidecar:line", for messages


@dataclass
class Resolved:
    documents: list[Path] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)  # messages: archives that are not here


def parse(entry: str, where: str) -> CorpusRef:
    """`@corpus ARCHIVE MEMBER` -> CorpusRef; anything else after `@corpus` is an error."""
    parts = entry.split()
    if len(parts) != 3 or parts[0] != DIRECTIVE:
        raise EvalError(f"{where}: write a corpus document as `{DIRECTIVE} ARCHIVE MEMBER`, got {entry!r}.")
    member = PurePosixPath(parts[2])
    if member.is_absolute() or ".." in member.parts:
        raise EvalError(f"{where}: {parts[2]!r} must be a relative path inside the archive.")
    return CorpusRef(parts[1], parts[2], where)


def resolve(refs: list[CorpusRef], cache_dir: Path, corpora: Path = SHARED_CORPORA) -> Resolved:
    """Extract the referenced members (one pass over each archive); archives not present are reported."""
    resolved = Resolved()
    by_archive: dict[str, list[CorpusRef]] = {}
    for ref in refs:
        by_archive.setdefault(ref.archive, []).append(ref)
    for archive, wanted in by_archive.items():
        path = corpora / archive
        if not path.is_file():
            resolved.missing.append(
                f"{len(wanted)} document(s) of {archive} skipped: {path} not found (the shared corpora live in "
                "../shared/data/corpora beside the project folder)"
            )
            continue
        resolved.documents += _extract(path, wanted, cache_dir / "documents" / _stem(archive))
    return resolved


def _extract(archive: Path, wanted: list[CorpusRef], folder: Path) -> list[Path]:
    found: dict[CorpusRef, Path] = {}
    try:
        with tarfile.open(archive) as tar:
            for info in tar:
                ref = next((r for r in wanted if r not in found and _matches(info.name, r.member)), None)
                if ref is None or not info.isfile():
                    continue
                target = folder / _local_name(ref.member)
                data = tar.extractfile(info).read()
                if not target.is_file() or target.read_bytes() != data:
                    target.parent.mkdir(parents=True, exist_ok=True)
                    target.write_bytes(data)
                found[ref] = target
    except (tarfile.TarError, OSError) as e:
        raise EvalError(f"{archive}: cannot read the corpus archive ({e}).") from None
    for ref in wanted:
        if ref not in found:
            raise EvalError(f"{ref.where}: {archive.name} has no member {ref.member!r}.")
    return [found[ref] for ref in wanted]


def _matches(name: str, member: str) -> bool:
    name = name.removeprefix("./")
    return any(name == m or name.endswith("/" + m) for m in (member, member + ".txt"))


def _local_name(member: str) -> str:
    """`library/heapq.rst.txt` -> `library/heapq.rst`: the loader picks the format by the last suffix."""
    path = PurePosixPath(member)
    if path.suffix == ".txt" and PurePosixPath(path.stem).suffix:
        path = path.with_name(path.stem)
    return str(path)


def _stem(archive: str) -> str:
    for suffix in (".tar.gz", ".tgz", ".tar.bz2", ".tar.xz", ".tar"):
        if archive.endswith(suffix):
            return archive[: -len(suffix)]
    return archive
