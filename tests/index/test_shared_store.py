"""Several machines (QA_HOMEs) on one token-protected Chroma server: each answers from what the others indexed,
a fresh home lists and answers everything, a removal is seen everywhere, writers running at once (one of them
killed) lose, orphan and duplicate nothing, and a missing or wrong token is one clear line."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import urllib.request
import uuid
from pathlib import Path

import pytest
from index_support import run_qa
from test_kill import catalog_state, expected_ids, write_corpus
from token_proxy import TokenProxy

from index.config import IndexConfig
from index.store import ChromaStore
from ui.devserver import qa_env, running_app

pytestmark = pytest.mark.server
TOKEN = "tok-" + uuid.uuid4().hex  # never to be seen in any output

LIGHTHOUSE = "# Varkona\n\nThe lighthouse of Varkona was built in 1871 by the engineer Mirela Toss.\n"
RIVER = "# Quendl\n\nThe Quendl river floods every April and covers the valley of Ostrom with silt.\n"


@pytest.fixture
def proxy(chroma_server):
    with TokenProxy(chroma_server, TOKEN) as running:
        yield running


@pytest.fixture
def collection() -> str:
    return f"shared-{uuid.uuid4().hex[:10]}"


def machine(tmp_path: Path, name: str, proxy: TokenProxy, collection: str, token: str | None = TOKEN) -> dict:
    """The environment of one machine: its own home, the shared server behind the proxy."""
    extra = {"QA_CHROMA_URL": proxy.url, "QA_COLLECTION": collection}
    if token is not None:
        extra["QA_CHROMA_TOKEN"] = token
    return qa_env(tmp_path / f"home-{name}", **extra)


def qa(env: dict, *args: str) -> subprocess.CompletedProcess:
    result = run_qa(*args, env=env)
    assert TOKEN not in result.stdout + result.stderr
    return result


def ask(env: dict, question: str) -> dict:
    result = qa(env, "ask", question, "--json")
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def cited_sources(answer: dict) -> set[str]:
    return {c["source"] for c in answer["citations"]}


def listed(env: dict) -> set[str]:
    result = qa(env, "sources", "--json")
    assert result.returncode == 0, result.stderr
    return {item["source"] for item in json.loads(result.stdout)}


def store_ids(chroma_url: str, collection: str, home: Path) -> list[str]:
    """The chunk ids on the server, read straight from it (not through any machine's cache)."""
    store = ChromaStore(IndexConfig(home=home, chroma_url=chroma_url, collection=collection))
    return sorted(store.all_ids())


def write(folder: Path, name: str, text: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def test_homes_answer_list_and_remove_across_machines(proxy, collection, chroma_server, tmp_path):
    a, b, fresh = (machine(tmp_path, n, proxy, collection) for n in ("a", "b", "fresh"))
    lighthouse = write(tmp_path / "a-docs", "varkona.md", LIGHTHOUSE)
    river = write(tmp_path / "b-docs", "quendl.md", RIVER)
    assert qa(a, "index", str(lighthouse.parent)).returncode == 0
    assert qa(b, "index", str(river.parent)).returncode == 0  # must not delete a's chunks as orphans

    # Crosswise: each machine answers from the document the other one indexed.
    assert str(river) in cited_sources(ask(a, "When does the Quendl river flood?"))
    answer = ask(b, "Who built the lighthouse of Varkona?")
    assert str(lighthouse) in cited_sources(answer) and "Mirela Toss" in answer["text"]

    # A fresh machine lists and answers everything.
    assert listed(fresh) == {str(lighthouse), str(river)}
    assert str(lighthouse) in cited_sources(ask(fresh, "Who built the lighthouse of Varkona?"))

    # A removal on one machine is seen by the others, and takes exactly that document's chunks off the server.
    assert qa(a, "remove", str(lighthouse)).returncode == 0
    assert listed(b) == listed(fresh) == {str(river)}
    assert str(lighthouse) not in cited_sources(ask(b, "Who built the lighthouse of Varkona?"))
    assert store_ids(chroma_server, collection, tmp_path / "probe") == sorted(expected_ids(river.parent))

    # Re-indexing what is on the server already writes nothing, from any machine.
    again = qa(fresh, "index", str(river.parent), "--json")
    assert again.returncode == 0 and json.loads(again.stdout)["chunks_written"] == 0


def test_a_missing_or_wrong_token_is_one_clear_line(proxy, collection, tmp_path):
    doc = write(tmp_path / "docs", "varkona.md", LIGHTHOUSE)
    for token in (None, "not-the-token-" + uuid.uuid4().hex):
        env = machine(tmp_path, "intruder", proxy, collection, token=token)
        for args in (("index", str(doc.parent)), ("ask", "Who built the lighthouse?"), ("sources",)):
            result = qa(env, *args)
            lines = result.stderr.strip().splitlines()
            assert result.returncode != 0, (args, result.stdout)
            assert len(lines) == 1 and "QA_CHROMA_TOKEN" in lines[0], result.stderr
            assert "Traceback" not in result.stderr
            if token:
                assert token not in result.stdout + result.stderr
    assert proxy.refused > 0 and proxy.forwarded == 0


def test_a_running_ui_answers_from_a_document_indexed_elsewhere(proxy, collection, tmp_path):
    a, b = machine(tmp_path, "a", proxy, collection), machine(tmp_path, "b", proxy, collection)
    assert qa(a, "index", str(write(tmp_path / "a-docs", "varkona.md", LIGHTHOUSE).parent)).returncode == 0
    extra = {k: v for k, v in a.items() if k in ("QA_CHROMA_URL", "QA_CHROMA_TOKEN", "QA_COLLECTION")}
    with running_app(tmp_path / "home-a", tmp_path / "ui.log", **extra) as url:
        river = write(tmp_path / "b-docs", "quendl.md", RIVER)
        assert qa(b, "index", str(river.parent)).returncode == 0  # after the page started
        body = json.dumps(
            {
                "model": collection,
                "messages": [{"role": "user", "content": "When does the Quendl river flood?"}],
            }
        ).encode()
        request = urllib.request.Request(
            f"{url.rstrip('/')}/v1/chat/completions", body, {"Content-Type": "application/json"}
        )
        with urllib.request.urlopen(request, timeout=120) as response:
            reply = json.loads(response.read())
    text = reply["choices"][0]["message"]["content"]
    assert "April" in text, text
    assert TOKEN not in (tmp_path / "ui.log").read_text(errors="replace")


@pytest.mark.slow
@pytest.mark.reliability
def test_two_homes_index_at_once_one_killed(proxy, collection, chroma_server, tmp_path):
    """Both index a shared folder plus one of their own; a is killed with SIGKILL after its first commit and
    run again. The server then holds exactly the chunks of a clean index of the same files."""
    shared, own_a, own_b = tmp_path / "shared", tmp_path / "own-a", tmp_path / "own-b"
    write_corpus(shared, files=16, sections=20)
    write_corpus(own_a, files=8, sections=20)
    write_corpus(own_b, files=8, sections=20)
    a, b = machine(tmp_path, "a", proxy, collection), machine(tmp_path, "b", proxy, collection)

    def start(env, *folders):
        return subprocess.Popen(
            [str(Path(sys.executable).parent / "qa"), "index", *map(str, folders)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
            env=env,
        )

    catalog_a = (
        IndexConfig(home=tmp_path / "home-a", chroma_url=proxy.url, collection=collection).collection_dir
        / "catalog.sqlite"
    )
    run_a, run_b = start(a, shared, own_a), start(b, shared, own_b)
    deadline = time.monotonic() + 600
    while catalog_state(catalog_a)[0] == 0:  # a committed its first batch: kill it mid-run
        assert run_a.poll() is None, "a finished before it could be killed"
        assert time.monotonic() < deadline
        time.sleep(0.05)
    os.kill(run_a.pid, signal.SIGKILL)
    run_a.wait()
    _, err_b = run_b.communicate(timeout=900)
    assert run_b.returncode == 0, err_b
    again = qa(a, "index", str(shared), str(own_a))
    assert again.returncode == 0, again.stderr

    want = expected_ids(shared) | expected_ids(own_a) | expected_ids(own_b)
    ids = store_ids(chroma_server, collection, tmp_path / "probe")
    assert len(ids) == len(set(ids)) and set(ids) == want, (len(want - set(ids)), len(set(ids) - want))
    fresh = machine(tmp_path, "fresh", proxy, collection)
    files = {str(p) for folder in (shared, own_a, own_b) for p in folder.rglob("*.md")}
    assert listed(fresh) == files
    rerun = qa(b, "index", str(shared), str(own_b), "--json")
    assert json.loads(rerun.stdout)["chunks_written"] == 0


def test_migrate_moves_an_embedded_collection_onto_the_server(proxy, collection, tmp_path):
    """`qa migrate --to URL` copies an embedded collection (vectors, texts, manifest): machines on the server
    then list and answer it, and indexing the same files there writes nothing."""
    lighthouse = write(tmp_path / "docs", "varkona.md", LIGHTHOUSE)
    laptop = qa_env(tmp_path / "home-laptop", QA_COLLECTION=collection)  # embedded: no QA_CHROMA_URL
    assert qa(laptop, "index", str(lighthouse.parent)).returncode == 0
    moved = qa({**laptop, "QA_CHROMA_TOKEN": TOKEN}, "migrate", "--to", proxy.url)
    assert moved.returncode == 0, moved.stderr
    assert "1 document(s)" in moved.stdout
    server = machine(tmp_path, "server-side", proxy, collection)
    assert listed(server) == {str(lighthouse)}
    assert str(lighthouse) in cited_sources(ask(server, "Who built the lighthouse of Varkona?"))
    again = qa(server, "index", str(lighthouse.parent), "--json")
    assert again.returncode == 0 and json.loads(again.stdout)["chunks_written"] == 0
