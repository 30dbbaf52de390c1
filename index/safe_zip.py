"""A .docx (a zip) opened without trusting what the zip says about itself.

The sizes in a zip's headers are written by whoever made the file: a 2 MB .docx can claim that its
document.xml holds 5,000 bytes while its data inflates to 2 GB, with a CRC that matches the first 5,000 bytes.
Reading such a member in one call (as python-docx does) inflates all of it before any check. So the package
given to python-docx is rebuilt here: each XML part inflated through a counting reader, in small blocks, that
stops at the limit; parts that are not XML (images, fonts, embedded files) are never inflated at all, since
they carry no text. The parser then reads stored, already-counted bytes.
"""

from __future__ import annotations

import io
import zipfile
import zlib

from index.errors import LoadError

# Parsed XML takes ~20x its size in memory (lxml trees): 25 MB of XML is some 10,000 pages of text.
MAX_XML_BYTES = 25_000_000
BLOCK = 1 << 16  # inflated at a time: zipfile inflates at most about this much per read call
_XML = (".xml", ".rels")


def docx_package(data: bytes, max_xml: int = MAX_XML_BYTES) -> io.BytesIO:
    """A copy of the .docx in `data` whose XML parts were inflated within `max_xml` bytes in all (stored
    uncompressed) and whose other parts are empty. Raises LoadError for a zip bomb or a broken zip."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        members = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError) as e:
        raise LoadError(f"not a valid .docx (zip) file: {e}") from None
    declared = sum(i.file_size for i in members if i.filename.endswith(_XML))
    if declared > max_xml:
        raise _too_much(declared, max_xml)
    rebuilt = io.BytesIO()
    budget = max_xml
    with archive, zipfile.ZipFile(rebuilt, "w", zipfile.ZIP_STORED) as out:
        for info in members:
            if info.is_dir():
                continue
            if not info.filename.endswith(_XML):
                out.writestr(info.filename, b"")  # images and the like: their parts exist, empty
                continue
            _check_sizes(info)
            part = _inflate(archive, info, budget)
            budget -= len(part)
            out.writestr(info.filename, part)
    rebuilt.seek(0)
    return rebuilt


def _check_sizes(info: zipfile.ZipInfo) -> None:
    """Deflate never makes data much larger: compressed bytes far beyond the stated size mean the size lies."""
    if info.compress_type == zipfile.ZIP_DEFLATED and info.compress_size > info.file_size * 1.01 + 1024:
        raise LoadError(
            f"refusing .docx: '{info.filename}' says it holds {info.file_size:,} bytes but carries "
            f"{info.compress_size:,} compressed bytes, so its sizes lie (a zip bomb?)"
        )


def _inflate(archive: zipfile.ZipFile, info: zipfile.ZipInfo, budget: int) -> bytes:
    """The member's bytes, counted as they inflate; stops as soon as they pass `budget`."""
    parts: list[bytes] = []
    size = 0
    try:
        with archive.open(info) as member:
            while block := member.read(BLOCK):
                size += len(block)
                if size > budget:
                    raise _too_much(size, budget, info.filename)
                parts.append(block)
    except (
        zipfile.BadZipFile,
        zipfile.LargeZipFile,
        zlib.error,
        EOFError,
        OSError,
        NotImplementedError,
        ValueError,
    ) as e:
        raise LoadError(f"corrupt .docx: '{info.filename}' cannot be inflated ({e})") from None
    return b"".join(parts)


def _too_much(size: int, limit: int, name: str = "") -> LoadError:
    what = f"'{name}' inflates" if name else "its XML inflates"
    return LoadError(
        f"refusing .docx: {what} to more than {min(size, limit + 1) / 1e6:.0f} MB of XML (limit "
        f"{MAX_XML_BYTES / 1e6:.0f} MB in all): possibly a zip bomb; if it is a real document, split it or save "
        "it as PDF"
    )
