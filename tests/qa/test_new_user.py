"""What a new user hit (issue 13): identical files cited twice, endless questions, a missing API key found late,
tracebacks on a closed pipe. Real files, the real model, real Chroma, the real `qa` command."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import qa
from qa.api import MAX_QUESTION_CHARS
from qa.errors import ModelError, QAError

ROOT = Path(__file__).resolve().parents[2]
QA = str(Path(sys.executable).parent / "qa")
QUESTION = "Who is Donald Trump's national security adviser?"


def _qa(*args: str, home: Path, **env: str) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("QA_", "OPENAI_", "ANTHROPIC_"))}
    return subprocess.run(
        [QA, *args], capture_output=True, text=True, timeout=600, env={**clean, "QA_HOME": str(home), **env}
    )


def test_identical_files_give_one_passage_citing_the_first_and_naming_the_others(qa_home, tmp_path):
    folder = tmp_path / "docs"
    (folder / "library").mkdir(parents=True)
    (folder / "tutorial").mkdir()
    seed = next((ROOT / "seeds").iterdir())
    for copy in ("library/article.txt", "tutorial/article.txt", "zz-article.txt"):
        shutil.copy(seed, folder / copy)
    qa.index([folder])
    answer = qa.ask(QUESTION, top_k=5)
    texts = [p.text for p in answer.passages]
    assert len(texts) == len(set(texts)), "the same passage was retrieved twice"
    first = answer.passages[0]
    assert first.source == str(folder / "library" / "article.txt")
    assert set(first.also_in) == {str(folder / "tutorial" / "article.txt"), str(folder / "zz-article.txt")}
    quotes = [c.quote for c in answer.citations]
    assert len(quotes) == len(set(quotes)), "the same sentence is cited twice"
    assert answer.citations and all(
        c.source == str(folder / "library" / "article.txt") for c in answer.citations
    )
    assert "also in: " in answer.sources_text() and "tutorial/article.txt" in answer.sources_text()
    assert answer.to_dict()["citations"][0]["also_in"]


def test_a_question_over_the_limit_is_refused_at_once_in_the_api(qa_home):
    # No collection exists: the length is checked before anything is opened or retrieved.
    with pytest.raises(QAError, match=r"20,000 characters long; the limit is 2,000"):
        qa.ask("why " * 5000)
    with pytest.raises(QAError, match=r"the limit is 2,000"):
        list(qa.ask_stream("x" * (MAX_QUESTION_CHARS + 1)))


def test_a_question_at_the_limit_is_answered(seed_index):
    question = (QUESTION + " ") * (MAX_QUESTION_CHARS // (len(QUESTION) + 1))
    assert len(question) <= MAX_QUESTION_CHARS
    assert not qa.ask(question, settings=seed_index).refused


def test_a_question_over_the_limit_is_one_line_in_the_cli(tmp_path):
    result = _qa("ask", "a" * 2001, home=tmp_path / "home")
    assert result.returncode == 1
    assert result.stderr.strip() == (
        "error: The question is 2,001 characters long; the limit is 2,000: shorten it "
        "(index long texts with `qa index` and ask about them)."
    )
    # Refused at once: nothing heavy (the embedding model, Chroma, litellm) was loaded for it.
    probe = (
        "import sys, qa\n"
        "try:\n    qa.ask('a' * 20000)\nexcept qa.QAError as e:\n    print(type(e).__name__)\n"
        "print(sorted(m for m in ('litellm', 'chromadb', 'torch', 'onnxruntime') if m in sys.modules))\n"
    )
    clean = {k: v for k, v in os.environ.items() if not k.startswith("QA_")}
    out = subprocess.run(
        [sys.executable, "-c", probe],
        capture_output=True,
        text=True,
        timeout=120,
        env={**clean, "QA_HOME": str(tmp_path / "home")},
    )
    assert out.stdout.split("\n")[:2] == ["QAError", "[]"], out.stderr


def test_a_hosted_model_without_a_key_is_refused_before_retrieval(qa_home, monkeypatch):
    """The bug: 6-8 s of loading and retrieval, then litellm said a key was missing."""
    for name in ("OPENAI_API_KEY", "ANTHROPIC_API_KEY"):
        monkeypatch.delenv(name, raising=False)
    # Nothing is indexed: had retrieval run first, the error would be "No documents indexed".
    with pytest.raises(ModelError, match=r"'gpt-4o-mini' needs an API key.*QA_API_KEY \(or OPENAI_API_KEY\)"):
        qa.ask(QUESTION, model="gpt-4o-mini")
    with pytest.raises(ModelError, match=r"ANTHROPIC_API_KEY"):
        qa.ask(QUESTION, model="anthropic/claude-3-5-haiku-latest")
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test")
    with pytest.raises(QAError, match="No documents indexed"):  # with a key it goes on to retrieval
        qa.ask(QUESTION, model="gpt-4o-mini")


def test_the_cli_says_a_key_is_missing_in_one_line_without_loading_anything(tmp_path):
    result = _qa("ask", QUESTION, "--model", "gpt-4o-mini", home=tmp_path / "home")
    assert result.returncode == 1
    assert result.stderr.count("\n") == 1 and "needs an API key" in result.stderr
    # Nothing heavy was loaded before the refusal: not litellm (seconds to import), Chroma or the embedder.
    probe = (
        "import sys, qa\n"
        "try:\n    qa.ask('q', model='gpt-4o-mini')\nexcept qa.QAError as e:\n    print(type(e).__name__)\n"
        "print(sorted(m for m in ('litellm', 'chromadb', 'torch', 'onnxruntime') if m in sys.modules))\n"
    )
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("QA_", "OPENAI_"))}
    out = subprocess.run(
        [sys.executable, "-c", probe],
        capture_output=True,
        text=True,
        timeout=120,
        env={**clean, "QA_HOME": str(tmp_path / "home")},
    )
    assert out.stdout.split("\n")[:2] == ["ModelError", "[]"], out.stderr


@pytest.mark.parametrize(
    "args", [["sources"], ["--help"], ["index", "--help"], ["eval", "--help"], ["settings"]]
)
def test_every_command_exits_quietly_on_a_closed_pipe(args, tmp_path):
    """`qa sources | head`: the reader is gone before qa writes (it closes its end at once)."""
    clean = {k: v for k, v in os.environ.items() if not k.startswith("QA_")}
    process = subprocess.Popen(
        [QA, *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**clean, "QA_HOME": str(tmp_path / "home")},
        cwd=tmp_path,
    )
    process.stdout.close()  # long before the command has started up and written anything
    err = process.stderr.read()
    process.wait(timeout=120)
    assert err == ""  # no BrokenPipeError traceback, no "Exception ignored in ..."
    assert process.returncode in (0, 141)


def test_help_points_to_qa_settings_which_lists_every_setting_the_code_reads(tmp_path):
    import re

    read = set()
    for folder in ("qa", "index", "ui", "eval"):
        for path in (ROOT / folder).rglob("*.py"):
            read |= set(re.findall(r"\bQA_[A-Z][A-Z_]*[A-Z]\b", path.read_text(encoding="utf-8")))
    home = tmp_path / "home"
    help_text = _qa("--help", home=home).stdout
    assert "qa settings" in help_text
    (tmp_path / ".env").write_text("QA_TOP_K=7\nQA_UI_AUTH=admin:hunter2\n", encoding="utf-8")
    clean = {k: v for k, v in os.environ.items() if not k.startswith("QA_")}
    env = {**clean, "QA_HOME": str(home), "QA_API_KEY": "sk-secret-value", "QA_MODEL": "extractive"}
    listed = subprocess.run(
        [QA, "settings"], capture_output=True, text=True, env=env, cwd=tmp_path, timeout=60
    )
    assert listed.returncode == 0, listed.stderr
    rows = {line.split()[0]: line for line in listed.stdout.splitlines()[1:] if line.startswith("QA_")}
    assert read <= set(rows), f"not listed by `qa settings`: {sorted(read - set(rows))}"
    assert "sk-secret-value" not in listed.stdout and "hunter2" not in listed.stdout
    assert re.search(r"QA_API_KEY\s+set \(hidden\)\s+environment", rows["QA_API_KEY"])
    assert re.search(r"QA_UI_AUTH\s+set \(hidden\)\s+\.env", rows["QA_UI_AUTH"])
    assert re.search(r"QA_TOP_K\s+7\s+\.env", rows["QA_TOP_K"])
    assert re.search(r"QA_HOME\s+\S+home\s+environment", rows["QA_HOME"])
    assert re.search(r"QA_COLLECTION\s+default\s+default", rows["QA_COLLECTION"])


def test_chat_help_says_how_to_quit_and_bench_help_names_qa_bench(tmp_path):
    chat = _qa("chat", "--help", home=tmp_path)
    assert "Quit with an empty line, Ctrl-D or Ctrl-C" in " ".join(chat.stdout.split())
    bench = _qa("bench", "--help", home=tmp_path)
    assert bench.stdout.startswith("usage: qa bench")


def test_qa_ui_on_a_taken_port_says_so_in_one_line(tmp_path):
    """The bug: a 23-line traceback ending in Gradio's hint to set GRADIO_SERVER_PORT."""
    import socket

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = _qa("ui", "--port", str(port), home=tmp_path / "home")
    assert result.returncode == 1
    assert result.stderr == (
        f"error: Port {port} on 127.0.0.1 is already in use: choose another with `qa ui --port N`.\n"
    )
    bad = _qa("ui", "--port", "70000", home=tmp_path / "home")
    assert bad.returncode == 2 and "a port is at most 65535" in bad.stderr
