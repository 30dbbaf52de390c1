"""Cutting documents into token-bounded chunks on sentence boundaries, with overlap and exact offsets."""

from __future__ import annotations

import bisect
import hashlib
import re
from collections.abc import Iterator
from dataclasses import dataclass

from index.document import Chunk, Document
from index.sentences import sentence_spans
from index.text import count_tokens_batch

_BLANK_LINE = re.compile(r"\n[ \t]*\n\s*")
_COUNT_BATCH = 2000  # texts per tokenizer call: bounds the memory of its per-text token lists
_LINE_KINDS = ("code", "table")  # blocks cut between lines, never inside one, and without overlap


@dataclass(frozen=True)
class ChunkingConfig:
    max_tokens: int = (
        220  # all-MiniLM-L6-v2 reads 256 word pieces; chosen on SQuAD (benchmarks/tune_retrieval.py)
    )
    overlap_tokens: int = 40  # carried into the next chunk as whole sentences (long paragraphs only)
    # A hard cap in characters too: text is cut to this before any token is counted, so a 49 MB line without
    # spaces costs 25,000 small tokenizer calls, not one huge one. 220 tokens of prose are ~1,000 characters.
    max_chars: int = 2000
    heading_only_tokens: int = 40  # a section holding only headings this short joins the next section


DEFAULT_CHUNKING = ChunkingConfig()


@dataclass(slots=True)
class _Unit:
    start: int
    end: int
    kind: str
    region: int  # index of the section it sits in
    tokens: int = 0


def chunk_document(doc: Document, config: ChunkingConfig = DEFAULT_CHUNKING) -> list[Chunk]:
    """Chunks whose text is exactly doc.text[start:end]; they do not cross a section (heading path) or page change.

    Blocks (paragraphs, lists, tables, code) are kept whole where they fit: small ones are packed together, and only
    a block longer than max_tokens is cut: prose on sentence boundaries with overlap, code and tables between lines.
    A section that holds nothing but its heading (a chapter title right before its first subsection) is not a
    chunk of its own: it opens the next section's first chunk. A chunk that is one topic embeds and ranks better
    than one that straddles two (measured on SQuAD: eval/tune_retrieval.py).
    """
    regions = _regions(doc)
    spans: list[_Span] = []
    group: list[_Unit] = []
    used = 0  # tokens in group, kept as it changes: summing the group for every unit made chunking slow
    for units, continued in _fitted_blocks(doc, regions, config):
        if not continued:  # a block begins (else more units of a long block that has begun)
            if group and units[0].region != group[-1].region and not _heading_only(group, config):
                _flush(group, spans)
                group, used = [], 0
            total = sum(u.tokens for u in units)
            if group and used + total > config.max_tokens:
                _flush(group, spans)  # the next block does not fit: start it in a chunk of its own
                group, used = [], 0
            if total <= config.max_tokens:
                group.extend(units)
                used += total
                continue
        for unit in units:  # a long block: its sentences or lines packed, prose with overlap
            if group and used + unit.tokens > config.max_tokens:
                _flush(group, spans)
                overlap = 0 if unit.kind in _LINE_KINDS else config.overlap_tokens
                group = _overlap_tail(group, overlap, config.max_tokens - unit.tokens)
                used = _tokens(group)
            group.append(unit)
            used += unit.tokens
    _flush(group, spans)
    return _to_chunks(doc, regions, spans)


@dataclass(frozen=True, slots=True)
class _Span:
    """A finished chunk's place: what is kept of its units once the group is flushed."""

    start: int
    end: int
    tokens: int
    kind: str
    region: int  # its last unit's section (a heading-only lead-in takes its content's path)


def _fitted_blocks(
    doc: Document, regions: list[tuple[int, int]], config: ChunkingConfig
) -> Iterator[tuple[list[_Unit], bool]]:
    """Each block's units with their token counts, in document order, as (units, continued). Blocks are split
    and counted in batches of about _COUNT_BATCH units, so memory holds one batch, never every sentence of a long
    document; a block of more units than that (a table of a million rows) comes in pieces, each after the first
    `continued`. A piece has more units than max_tokens, so at least as many tokens: it is long, like its block."""
    piece = max(_COUNT_BATCH, config.max_tokens + 1)
    pending: list[tuple[list[_Unit], bool]] = []
    size = 0
    for index, (region_start, region_end) in enumerate(regions):
        for start, end, kind in _blocks(doc, region_start, region_end):
            spans = (
                _lines(doc.text, start, end) if kind in _LINE_KINDS else sentence_spans(doc.text, start, end)
            )
            units: list[_Unit] = []
            continued = False
            for span in spans:
                units.extend(
                    _Unit(s, e, kind, index) for s, e in _cap_chars(doc.text, *span, config.max_chars)
                )
                if len(units) >= piece:
                    pending.append((units, continued))
                    size += len(units)
                    units, continued = [], True
                if size >= _COUNT_BATCH:
                    yield from _counted(doc.text, pending, config.max_tokens)
                    pending, size = [], 0
            if units:
                pending.append((units, continued))
                size += len(units)
            if size >= _COUNT_BATCH:
                yield from _counted(doc.text, pending, config.max_tokens)
                pending, size = [], 0
    yield from _counted(doc.text, pending, config.max_tokens)


def _counted(
    text: str, blocks: list[tuple[list[_Unit], bool]], max_tokens: int
) -> Iterator[tuple[list[_Unit], bool]]:
    _count_tokens(text, [u for units, _ in blocks for u in units])
    for units, continued in blocks:
        yield _fit(text, units, max_tokens), continued


def _regions(doc: Document) -> list[tuple[int, int]]:
    starts = sorted({0, *(s.start for s in doc.sections)} | {len(doc.text)})
    return [(a, b) for a, b in zip(starts, starts[1:]) if b > a]


def _blocks(doc: Document, start: int, end: int) -> Iterator[tuple[int, int, str]]:
    """The blocks inside text[start:end]: the loader's, or blank-line separated prose for plain text."""
    if doc.blocks:
        first = bisect.bisect_left(doc.blocks, start + 1, key=lambda b: b.end)
        for i in range(first, len(doc.blocks)):
            block = doc.blocks[i]
            if block.start >= end:
                break
            yield max(block.start, start), min(block.end, end), block.kind
        return
    cursor = start
    for match in _BLANK_LINE.finditer(doc.text, start, end):
        if doc.text[cursor : match.start()].strip():
            yield cursor, match.start(), "prose"
        cursor = match.end()
    if doc.text[cursor:end].strip():
        yield cursor, end, "prose"


def _lines(text: str, start: int, end: int) -> Iterator[tuple[int, int]]:
    """The non-blank lines of a code block or table, indentation kept."""
    cursor = start
    while cursor < end:
        nl = text.find("\n", cursor, end)
        line_end = end if nl < 0 else nl
        if text[cursor:line_end].strip():
            yield cursor, line_end
        cursor = line_end + 1


def _cap_chars(text: str, start: int, end: int, max_chars: int) -> list[tuple[int, int]]:
    """A span cut into pieces of at most max_chars, between words where there are any."""
    pieces = []
    while end - start > max_chars:
        cut = max(
            text.rfind(" ", start + max_chars // 2, start + max_chars),
            text.rfind("\n", start, start + max_chars),
        )
        if cut <= start + max_chars // 4:
            cut = start + max_chars  # no space in sight: cut the word
        pieces.append((start, cut))
        start = cut
        while start < end and text[start].isspace():
            start += 1
    if end > start:
        pieces.append((start, end))
    return pieces


def _count_tokens(text: str, units: list[_Unit]) -> None:
    for i in range(0, len(units), _COUNT_BATCH):
        batch = units[i : i + _COUNT_BATCH]
        for unit, n in zip(batch, count_tokens_batch([text[u.start : u.end] for u in batch])):
            unit.tokens = max(n, 1)


def _fit(text: str, units: list[_Unit], max_tokens: int) -> list[_Unit]:
    """Units over max_tokens (dense text: symbols, CJK, one-letter lines) cut into as many equal pieces as their
    token count asks for, between words where there are any, and counted again until each fits."""
    while any(u.tokens > max_tokens for u in units):
        fitted, pieces = [], []
        for unit in units:
            if unit.tokens <= max_tokens or unit.end - unit.start < 2:
                fitted.append(unit)
                continue
            parts = -(-unit.tokens * 10 // (max_tokens * 9))  # ceil(tokens / 90% of the limit): at least 2
            step = max((unit.end - unit.start) // parts, 1)
            start = unit.start
            while start < unit.end:
                cut = min(start + step, unit.end)
                if cut < unit.end:
                    space = max(
                        text.rfind(" ", start + step // 2, cut), text.rfind("\n", start + step // 2, cut)
                    )
                    cut = space if space > start else cut
                piece = _trimmed(text, _Unit(start, cut, unit.kind, unit.region))
                if piece.end > piece.start:
                    fitted.append(piece)
                    pieces.append(piece)
                start = cut
        if not pieces:
            break
        _count_tokens(text, pieces)
        units = fitted
    return units


def _trimmed(text: str, unit: _Unit) -> _Unit:
    start, end = unit.start, unit.end
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return _Unit(start, end, unit.kind, unit.region)


def _tokens(group: list[_Unit]) -> int:
    return sum(u.tokens for u in group)


def _heading_only(group: list[_Unit], config: ChunkingConfig) -> bool:
    return all(u.kind == "heading" for u in group) and _tokens(group) <= config.heading_only_tokens


def _flush(group: list[_Unit], spans: list[_Span]) -> None:
    if not group:
        return
    if spans and spans[-1].start <= group[0].start and group[-1].end <= spans[-1].end:
        return  # only overlap left: already inside the previous chunk
    spans.append(_Span(group[0].start, group[-1].end, _tokens(group), _kind(group), group[-1].region))


def _overlap_tail(group: list[_Unit], overlap: int, room: int) -> list[_Unit]:
    """The last sentences of a chunk, up to `overlap` tokens, to open the next one."""
    tail: list[_Unit] = []
    used = 0
    for unit in reversed(group):
        if used + unit.tokens > min(overlap, room) or unit.region != group[-1].region:
            break
        tail.insert(0, unit)
        used += unit.tokens
    return tail


def _kind(units: list[_Unit]) -> str:
    """The kind of most of a chunk's characters; headings count only when there is nothing else."""
    weight: dict[str, int] = {}
    for unit in units:
        weight[unit.kind] = weight.get(unit.kind, 0) + unit.end - unit.start
    body = {k: w for k, w in weight.items() if k != "heading"} or weight
    return max(body, key=body.get)


def _to_chunks(doc: Document, regions: list[tuple[int, int]], spans: list[_Span]) -> list[Chunk]:
    chunks: list[Chunk] = []
    seen: dict[str, int] = {}
    for ordinal, span in enumerate(spans):
        start, end = span.start, span.end
        text = doc.text[start:end]
        occurrence = seen.get(text, 0)
        seen[text] = occurrence + 1
        section = doc.section_at(regions[span.region][0])  # a heading-only lead-in takes its content's path
        chunks.append(
            Chunk(
                id=chunk_id(doc.source, text, occurrence),
                source=doc.source,
                title=doc.title,
                text=text,
                start=start,
                end=end,
                heading=section.heading,
                page=doc.section_at(start).page,
                ordinal=ordinal,
                tokens=span.tokens,
                kind=span.kind,
                blocks=_kind_runs(doc, start, end) if doc.blocks else (),
            )
        )
    return chunks


def _kind_runs(doc: Document, start: int, end: int) -> tuple[tuple[int, int, str], ...]:
    """The kinds of a chunk's text, (start, end, kind) into its text: consecutive blocks of one kind make one run
    (a chunk of 200 one-word paragraphs carries one entry, not 200: a page of a million of them held a million
    tuples)."""
    runs: list[tuple[int, int, str]] = []
    for s, e, kind in _blocks(doc, start, end):
        if runs and runs[-1][2] == kind:
            runs[-1] = (runs[-1][0], e - start, kind)
        else:
            runs.append((s - start, e - start, kind))
    return tuple(runs)


def chunk_id(source: str, text: str, occurrence: int = 0) -> str:
    """Stable across runs: unchanged content in the same file keeps its id wherever it moves."""
    digest = hashlib.blake2b(f"{source}\0{occurrence}\0{text}".encode(), digest_size=12).hexdigest()
    return digest
