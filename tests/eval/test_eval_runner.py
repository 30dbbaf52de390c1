"""`qa eval` end to end: real gold sets, real index, real model. The committed gate must pass (CI's
regression check), a deliberately worse configuration must fail it, and bad input must be named."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from eval.goldfile import squad_available
from qa.cli import main as qa_main

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def eval_home(tmp_path_factory) -> Path:
    """One eval home for the module: each set is indexed once, later runs reuse it (incremental)."""
    return tmp_path_factory.mktemp("eval-home")


def qa_eval(capsys, *args: str) -> tuple[int, str, str]:
    code = qa_main(["eval", *args])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


@pytest.mark.slow
def test_seed_set_passes_the_committed_gate(qa_home, eval_home, tmp_path, capsys):
    code, out, err = qa_eval(capsys, "--no-squad", "--home", str(eval_home), "--report", str(tmp_path / "r"))
    assert code == 0, err
    assert "retrieval recall@5" in out and "seed" in out
    for name in ("report.md", "report.json", "metrics.png", "latency.png"):
        assert (tmp_path / "r" / name).stat().st_size > 0
    data = json.loads((tmp_path / "r" / "report.json").read_text())
    assert data["passed"] and len(data["sets"]["seed"]["outcomes"]) == 47
    assert data["sets"]["seed"]["baseline"] is not None, "the committed baseline must cover the seed set"
    assert "## Failing questions: seed" in (tmp_path / "r" / "report.md").read_text()


@pytest.mark.slow
def test_squad_a_sample_passes_the_committed_gate(qa_home, eval_home, tmp_path, capsys):
    if not squad_available():
        pytest.skip(
            "SQuAD-A regression check skipped: ../shared/data/squad/ is not beside the project folder"
        )
    code, out, err = qa_eval(capsys, "--squad", "--home", str(eval_home), "--report", str(tmp_path / "r"))
    assert code == 0, err
    data = json.loads((tmp_path / "r" / "report.json").read_text())
    squad = data["sets"]["squad-a"]
    assert (squad["metrics"]["answerable"], squad["metrics"]["unanswerable"]) == (100, 50)
    assert squad["baseline"] is not None, "the committed baseline must cover the SQuAD-A sample"


@pytest.mark.slow
def test_worse_configuration_fails_the_gate_and_names_the_metric(qa_home, eval_home, tmp_path, capsys):
    baseline = tmp_path / "baseline.json"
    common = ["--no-squad", "--home", str(eval_home), "--baseline", str(baseline)]
    code, _, err = qa_eval(capsys, *common, "--update-baseline", "--report", str(tmp_path / "good"))
    assert code == 0, err
    assert json.loads(baseline.read_text())["sets"]["seed"]["values"]["recall_at_k"] >= 0.95

    code, out, err = qa_eval(capsys, *common, "--top-k", "1", "--report", str(tmp_path / "worse"))
    assert code == 1
    assert "FAIL seed: retrieval recall@5 fell from" in err  # against the baseline, with the drop
    # (with chunks of up to 220 tokens the seed article is 3 chunks: one passage may still clear the 0.95 floor)
    assert "eval: FAILED" in err
    failures = json.loads((tmp_path / "worse" / "report.json").read_text())["failures"]
    assert any(
        f["set_name"] == "seed" and f["metric"] == "recall_at_k" and f["kind"] == "baseline" for f in failures
    )


@pytest.mark.slow
def test_no_lexical_index_fails_against_the_committed_baseline(qa_home, eval_home, tmp_path, capsys):
    if not squad_available():
        pytest.skip("SQuAD-A gate check skipped: ../shared/data/squad/ is not beside the project folder")
    code, _, err = qa_eval(
        capsys, "--squad", "--no-lexical", "--home", str(eval_home), "--report", str(tmp_path)
    )
    assert code == 1
    assert "FAIL squad-a: retrieval MRR fell from" in err  # dense-only ranks answer-bearing passages lower


def test_malformed_gold_file_fails_before_indexing(qa_home, tmp_path, capsys):
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"id": "a", "question": "Q?", "answers": [], "answerable": false}\n{"id": "b", oops}\n')
    code, _, err = qa_eval(capsys, "--gold", str(bad), "--home", str(tmp_path / "h"))
    assert code == 1
    assert f"error: {bad}:2: not valid JSON" in err
    assert not (tmp_path / "h").exists()  # nothing was indexed


def test_help_lists_the_options(capsys):
    with pytest.raises(SystemExit) as exit_:
        qa_main(["eval", "--help"])
    assert exit_.value.code == 0
    out = capsys.readouterr().out
    for option in ("--gold", "--docs", "--model", "--limit", "--report", "--top-k", "--update-baseline"):
        assert option in out


def _first_sentence_of_passage_1(request) -> str:
    """A stand-in LLM: answers with the first sentence of passage [1] of the prompt, cited."""
    match = re.search(r'<document id="1"[^>]*>(.*?)</document>', request.prompt_text, re.S)
    sentence = match.group(1).strip().split(". ")[0].rstrip(".") if match else "The documents do not say"
    return f"{sentence}. [1]"


@pytest.mark.slow
def test_litellm_model_is_evaluated_through_the_same_runner(
    qa_home, eval_home, tmp_path, capsys, monkeypatch
):
    from llm_server import LLMServer, Reply, Status

    no_gate = tmp_path / "none.toml"
    no_gate.write_text("")
    with LLMServer(default=Reply(_first_sentence_of_passage_1)) as server:
        monkeypatch.setenv("QA_API_BASE", server.api_base)
        monkeypatch.setenv("QA_API_KEY", "test")
        args = [
            "--no-squad",
            "--home",
            str(eval_home),
            "--model",
            "openai/test-model",
            "--thresholds",
            str(no_gate),
        ]
        code, out, err = qa_eval(capsys, *args, "--report", str(tmp_path / "r"))
        assert code == 0, err
        assert len(server.requests) >= 47  # every question went to the model
        data = json.loads((tmp_path / "r" / "report.json").read_text())
        assert data["config"]["model"] == "openai/test-model"
        assert data["sets"]["seed"]["metrics"]["values"]["recall_at_k"] == 1.0

        server.script(*[Status(401, "bad key")] * 5)
        code, _, err = qa_eval(capsys, *args, "--report", str(tmp_path / "r401"))
        assert code == 1
        assert err.count("error:") == 1 and "Traceback" not in err


@pytest.mark.slow
def test_a_users_own_set_whose_answers_are_all_wrong_fails_the_default_floors(
    qa_home, eval_home, tmp_path, capsys
):
    """Issue 13: floors existed only for the named sets, so `qa eval --gold mine.jsonl` could not fail."""
    seed = ROOT / "seeds" / "000_68c1b161cf4df674.txt"
    text = seed.read_text(encoding="utf-8")
    # Each gold answer is in the documents (verbatim evidence), but not what its question asks for: every
    # answer given is wrong.
    wrong = [
        ("Who is Donald Trump's national security adviser?", "Patriot"),
        ("Who is the CIA director?", "Brussels"),
        ("What did Macron propose about nuclear deterrence?", "Waltz"),
        ("Who heads Zelensky's office?", "Patriot"),
    ]
    lines = []
    for n, (question, answer) in enumerate(wrong, 1):
        at = text.index(answer)
        start, end = text.rfind(" ", 0, max(at - 40, 0)) + 1, text.find(" ", at + len(answer) + 20)
        evidence = text[start:end]
        lines.append(
            json.dumps(
                {
                    "id": f"w{n}",
                    "question": question,
                    "answers": [answer],
                    "answerable": True,
                    "evidence": evidence,
                }
            )
        )
    gold = tmp_path / "mine.jsonl"
    gold.write_text("\n".join(lines) + "\n", encoding="utf-8")
    (tmp_path / "mine.docs.txt").write_text(f"{seed}\n", encoding="utf-8")
    code, out, err = qa_eval(
        capsys, "--gold", str(gold), "--home", str(eval_home), "--report", str(tmp_path / "r")
    )
    assert code == 1, out + err
    assert "FAIL mine: answer contains gold = 0.000 is below the default threshold 0.300" in err
    assert "eval: FAILED" in err
