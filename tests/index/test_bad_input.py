"""Every bad input of the issue is reported with its reason, the good files are still indexed, nothing raises."""

from __future__ import annotations

import os
import socket
import time
import tracemalloc

import pytest

import qa
from index.pipeline import open_collection
from qa.settings import load_settings

GOOD = "The harbour master, Ines Varga, inspects the pier every Tuesday morning.\n"


def _reasons(report) -> dict[str, str]:
    return {f["source"]: f["reason"] for f in report.failed}


@pytest.fixture
def bad_folder(tmp_path):
    """A folder with one good file and one of each bad kind that can be made as any user."""
    folder = tmp_path / "docs"
    folder.mkdir()
    (folder / "good.txt").write_text(GOOD, encoding="utf-8")
    (folder / "corrupt.pdf").write_bytes(
        b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Pages 9 0 R >>\ntruncated"
    )
    (folder / "binary.txt").write_bytes(bytes(range(256)) * 40)
    (folder / "empty.md").write_bytes(b"")
    (folder / "latin1.txt").write_bytes("Grüße aus Köln, café.".encode("latin-1"))
    (folder / "photo.jpg").write_bytes(b"\xff\xd8\xff\xe0")  # unsupported: skipped, not failed
    os.symlink("loop-b.txt", folder / "loop-a.txt")  # a file symlink loop
    os.symlink("loop-a.txt", folder / "loop-b.txt")
    (folder / "sub").mkdir()
    os.symlink("..", folder / "sub" / "up")  # a folder symlink loop: docs/sub/up -> docs
    (folder / "zz-vanishes.txt").write_text(GOOD, encoding="utf-8")
    return folder


def test_bad_files_are_reported_and_good_ones_indexed(qa_home, bad_folder, tmp_path):
    vanishing = bad_folder / "zz-vanishes.txt"

    def progress(source: str, done: int, total: int) -> None:
        if vanishing.exists():  # deleted after discovery, before it is read: it vanishes mid-run
            vanishing.unlink()

    missing = tmp_path / "no-such-folder"
    report = qa.index([bad_folder, missing], progress=progress)

    assert report.added == [str(bad_folder / "good.txt")]
    assert report.ok
    reasons = _reasons(report)
    expected = {
        "corrupt.pdf": "corrupt or unreadable PDF",
        "binary.txt": "binary data",
        "empty.md": "empty file",
        "latin1.txt": "not valid UTF-8",
        "loop-a.txt": "symlink loop",
        "loop-b.txt": "symlink loop",
        "zz-vanishes.txt": "vanished",
    }
    for name, reason in expected.items():
        assert reason in reasons[str(bad_folder / name)], reasons
    assert reasons[str(missing)] == "path does not exist"
    loop_folder = [s for s, r in reasons.items() if "symlink loop: folder already visited" in r]
    assert loop_folder == [str(bad_folder / "sub" / "up")]
    assert report.skipped == [
        {"source": str(bad_folder / "photo.jpg"), "reason": "unsupported file type '.jpg'"}
    ]
    assert len(report.failed) == len(expected) + 2
    # Only the good file reached the store.
    store, catalog = open_collection(load_settings(env_file=None).index_config())
    try:
        assert set(catalog.sources()) == {str(bad_folder / "good.txt")}
        assert store.all_ids() == catalog.chunk_ids() != set()
    finally:
        catalog.close()


def test_unix_socket_with_a_text_suffix(qa_home, tmp_path):
    """A file that cannot be opened for reading, whoever runs the test (root included)."""
    folder = tmp_path / "docs"
    folder.mkdir()
    (folder / "good.txt").write_text(GOOD, encoding="utf-8")
    server = socket.socket(socket.AF_UNIX)
    server.bind(str(folder / "socket.txt"))
    try:
        report = qa.index([folder])
    finally:
        server.close()
    assert report.added == [str(folder / "good.txt")]
    assert _reasons(report) == {str(folder / "socket.txt"): "not a regular file"}


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads files whatever their mode; see the socket test")
def test_unreadable_file(qa_home, tmp_path):
    folder = tmp_path / "docs"
    folder.mkdir()
    (folder / "good.txt").write_text(GOOD, encoding="utf-8")
    secret = folder / "secret.txt"
    secret.write_text(GOOD, encoding="utf-8")
    secret.chmod(0)
    try:
        report = qa.index([folder])
    finally:
        secret.chmod(0o644)
    assert report.added == [str(folder / "good.txt")]
    assert "permission denied" in _reasons(report)[str(secret)]


def test_200_mb_file_is_refused_quickly_in_bounded_memory(qa_home, tmp_path):
    folder = tmp_path / "docs"
    folder.mkdir()
    (folder / "good.txt").write_text(GOOD, encoding="utf-8")
    qa.index([folder])  # the model and Chroma are loaded before memory is measured
    huge = folder / "huge.txt"
    with open(huge, "wb") as f:  # sparse: 200 MB on paper, instant to make
        f.truncate(200 * 1024 * 1024)

    tracemalloc.start()
    started = time.perf_counter()
    report = qa.index([folder])
    seconds = time.perf_counter() - started
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()

    reason = _reasons(report)[str(huge)]
    assert "file too large: 209.7 MB, the limit is 50 MB" in reason
    assert "QA_MAX_FILE_MB" in reason
    assert report.unchanged == [str(folder / "good.txt")]
    assert peak < 20 * 1024 * 1024, f"peak Python memory {peak / 1e6:.0f} MB: the file was read"
    print(f"refused in {seconds:.3f} s, peak traced memory {peak / 1e6:.1f} MB")


def test_size_limit_follows_the_setting(qa_home, tmp_path, monkeypatch):
    folder = tmp_path / "docs"
    folder.mkdir()
    (folder / "big.txt").write_text(GOOD * 40, encoding="utf-8")  # ~3 KB
    monkeypatch.setenv("QA_MAX_FILE_MB", "0.001")
    report = qa.index([folder])
    assert "the limit is 0.001 MB" in _reasons(report)[str(folder / "big.txt")]
    assert not report.ok
    assert "nothing could be indexed" in report.problem()


def test_nothing_indexable(qa_home, tmp_path):
    folder = tmp_path / "docs"
    folder.mkdir()
    report = qa.index([folder])
    assert not report.ok
    assert "no files found" in report.problem()
    (folder / "x.bin").write_bytes(b"\x00")
    (folder / "y.txt").write_bytes(b"")
    report = qa.index([folder, tmp_path / "missing.txt"])
    assert not report.ok
    assert "nothing could be indexed: 2 failed, 1 skipped" in report.problem()
