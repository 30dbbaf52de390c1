"""Uploads land in QA_HOME/uploads/<collection>/, whatever name the browser sent, within the size limit."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from ui.uploads import is_upload, safe_name, save_uploads


@given(st.text())
def test_a_safe_name_cannot_leave_its_folder(name):
    out = safe_name(name)
    assert out and "/" not in out and "\\" not in out and "\x00" not in out
    assert not out.startswith(".") and out not in (".", "..")
    assert len(out) <= 120


def test_hostile_names_keep_their_base_name():
    assert safe_name("../../etc/passwd") == "passwd"
    assert safe_name("C:\\Users\\x\\report.pdf") == "report.pdf"
    assert safe_name("/abs/path/notes.md") == "notes.md"
    assert safe_name("..") == "upload"
    assert safe_name("<img src=x onerror=alert(1)>.txt") == "_img src_x onerror_alert_1_.txt"
    assert safe_name("a" * 300 + ".docx").endswith(".docx")


def test_save_uploads_writes_only_under_home_and_refuses_large_files(tmp_path):
    home = tmp_path / "home"
    incoming = tmp_path / "incoming"
    incoming.mkdir()
    small = incoming / "..evil.txt"
    small.write_text("hello")
    big = incoming / "big.txt"
    big.write_bytes(b"x" * 2000)
    saved, refused = save_uploads([small, big], home, "../../outside", max_bytes=1000)
    assert saved == [home / "uploads" / "outside" / "evil.txt"]
    assert saved[0].read_text() == "hello"
    assert refused[0][0] == "big.txt" and "too large" in refused[0][1]
    assert is_upload(str(saved[0]), home)
    assert not is_upload(str(small), home)
    assert not (tmp_path / "outside").exists()
