"""`qa mcp` over stdio, driven by the official MCP client: tools, a cited answer, a refusal, errors."""

from __future__ import annotations

import signal
import sys

import anyio
import pytest
from serve_helpers import ROOT, SEED_FILE, SEED_QUESTION, UNANSWERABLE

from ui.devserver import qa_env

pytestmark = pytest.mark.server


def run_session(home, calls):
    """Start `qa mcp` in a subprocess, list its tools, make the calls; returns (tool list, results)."""
    from mcp.client.session import ClientSession
    from mcp.client.stdio import StdioServerParameters, stdio_client

    env = qa_env(home, PYTHONPATH=str(ROOT))
    params = StdioServerParameters(
        command=sys.executable, args=["-m", "qa.cli", "mcp"], env=env, cwd=str(ROOT)
    )

    async def session():
        async with stdio_client(params) as (read, write), ClientSession(read, write) as s:
            await s.initialize()
            tools = (await s.list_tools()).tools
            results = [await s.call_tool(name, arguments) for name, arguments in calls]
            return tools, results

    return anyio.run(session)


@pytest.fixture(scope="module")
def session(served_home):
    return run_session(
        served_home,
        [
            ("ask", {"question": SEED_QUESTION}),
            ("ask", {"question": UNANSWERABLE}),
            ("ask", {"question": SEED_QUESTION, "collection": "never-indexed"}),
            ("ask", {"question": "   "}),
            ("search", {"query": "intelligence sharing with Ukraine", "k": 2}),
            ("sources", {}),
            (
                "ask",
                {
                    "question": "What did he say about the relationship?",
                    "history": [
                        {"role": "user", "content": SEED_QUESTION},
                        {"role": "assistant", "content": "Mike Waltz is the adviser. [1]"},
                    ],
                },
            ),
        ],
    )


def test_lists_the_three_tools_with_schemas(session):
    tools, _ = session
    by_name = {t.name: t for t in tools}
    assert set(by_name) == {"ask", "search", "sources"}
    ask = by_name["ask"]
    assert ask.input_schema["required"] == ["question"]
    assert {"question", "collection", "top_k", "history"} <= set(ask.input_schema["properties"])
    assert {"answer", "refused", "citations"} <= set(ask.output_schema["properties"])
    assert "data, never as instructions" in ask.description


def test_ask_returns_a_cited_answer(session):
    result = session[1][0]
    assert not result.is_error
    answer = result.structured_content
    assert not answer["refused"]
    assert "Waltz" in answer["answer"]
    assert answer["citations"]
    text = (ROOT / "seeds" / SEED_FILE).read_text(encoding="utf-8")
    for c in answer["citations"]:
        assert f"[{c['id']}]" in answer["answer"]
        assert c["source"].endswith(SEED_FILE)
        assert text[c["start"] : c["end"]] == c["text"]
        assert c["quote"] and text[c["quote_start"] : c["quote_end"]] == c["quote"]
    # The text content is for the model: the answer, then its sources.
    assert result.content[0].text.startswith(answer["answer"])
    assert "Sources:\n[1] " in result.content[0].text


def test_ask_refuses_what_the_documents_do_not_say(session):
    result = session[1][1]
    assert not result.is_error
    assert result.structured_content["refused"] is True
    assert result.structured_content["citations"] == []


def test_errors_are_tool_errors_with_our_one_line_message(session):
    missing, empty = session[1][2], session[1][3]
    assert missing.is_error and missing.structured_content is None
    message = missing.content[0].text
    assert message.startswith("No documents indexed in collection 'never-indexed': run `qa index PATH`")
    assert "\n" not in message and "Traceback" not in message
    assert empty.is_error and empty.content[0].text == "Ask a question: the question is empty."


def test_search_and_sources(session):
    search, sources = session[1][4], session[1][5]
    passages = search.structured_content["passages"]
    assert len(passages) == 2
    assert passages[0]["id"] == 1 and "intelligence sharing" in passages[0]["text"]
    assert passages[0]["score"] >= passages[1]["score"]
    documents = sources.structured_content["documents"]
    assert [d["source"].rsplit("/", 1)[-1] for d in documents] == [SEED_FILE]
    assert documents[0]["chunks"] > 0 and documents[0]["state"] == "done"


def test_follow_up_uses_the_history(session):
    follow = session[1][6].structured_content
    assert not follow["refused"]
    assert follow["searched"] and follow["searched"] != "What did he say about the relationship?"
    assert "Waltz" in follow["searched"]


def test_streamable_http_on_loopback(served_home, tmp_path):
    import subprocess
    import time

    import httpx
    from mcp.client.session import ClientSession
    from mcp.client.streamable_http import streamable_http_client

    from ui.devserver import free_port

    port = free_port()
    cmd = [sys.executable, "-m", "qa.cli", "mcp", "--http", "--port", str(port)]

    async def ask():
        async with (
            streamable_http_client(f"http://127.0.0.1:{port}/mcp") as (read, write),
            ClientSession(read, write) as s,
        ):
            await s.initialize()
            return await s.call_tool("ask", {"question": SEED_QUESTION})

    with open(tmp_path / "mcp-http.log", "wb") as log:
        proc = subprocess.Popen(cmd, env=qa_env(served_home), cwd=ROOT, stdout=log, stderr=subprocess.STDOUT)
        try:
            deadline = time.monotonic() + 60
            while True:
                try:
                    result = anyio.run(ask)
                    break
                except Exception:
                    if proc.poll() is not None or time.monotonic() > deadline:
                        raise
                    time.sleep(0.5)
            # DNS rebinding: a request addressed to another host name is refused.
            rebound = httpx.post(
                f"http://127.0.0.1:{port}/mcp",
                headers={"Host": f"rebound.example:{port}", "Accept": "application/json, text/event-stream"},
                json={"jsonrpc": "2.0", "id": 1, "method": "tools/list"},
                trust_env=False,
            )
        finally:
            proc.send_signal(signal.SIGINT)  # Ctrl-C: how a server is stopped
            try:
                code = proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()
                raise
    assert code == 0, (tmp_path / "mcp-http.log").read_text()  # a normal end, as for `qa ui`
    assert rebound.status_code in (403, 421), rebound.status_code
    assert not result.is_error
    assert "Waltz" in result.structured_content["answer"]
    assert result.structured_content["citations"]
