"""Opening a file to index it, safely: whatever sits at the path by now, the run cannot hang or read without end.

Discovery saw a regular file, but by the time it is read the path may be a FIFO (opening it would wait for a
writer forever, holding the collection's lock), a link to /dev/zero (endless bytes), a device, or a file that
keeps growing. So a file is opened without blocking and, when asked, without following a final link; the open
descriptor is then checked (a regular file, under the size limit) and read with a cap and a time limit.
"""

from __future__ import annotations

import contextlib
import errno
import os
import stat
import time
from collections.abc import Iterator
from typing import BinaryIO

from index.errors import LoadError

READ_SECONDS = 60.0  # reading one file (at most the size limit) never takes longer than this
BLOCK = 1 << 20

_KINDS = {
    stat.S_IFIFO: "a FIFO (named pipe)",
    stat.S_IFCHR: "a character device",
    stat.S_IFBLK: "a block device",
    stat.S_IFSOCK: "a socket",
    stat.S_IFDIR: "a folder",
}


def _flags(follow_links: bool) -> int:
    flags = os.O_RDONLY | getattr(os, "O_BINARY", 0)
    flags |= getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0)  # a FIFO opens at once, no wait
    if not follow_links:
        flags |= getattr(os, "O_NOFOLLOW", 0)
    return flags


@contextlib.contextmanager
def open_regular(path: str | os.PathLike, max_bytes: int, follow_links: bool = True) -> Iterator[BinaryIO]:
    """The file at `path`, opened for reading once it is known to be a regular file of at most max_bytes."""
    try:
        fd = os.open(path, _flags(follow_links))
    except OSError as e:
        if not follow_links and e.errno in (errno.ELOOP, errno.EMLINK):
            raise LoadError(
                "the file became a link after it was found; links are not followed here"
            ) from None
        raise
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            kind = _KINDS.get(stat.S_IFMT(st.st_mode), "not a regular file")
            raise LoadError(f"not a regular file: the path now leads to {kind}; skipped")
        check_size(st.st_size, max_bytes)
        with contextlib.suppress(AttributeError, OSError):
            os.set_blocking(fd, True)  # regular files never block; O_NONBLOCK only mattered for open()
        f = os.fdopen(fd, "rb", buffering=0)
    except BaseException:
        os.close(fd)
        raise
    with f:
        yield f


def read_capped(f: BinaryIO, max_bytes: int, seconds: float = READ_SECONDS) -> bytes:
    """At most max_bytes from f, in blocks, within `seconds`; a file that grew past the limit is refused."""
    deadline = time.monotonic() + seconds
    parts: list[bytes] = []
    size = 0
    while True:
        block = f.read(min(BLOCK, max_bytes + 1 - size))
        if not block:
            break
        parts.append(block)
        size += len(block)
        if size > max_bytes:
            raise LoadError(f"file too large: it grew past the limit of {max_bytes / 1e6:g} MB while read")
        if time.monotonic() > deadline:
            raise LoadError(
                f"reading the file took longer than {seconds:g} s (a slow or hung disk?); skipped"
            )
    return b"".join(parts)


def read_bytes(
    path: str | os.PathLike, max_bytes: int, follow_links: bool = True, seconds: float = READ_SECONDS
) -> bytes:
    """The whole content of a regular file of at most max_bytes, read once, within `seconds`."""
    with open_regular(path, max_bytes, follow_links) as f:
        return read_capped(f, max_bytes, seconds)


def hash_file(path: str | os.PathLike, max_bytes: int, follow_links: bool = True) -> str:
    """The content hash of a regular file, with the same checks and limits as reading it."""
    import hashlib

    h = hashlib.blake2b(digest_size=16)
    deadline = time.monotonic() + READ_SECONDS
    size = 0
    with open_regular(path, max_bytes, follow_links) as f:
        for block in iter(lambda: f.read(BLOCK), b""):
            size += len(block)
            if size > max_bytes:
                raise LoadError(
                    f"file too large: it grew past the limit of {max_bytes / 1e6:g} MB while read"
                )
            if time.monotonic() > deadline:
                raise LoadError(f"reading the file took longer than {READ_SECONDS:g} s; skipped")
            h.update(block)
    return h.hexdigest()


def check_size(size: int, max_bytes: int) -> None:
    """Refuse empty files and files over the limit before reading them (bounded memory, no time spent)."""
    if size > max_bytes:
        raise LoadError(
            f"file too large: {size / 1e6:.1f} MB, the limit is {max_bytes / 1e6:g} MB (set QA_MAX_FILE_MB to raise it)"
        )
    if size == 0:
        raise LoadError("empty file (0 bytes)")


def is_inside(path: str | os.PathLike, folder: str | os.PathLike) -> bool:
    """True when `path`, links resolved, lies in `folder` (links resolved too)."""
    target, root = os.path.realpath(path), os.path.realpath(folder)
    return target == root or target.startswith(root.rstrip(os.sep) + os.sep)
