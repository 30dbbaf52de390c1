"""What an indexing run did."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

from index.loaders import SUPPORTED_SUFFIXES


@dataclass
class IndexReport:
    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    failed: list[dict] = field(default_factory=list)  # {"source": ..., "reason": ...}
    skipped: list[dict] = field(default_factory=list)  # unsupported file types: {"source", "reason"}
    chunks_written: int = 0
    chunks_total: int = 0
    collection: str = "default"
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        """False when the run indexed nothing: every file failed or was skipped, or none was found."""
        return bool(self.added or self.updated or self.unchanged or self.removed)

    def problem(self) -> str:
        """Why nothing was indexed, for a run that is not `ok`."""
        if self.failed or self.skipped:
            return (
                f"nothing could be indexed: {len(self.failed)} failed, {len(self.skipped)} skipped "
                f"(see the reasons listed). Supported files: {' '.join(SUPPORTED_SUFFIXES)}."
            )
        return (
            "nothing to index: no files found under the given paths (hidden files and folders are ignored)."
        )

    def to_dict(self) -> dict:
        return asdict(self)

    def summary(self) -> str:
        parts = [
            f"{len(self.added)} added",
            f"{len(self.updated)} updated",
            f"{len(self.unchanged)} unchanged",
            f"{len(self.removed)} removed",
            f"{len(self.failed)} failed",
        ]
        if self.skipped:
            parts.append(f"{len(self.skipped)} skipped")
        return (
            f"Collection '{self.collection}': {', '.join(parts)}; "
            f"{self.chunks_written} chunks written, {self.chunks_total} in total ({self.seconds:.1f} s)."
        )
