"""A hostile corpus: files shaped to make a loader, the chunker or the token counter use memory or time far
beyond the file's size (issue 14). Each shape is written in bounded pieces, to any size up to the 50 MB limit.

    from hostile_corpus import SHAPES, write_shape
    path = write_shape("short-lines", folder, 4_000_000)

Used by benchmarks/hostile_memory.py (peak RSS of `qa index` per file) and by tests/reliability.
"""

from __future__ import annotations

import zipfile
import zlib
from collections.abc import Callable, Iterator
from pathlib import Path

PIECE = 1 << 20  # bytes written at a time


def _repeat(unit: bytes, size: int, head: bytes = b"", tail: bytes = b"") -> Iterator[bytes]:
    """head + unit repeated to fill `size` bytes + tail, in pieces of about PIECE bytes."""
    yield head
    body = size - len(head) - len(tail)
    block = unit * max(PIECE // len(unit), 1)
    while body >= len(block):
        yield block
        body -= len(block)
    yield unit * (body // len(unit))
    yield tail


def _nested_html(size: int) -> Iterator[bytes]:
    level = b"<div>" * 499 + b"deep text " + b"</div>" * 499 + b"\n"
    return _repeat(level, size, b"<html><body>", b"</body></html>")


def _late_nul(size: int) -> Iterator[bytes]:
    yield b"An ordinary first paragraph of words. " * 300  # well past the first 8 KB
    yield b"\x00"
    yield from _repeat(b"more words ", size - 11_401)


# name -> (file suffix, generator of the file's bytes for a size). The shapes of the issue come first.
SHAPES: dict[str, tuple[str, Callable[[int], Iterator[bytes]]]] = {
    "short-lines": (".txt", lambda n: _repeat(b"a\n", n)),
    "words": (".txt", lambda n: _repeat(b"word ", n)),
    "html-p": (".html", lambda n: _repeat(b"<p>a", n)),
    "no-spaces": (".txt", lambda n: _repeat(b"a", n)),
    "sentences": (".txt", lambda n: _repeat(b"ab. cd. ", n)),
    "single-chars": (".txt", lambda n: _repeat(b"a ", n)),
    "cr-only": (".md", lambda n: _repeat(b"a\r", n)),
    "blank-lines": (".txt", lambda n: _repeat(b"a\n\n", n)),
    "md-headings": (".md", lambda n: _repeat(b"# a\n", n)),
    "md-emphasis": (".md", lambda n: _repeat(b"*a _b ", n)),
    "md-brackets": (".md", lambda n: _repeat(b"[a](", n)),
    "md-quotes": (".md", lambda n: _repeat(b"> " * 50 + b"a\n", n)),
    "md-list": (".md", lambda n: _repeat(b"- a\n", n)),
    "rst-sections": (".rst", lambda n: _repeat(b"a\n=\n\n", n)),
    "rst-inline": (".rst", lambda n: _repeat(b"*a* `b` ", n)),
    "rst-bullets": (".rst", lambda n: _repeat(b"* a\n", n)),
    "html-deep": (".html", _nested_html),
    "html-text": (".html", lambda n: _repeat(b"word ", n, b"<html><body><p>", b"</p></body></html>")),
    "html-tags": (".html", lambda n: _repeat(b"<b></b>", n, b"<html><body>", b"</body></html>")),
    "html-table": (
        ".html",
        lambda n: _repeat(b"<tr><td>a", n, b"<html><body><table>", b"</table></body></html>"),
    ),
    "html-pre": (
        ".html",
        lambda n: _repeat(b"a<b>b</b>\n", n, b"<html><body><pre>", b"</pre></body></html>"),
    ),
    "combining": (".txt", lambda n: _repeat("e\u0301\u0302\u0303 ".encode(), n)),
    "cjk": (".txt", lambda n: _repeat("漢字かな。".encode(), n)),
    "emoji": (".txt", lambda n: _repeat("😀 ".encode(), n)),
    "late-nul": (".txt", _late_nul),
}


def write_shape(name: str, folder: Path, size: int) -> Path:
    """The file of shape `name`, about `size` bytes, in folder."""
    suffix, pieces = SHAPES[name]
    path = Path(folder) / f"{name}{suffix}"
    with open(path, "wb") as f:
        for piece in pieces(size):
            f.write(piece)
    return path


def _minimal_docx(document_xml: bytes) -> dict[str, bytes]:
    """The members of a small valid .docx around a given document.xml."""
    content_types = (
        b'<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/'
        b'content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.'
        b'relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/'
        b'word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.'
        b'document.main+xml"/></Types>'
    )
    rels = (
        b'<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/'
        b'package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/'
        b'officeDocument/2006/relationships/officeDocument" Target="word/document.xml"/></Relationships>'
    )
    return {"[Content_Types].xml": content_types, "_rels/.rels": rels, "word/document.xml": document_xml}


WORD_NS = b'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"'


def write_docx(path: Path, paragraphs: int = 3) -> Path:
    """An honest small .docx."""
    body = b"".join(b"<w:p><w:r><w:t>The ferry sails at seven.</w:t></w:r></w:p>" for _ in range(paragraphs))
    xml = b'<?xml version="1.0" encoding="UTF-8"?><w:document ' + WORD_NS + b"><w:body>" + body
    xml += b"</w:body></w:document>"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in _minimal_docx(xml).items():
            z.writestr(name, data)
    return path


def write_lying_docx(path: Path, inflated: int = 2_000_000_000, claimed: int = 5_000) -> Path:
    """A .docx whose document.xml inflates to `inflated` bytes but whose zip headers claim `claimed` bytes,
    with a CRC that matches the claimed prefix: a reader that trusts the headers, or inflates a member in one
    call, holds the whole inflated size in memory. About 2 MB on disk for 2 GB inflated."""
    head = b'<?xml version="1.0" encoding="UTF-8"?><w:document ' + WORD_NS + b"><w:body><w:p><w:r><w:t>"
    block = b"a" * PIECE
    compressor = zlib.compressobj(6, zlib.DEFLATED, -15)
    # After a full flush the compressor starts afresh, so every later copy of the block compresses to the
    # same bytes: compress it once, write it many times (2 GB in well under a second).
    raw = [compressor.compress(head) + compressor.flush(zlib.Z_FULL_FLUSH)]
    packed = compressor.compress(block) + compressor.flush(zlib.Z_FULL_FLUSH)
    blocks, rest = divmod(inflated - len(head), PIECE)
    raw += [packed] * blocks
    raw.append(compressor.compress(block[:rest]) + compressor.flush())
    prefix = (head + block)[:claimed]
    members = _minimal_docx(b"")
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in members.items():
            if name != "word/document.xml":
                z.writestr(name, data)
    # document.xml is written by hand: the zip module would record its true size.
    raw = b"".join(raw)
    crc = zlib.crc32(prefix)
    name = b"word/document.xml"
    with open(path, "r+b") as f:
        data = f.read()
        cd_start = int.from_bytes(data[-6:-2], "little")
        entries, central = data[:cd_start], bytearray(data[cd_start:-22])
        eocd = bytearray(data[-22:])
        offset = len(entries)
        local = (
            b"PK\x03\x04"
            + (20).to_bytes(2, "little")
            + b"\x00\x00"
            + (8).to_bytes(2, "little")
            + b"\x00\x00\x00\x00"
            + crc.to_bytes(4, "little")
            + len(raw).to_bytes(4, "little")
            + claimed.to_bytes(4, "little")
            + len(name).to_bytes(2, "little")
            + b"\x00\x00"
            + name
        )
        central_entry = (
            b"PK\x01\x02"
            + (20).to_bytes(2, "little") * 2
            + b"\x00\x00"
            + (8).to_bytes(2, "little")
            + b"\x00\x00\x00\x00"
            + crc.to_bytes(4, "little")
            + len(raw).to_bytes(4, "little")
            + claimed.to_bytes(4, "little")
            + len(name).to_bytes(2, "little")
            + b"\x00\x00" * 4  # extra, comment, disk, internal attributes
            + b"\x00\x00\x00\x00"  # external attributes
            + offset.to_bytes(4, "little")
            + name
        )
        central += central_entry
        count = int.from_bytes(eocd[10:12], "little") + 1
        eocd[8:10] = eocd[10:12] = count.to_bytes(2, "little")
        eocd[12:16] = len(central).to_bytes(4, "little")
        eocd[16:20] = (offset + len(local) + len(raw)).to_bytes(4, "little")
        f.seek(0)
        f.truncate()
        f.write(entries + local + raw + bytes(central) + bytes(eocd))
    return path
