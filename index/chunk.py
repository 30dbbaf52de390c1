"""Cutting documents into token-bounded chunks on sentence boundaries, with overlap and exact offsets."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass

from index.document import Chunk, Document
from index.sentences import sentence_spans
from index.tokens import count_tokens_batch

_WORD = re.compile(r"\S+")
_BLANK_LINE = re.compile(r"\n[ \t]*\n\s*")


@dataclass(frozen=True)
class ChunkingConfig:
    max_tokens: int = 220  # all-MiniLM-L6-v2 reads 256 word pieces; chosen on SQuAD (eval/tune_retrieval.py)
    overlap_tokens: int = 40  # carried into the next chunk as whole sentences (long paragraphs only)


DEFAULT_CHUNKING = ChunkingConfig()


def chunk_document(doc: Document, config: ChunkingConfig = DEFAULT_CHUNKING) -> list[Chunk]:
    """Chunks whose text is exactly doc.text[start:end]; they never cross a heading or page change.

    Paragraphs (blank-line separated) are kept whole where they fit: small ones are packed together, and only
    a paragraph longer than max_tokens is cut, on sentence boundaries with overlap. A chunk that is one topic
    embeds and ranks better than one that straddles two (measured on SQuAD: eval/tune_retrieval.py).
    """
    paragraphs: list[list[tuple[int, int]]] = []  # sentence-or-smaller spans, each at most max_tokens
    for region_start, region_end in _regions(doc):
        for para_start, para_end in _paragraphs(doc.text, region_start, region_end):
            units: list[tuple[int, int]] = []
            for s, e in sentence_spans(doc.text, para_start, para_end):
                units.extend(_split_long(doc.text, s, e, config.max_tokens))
            if units:
                paragraphs.append(units)
        paragraphs.append([])  # a region break: no chunk spans it
    sizes = iter(count_tokens_batch([doc.text[s:e] for units in paragraphs for s, e in units]))
    spans: list[tuple[int, int, int]] = []  # (start, end, tokens)
    group: list[tuple[int, int, int]] = []
    for units in paragraphs:
        if not units:
            _flush(group, spans)
            group = []
            continue
        sized = [(s, e, next(sizes)) for s, e in units]
        total = sum(n for _, _, n in sized)
        if group and sum(n for _, _, n in group) + total > config.max_tokens:
            _flush(group, spans)  # the next paragraph does not fit: start it in a chunk of its own
            group = []
        if total <= config.max_tokens:
            group.extend(sized)
            continue
        for unit in sized:  # a long paragraph: sentences packed with overlap
            n = unit[2]
            if group and sum(t for _, _, t in group) + n > config.max_tokens:
                _flush(group, spans)
                group = _overlap_tail(group, config.overlap_tokens, config.max_tokens - n)
            group.append(unit)
    _flush(group, spans)
    return _to_chunks(doc, spans)


def _paragraphs(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """Blank-line separated spans of text[start:end]."""
    spans, cursor = [], start
    for match in _BLANK_LINE.finditer(text, start, end):
        spans.append((cursor, match.start()))
        cursor = match.end()
    spans.append((cursor, end))
    return [(s, e) for s, e in spans if text[s:e].strip()]


def _regions(doc: Document) -> list[tuple[int, int]]:
    starts = sorted({0, *(s.start for s in doc.sections)} | {len(doc.text)})
    return [(a, b) for a, b in zip(starts, starts[1:]) if b > a]


def _split_long(text: str, start: int, end: int, max_tokens: int) -> list[tuple[int, int]]:
    """A sentence too long for one chunk, cut between words into pieces of at most max_tokens."""
    if (end - start) <= max_tokens * 2:  # cheap bound: a token is at least ~1 char; most sentences pass here
        return [(start, end)]
    words = [(m.start(), m.end()) for m in _WORD.finditer(text, start, end)]
    sizes = count_tokens_batch([text[s:e] + " " for s, e in words])
    pieces: list[tuple[int, int]] = []
    piece_start, used = words[0][0], 0
    prev_end = words[0][0]
    for (s, e), n in zip(words, sizes):
        if used and used + n > max_tokens:
            pieces.append((piece_start, prev_end))
            piece_start, used = s, 0
        used += max(n, 1)
        prev_end = e
    pieces.append((piece_start, prev_end))
    return pieces


def _flush(group: list[tuple[int, int, int]], spans: list[tuple[int, int, int]]) -> None:
    if not group:
        return
    start, end = group[0][0], group[-1][1]
    if spans and spans[-1][0] <= start and end <= spans[-1][1]:
        return  # only overlap left: already inside the previous chunk
    spans.append((start, end, sum(t for _, _, t in group)))


def _overlap_tail(group: list[tuple[int, int, int]], overlap: int, room: int) -> list[tuple[int, int, int]]:
    """The last sentences of a chunk, up to `overlap` tokens, to open the next one."""
    tail: list[tuple[int, int, int]] = []
    used = 0
    for unit in reversed(group):
        if used + unit[2] > min(overlap, room):
            break
        tail.insert(0, unit)
        used += unit[2]
    return tail


def _to_chunks(doc: Document, spans: list[tuple[int, int, int]]) -> list[Chunk]:
    chunks: list[Chunk] = []
    seen: dict[str, int] = {}
    for ordinal, (start, end, tokens) in enumerate(spans):
        text = doc.text[start:end]
        occurrence = seen.get(text, 0)
        seen[text] = occurrence + 1
        section = doc.section_at(start)
        chunks.append(
            Chunk(
                id=chunk_id(doc.source, text, occurrence),
                source=doc.source,
                title=doc.title,
                text=text,
                start=start,
                end=end,
                heading=section.heading,
                page=section.page,
                ordinal=ordinal,
                tokens=tokens,
            )
        )
    return chunks


def chunk_id(source: str, text: str, occurrence: int = 0) -> str:
    """Stable across runs: unchanged content in the same file keeps its id wherever it moves."""
    digest = hashlib.blake2b(f"{source}\0{occurrence}\0{text}".encode(), digest_size=12).hexdigest()
    return digest
