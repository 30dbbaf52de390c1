"""Seconds per answer through the MCP server (stdio) and the OpenAI-compatible API of `qa ui`.

    python tests/serve/serve_latency.py [--questions 10]

Indexes the seed article into a temp QA_HOME, then: `qa mcp` started by the MCP client (spawn to the first
answer: cold), then the same seed question asked again (warm); `qa ui` started, then /v1 asked plain and
streamed (time to the first text piece and to the end). Prints p50 and max of each.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests" / "serve"))

from serve_helpers import SEED_QUESTION  # noqa: E402

from ui.devserver import index_paths, qa_env, running_app  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--questions", type=int, default=10)
    n = parser.parse_args().questions
    work = Path(tempfile.mkdtemp(prefix="qa-serve-"))
    home = work / "home"
    index_paths(home, [ROOT / "seeds"])
    print(f"load average {os.getloadavg()[0]:.1f}; {n} questions each")
    try:
        mcp(home, n)
        openai_api(home, work, n)
    finally:
        shutil.rmtree(work, ignore_errors=True)


def mcp(home: Path, n: int) -> None:
    import anyio
    from mcp.client.session import ClientSession
    from mcp.client.stdio import StdioServerParameters, stdio_client

    env = qa_env(home, PYTHONPATH=str(ROOT))
    params = StdioServerParameters(
        command=sys.executable, args=["-m", "qa.cli", "mcp"], env=env, cwd=str(ROOT)
    )

    async def session():
        start = time.perf_counter()
        async with stdio_client(params) as (read, write), ClientSession(read, write) as s:
            await s.initialize()
            first = await s.call_tool("ask", {"question": SEED_QUESTION})
            cold = time.perf_counter() - start
            assert first.structured_content["citations"]
            warm = []
            for _ in range(n):
                t = time.perf_counter()
                await s.call_tool("ask", {"question": SEED_QUESTION})
                warm.append(time.perf_counter() - t)
        return cold, warm

    cold, warm = anyio.run(session)
    print(f"MCP stdio: spawn to first cited answer {cold:.2f} s; then ask {summary(warm)}")


def openai_api(home: Path, work: Path, n: int) -> None:
    import openai

    with running_app(home, work / "ui.log") as url:
        client = openai.OpenAI(
            base_url=f"{url}v1", api_key="x", http_client=openai.DefaultHttpxClient(trust_env=False)
        )
        messages = [{"role": "user", "content": SEED_QUESTION}]
        client.chat.completions.create(model="default", messages=messages)  # warms the server's models up
        plain, first_piece, whole = [], [], []
        for _ in range(n):
            t = time.perf_counter()
            reply = client.chat.completions.create(model="default", messages=messages)
            plain.append(time.perf_counter() - t)
            assert reply.citations
            t = time.perf_counter()
            got_first = None
            for chunk in client.chat.completions.create(model="default", messages=messages, stream=True):
                if got_first is None and chunk.choices[0].delta.content:
                    got_first = time.perf_counter() - t
            first_piece.append(got_first)
            whole.append(time.perf_counter() - t)
    print(f"/v1 plain: {summary(plain)}; streamed: first text {summary(first_piece)}, whole {summary(whole)}")


def summary(values: list[float]) -> str:
    return f"p50 {statistics.median(values) * 1000:.0f} ms, max {max(values) * 1000:.0f} ms"


if __name__ == "__main__":
    main()
