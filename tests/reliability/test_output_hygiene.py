"""What reaches a terminal or an error message is clean: no control characters from documents or file names
on stdout/stderr (issue 14, item 7), no API key or bearer token in any error or log line (item 9)."""

from __future__ import annotations

import json
import logging
import subprocess

import pytest
from llm_server import Status
from reliability_helpers import QA, qa_env

import qa
from qa.errors import ModelError, StoreUnavailableError
from qa.terminal import json_text, printable

pytestmark = pytest.mark.reliability

ESC = "\x1b"
HOSTILE = (
    "The harbour \x1b[31mlighthouse\x1b[0m was built in 1901 by the council.\x1b]0;pwned title\x07 "
    "Its keeper\x9b2J lived on the rocks\r overwritten. The \u202eflipped\u202c beacon still turns.\n\n"
    "The harbour ferry sails to the island every morning at seven.\n"
)


def test_printable_strips_every_control_but_newline_and_tab():
    dirty = "".join(chr(c) for c in [*range(0x20), 0x7F, *range(0x80, 0xA0)]) + "\u202e\u2066ok\tfine\n"
    assert printable(dirty) == "\t\nok\tfine\n"
    as_json = json_text({"t": dirty})
    assert json.loads(as_json) == {"t": dirty}  # the same data for a JSON reader
    assert not any(ch in as_json for ch in dirty if ch not in "okfine")


def test_no_escape_byte_reaches_the_terminal(tmp_path):
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / f"harbour{ESC}]0;name{chr(7)}.txt").write_text(HOSTILE, encoding="utf-8")
    (docs / f"broken{ESC}[31m.txt").write_bytes(b"\xff\xfe not utf-8 \x1b[31m")  # a failure line names it
    env = qa_env(tmp_path / "home")

    def run(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run([QA, *args], env=env, cwd=tmp_path, capture_output=True, timeout=600)

    runs = {
        "index": run("index", str(docs)),
        "ask": run("ask", "When was the harbour lighthouse built?"),
        "ask --json": run("ask", "When was the harbour lighthouse built?", "--json"),
        "sources": run("sources"),
        "sources --json": run("sources", "--json"),
    }
    assert b"1901" in runs["ask"].stdout, runs["ask"].stderr[-2000:]
    assert b"broken" in runs["index"].stderr  # the failed file is reported, by a clean name
    for name, proc in runs.items():
        for stream in (proc.stdout, proc.stderr):
            assert ESC.encode() not in stream, f"qa {name} printed an ESC byte: {stream[-500:]!r}"
            assert "\x9b".encode() not in stream and b"\x07" not in stream and b"\r" not in stream
    answer = json.loads(runs["ask --json"].stdout)
    assert any(ESC in p["text"] for p in answer["passages"])  # the data is kept; only its printing is clean


SECRET = "sk-test-0123456789abcdefSECRET"


@pytest.mark.parametrize(
    "status",
    [
        Status(400, f"echo auth header: Bearer {SECRET}"),
        Status(404, f"no such model for key {SECRET}"),
        Status(422, f'invalid request: {{"api_key": "{SECRET}"}}'),
        Status(403, f"Authorization: Bearer {SECRET} may not use this model"),
    ],
    ids=["400-bearer", "404-raw-key", "422-json-key", "403-header"],
)
def test_no_key_in_model_errors(llm, llm_settings, status):
    settings = llm_settings.with_overrides(api_key=SECRET)
    for call in (qa.ask, lambda *a, **k: list(qa.ask_stream(*a, **k))):
        llm.script(status)
        with pytest.raises(ModelError) as caught:
            call("Who is Donald Trump's national security adviser?", settings=settings)
        message = str(caught.value)
        assert SECRET not in message and "0123456789abcdef" not in message, message
        assert llm.requests[-1].headers.get("authorization") == f"Bearer {SECRET}"  # the key was sent


def test_no_password_of_a_chroma_url_in_store_errors(tmp_path):
    from index.config import IndexConfig
    from index.store import ChromaStore

    with pytest.raises(StoreUnavailableError) as caught:
        ChromaStore(IndexConfig(home=tmp_path, chroma_url="http://admin:hunter2-secret@127.0.0.1:9"))
    assert "hunter2" not in str(caught.value) and "127.0.0.1:9" in str(caught.value)


def test_no_token_in_the_ui_log_or_message(caplog):
    from ui.app import error_message

    with caplog.at_level(logging.ERROR):
        shown = error_message(RuntimeError(f"upstream said: Authorization: Bearer {SECRET}"))
    assert SECRET not in shown and SECRET not in caplog.text
    assert "RuntimeError" in caplog.text  # the traceback is still logged
