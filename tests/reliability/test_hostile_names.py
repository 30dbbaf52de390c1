"""Names a user or a browser sends: collection names and upload file names. Whatever they hold, storage stays
inside QA_HOME, and two different names never share storage."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import qa
from qa.settings import Settings, storage_name

pytestmark = pytest.mark.reliability

_CHROMA_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{1,510}[A-Za-z0-9]")
_FUZZ = settings(max_examples=400, deadline=None, database=None, derandomize=True)


@_FUZZ
@given(names=st.lists(st.text(max_size=60), min_size=2, max_size=6, unique=True))
def test_collection_names_map_to_distinct_valid_storage(names):
    from index.store import _collection_name

    home = Path("/qa-home")
    base = home / "collections" / "embedded"
    stored = [storage_name(n) for n in names]
    assert len(set(stored)) == len(names), f"two collection names share storage: {names} -> {stored}"
    for name in names:
        chroma = _collection_name(name)
        assert _CHROMA_NAME.fullmatch(chroma) and ".." not in chroma, chroma
        folder = Settings(home=home, collection=name).collection_dir
        assert folder.parent == base and folder.name not in ("", ".", ".."), folder


def test_similar_collection_names_keep_their_own_chunks(qa_home, tmp_path):
    """'my docs' and 'my-docs' once shared one Chroma collection with two catalogs: indexing the second
    deleted the first one's vectors as orphans."""
    first, second = tmp_path / "a", tmp_path / "b"
    first.mkdir(), second.mkdir()
    (first / "ferry.txt").write_text("The ferry leaves the harbour at dawn. It returns at dusk.\n")
    (second / "light.txt").write_text("The lighthouse keeper painted the tower red in 2020.\n")
    names = ["my docs", "my-docs", "..", "a..b", "ü", "x\x01y"]
    for i, name in enumerate(names):
        report = qa.index([first if i % 2 == 0 else second], collection=name)
        assert report.chunks_total == 1, (name, report)
    from index.pipeline import open_collection

    for i, name in enumerate(names):
        store, catalog = open_collection(qa.load_settings().with_overrides(collection=name).index_config())
        try:
            assert store.all_ids() == catalog.chunk_ids() and len(store.all_ids()) == 1, name
        finally:
            catalog.close()
        answer = qa.ask("When does the ferry leave?" if i % 2 == 0 else "What colour is the tower?", name)
        assert answer.passages and answer.passages[0].source == str(
            (first, second)[i % 2] / ("ferry.txt", "light.txt")[i % 2]
        )
    for path in qa_home.rglob("*"):  # nothing outside QA_HOME, and every collection in its own folder
        assert path.resolve().is_relative_to(qa_home.resolve())


# -- upload names -------------------------------------------------------------------------------------------
_HOSTILE = [
    "../../escape.txt",
    "/etc/passwd.txt",
    "..\\..\\windows.txt",
    ".hidden.md",
    "a/../../b.md",
    "．．／．．／fullwidth.txt",  # NFKC turns these into ../../
    "nul\x00byte.txt",
    "new\nline.txt",
    "rtl\u202etxt.exe",
    "x" * 400 + ".txt",
    "~/home.txt",
    "CON",
    "",
]


def _real_file(folder: Path, name: str) -> Path:
    """A file as Gradio would hand it over: in a temp folder, named as the browser sent it (where the file
    system can hold that name; otherwise with the bytes it can)."""
    base = name.replace("/", "\u2215").replace("\x00", "") or "empty"
    path = folder / base[:200]
    path.write_bytes(b"The ferry leaves at dawn.\n")
    return path


def test_upload_names_land_inside_the_uploads_folder(tmp_path):
    from ui.uploads import save_uploads, uploads_dir

    home = tmp_path / "home"
    incoming = tmp_path / "gradio-cache"
    incoming.mkdir()
    files = [_real_file(incoming, n) for n in _HOSTILE]
    # Odd bytes that are not UTF-8 at all (POSIX names are bytes).
    odd = os.fsdecode(b"caf\xe9-\xff\xfe.txt")
    (incoming / odd).write_bytes(b"The ferry leaves at dawn.\n")
    files.append(incoming / odd)
    # A symlink already sitting where an upload will be written must not be written through.
    outside = tmp_path / "outside.txt"
    outside.write_text("untouched")
    target_folder = uploads_dir(home, "default")
    target_folder.mkdir(parents=True)
    (target_folder / "link.txt").symlink_to(outside)
    link_upload = incoming / "link.txt"
    link_upload.write_text("uploaded")
    files.append(link_upload)

    saved, refused = save_uploads(files, home, "../../collections", max_bytes=1_000_000)
    saved += save_uploads([link_upload], home, "default", max_bytes=1_000_000)[0]
    assert saved and not refused, refused
    root = (home / "uploads").resolve()
    for path in saved:
        resolved = path.resolve()
        assert resolved.is_relative_to(root), path
        assert resolved.parent.parent == root  # uploads/<collection>/<name>, nothing deeper or higher
        assert not resolved.name.startswith(".")
        name = resolved.name
        assert name.isprintable() and "/" not in name and "\\" not in name and name not in (".", "..")
    assert outside.read_text() == "untouched"
    for path in tmp_path.rglob("*"):  # nothing written anywhere but the uploads folder (and our inputs)
        if path.is_file() and not path.is_symlink():
            assert path.is_relative_to(incoming) or path.resolve().is_relative_to(root) or path == outside, (
                path
            )


@settings(
    max_examples=300,
    deadline=None,
    database=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow],
)
@given(name=st.binary(min_size=1, max_size=120).filter(lambda b: b"/" not in b and b"\0" not in b))
def test_any_byte_name_lands_inside_qa_home(tmp_path_factory, name):
    from ui.uploads import save_uploads

    work = tmp_path_factory.mktemp("bytes")
    if name in (b".", b".."):
        return  # not a file name a file system can hold
    try:
        source = work / os.fsdecode(name)
        source.write_bytes(b"text\n")
    except OSError:  # the file system refuses it (too long): nothing to upload
        return
    home = work / "home"
    saved, refused = save_uploads([source], home, "default", max_bytes=1000)
    assert len(saved) + len(refused) == 1
    for path in saved:
        assert path.resolve().is_relative_to((home / "uploads").resolve())
