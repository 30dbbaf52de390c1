"""Scoring and the gate, on hand-made answers: SQuAD normalization, containment, F1, per-set metrics."""

from __future__ import annotations

import pytest

from eval import gate
from eval.gold import GoldQuestion
from eval.metrics import aggregate, contains, percentile, score, squad_normalize, token_f1
from qa.answer import Answer, Citation, Passage
from qa.errors import EvalError


def passage(n: int, text: str) -> Passage:
    return Passage(n, "doc.txt", f"c{n}", 0, len(text), text, 1.0 / n)


def test_normalization_is_squad_style_with_unicode_punctuation():
    assert squad_normalize("The  “New Era”, said Mr. Macron!") == "new era said mr macron"
    assert contains("Trump’s adviser is Mike Waltz. [1]", "mike waltz")
    assert not contains("It cost 100 dollars", "10")  # whole words only
    assert not contains("anything", "")


def test_token_f1():
    assert token_f1("Mike Waltz [1]", "Mike Waltz") == 1.0
    assert token_f1("the adviser Mike Waltz said", "Mike Waltz") == pytest.approx(2 * 0.5 * 1 / 1.5)
    assert token_f1("nothing here", "Mike Waltz") == 0.0


def test_score_and_aggregate():
    hit, miss = passage(1, "Intro text."), passage(2, "The adviser is Mike Waltz.")
    good = Answer("Who?", "The adviser is Mike Waltz. [1]", False, [Citation.from_passage(miss)], [hit, miss])
    q = GoldQuestion("a", "Who?", ["Mike Waltz"], True, set_name="t")
    unanswerable = GoldQuestion("b", "Boiling point?", [], False, set_name="t")
    outcomes = [
        score(q, good, 10.0),
        score(q, Answer("Who?", "Nobody knows. [1]", False, [Citation.from_passage(hit)], [hit]), 20.0),
        score(q, Answer("Who?", "The documents do not say.", True, [], [miss]), 30.0),
        score(unanswerable, Answer("Boiling?", "The documents do not say.", True, [], [hit]), 40.0),
    ]
    assert outcomes[0].hit_rank == 2 and outcomes[0].contains_gold and outcomes[0].passed
    assert outcomes[1].hit_rank is None and not outcomes[1].passed
    assert outcomes[3].passed
    m = aggregate(outcomes, k=5).values
    assert m["recall_at_k"] == pytest.approx(2 / 3)
    assert m["mrr"] == pytest.approx((0.5 + 0 + 1) / 3)
    assert m["contains_gold"] == pytest.approx(1 / 3)
    assert m["citation_precision"] == pytest.approx(1 / 2)  # 1 of 2 citations holds the answer
    assert m["citation_recall"] == pytest.approx(1 / 2)
    assert m["cited_when_correct"] == 1.0
    assert m["refusal_unanswerable"] == 1.0
    assert m["false_refusal"] == pytest.approx(1 / 3)
    assert m["latency_p50_ms"] == 25.0
    assert aggregate(outcomes, k=1).values["recall_at_k"] == pytest.approx(1 / 3)
    assert aggregate(outcomes[:3], k=5).values["refusal_unanswerable"] is None


def test_percentile():
    assert percentile([], 50) is None
    assert percentile([5.0], 95) == 5.0
    assert percentile([float(i) for i in range(1, 101)], 95) == pytest.approx(95.05)


def test_gate_thresholds_and_baseline(tmp_path):
    thresholds = tmp_path / "t.toml"
    thresholds.write_text(
        "[tolerance]\ncontains_gold = 0.02\nlatency_p95_ms = { ratio = 2 }\n"
        "[sets.s.min]\nrecall_at_k = 0.9\n[sets.s.max]\nfalse_refusal = 0.1\n"
    )
    spec = gate.load_thresholds(thresholds)
    from eval.metrics import SetMetrics

    metrics = SetMetrics(
        {"recall_at_k": 0.85, "false_refusal": 0.05, "contains_gold": 0.70, "latency_p95_ms": 250.0}, 10, 8, 2
    )
    baseline = {"values": {"contains_gold": 0.75, "latency_p95_ms": 100.0}}
    failed = {(f.metric, f.kind) for f in gate.check("s", metrics, spec, baseline) if f.failed}
    assert failed == {("recall_at_k", "min"), ("contains_gold", "baseline"), ("latency_p95_ms", "baseline")}
    message = next(f.message for f in gate.check("s", metrics, spec, baseline) if f.metric == "contains_gold")
    assert "s: answer contains gold fell from 0.750 (baseline) to 0.700: -0.050" in message
    assert not [f for f in gate.check("s", metrics, spec, None) if f.kind == "baseline"]


def test_thresholds_with_unknown_metric_are_refused(tmp_path):
    bad = tmp_path / "t.toml"
    bad.write_text("[sets.s.min]\nrecal_at_k = 0.9\n")
    with pytest.raises(EvalError, match=r"\[sets\.s\.min\] names unknown metric\(s\) recal_at_k"):
        gate.load_thresholds(bad)


def test_committed_thresholds_and_baseline_load():
    spec = gate.load_thresholds()
    assert spec["sets"]["squad-a"]["min"]["recall_at_k"] == 0.95
    assert "sets" in gate.load_baseline()


def test_update_baseline_keeps_sets_not_in_the_run(tmp_path):
    path = tmp_path / "baseline.json"
    gate.write_baseline(path, {"a": {"fingerprint": "1", "questions": 2, "values": {"mrr": 0.123456}}}, {})
    gate.write_baseline(path, {"b": {"fingerprint": "2", "questions": 3, "values": {"mrr": 0.5}}}, {})
    sets = gate.load_baseline(path)["sets"]
    assert set(sets) == {"a", "b"} and sets["a"]["values"]["mrr"] == 0.1235


def test_timing_tolerance_has_a_ratio_and_an_absolute_allowance(tmp_path):
    from eval.metrics import SetMetrics

    thresholds = tmp_path / "t.toml"
    thresholds.write_text(
        "[tolerance]\nlatency_p95_ms = { ratio = 2, at_least = 200 }\nfalse_refusal = 0.02\n"
    )
    spec = gate.load_thresholds(thresholds)
    baseline = {"values": {"latency_p95_ms": 10.0, "false_refusal": 0.0}}
    noisy = SetMetrics({"latency_p95_ms": 150.0, "false_refusal": 0.0}, 10, 10, 0)
    assert not [f for f in gate.check("s", noisy, spec, baseline) if f.failed]  # 15x, but only 140 ms slower
    slow = SetMetrics({"latency_p95_ms": 250.0, "false_refusal": 0.1}, 10, 10, 0)
    messages = [f.message for f in gate.check("s", slow, spec, baseline) if f.failed]
    assert len(messages) == 2
    assert "s: answerable wrongly refused rose from 0.000 (baseline) to 0.100" in messages[1]


def test_default_floors_gate_every_set_and_a_set_overrides_them_per_metric(tmp_path):
    """The bug: a user's own set whose four answers were all wrong printed contains gold 0.000, eval: passed."""
    from eval.metrics import SetMetrics

    thresholds = tmp_path / "t.toml"
    thresholds.write_text(
        "[defaults.min]\nrecall_at_k = 0.5\ncontains_gold = 0.3\n[sets.lenient.min]\ncontains_gold = 0.0\n"
    )
    spec = gate.load_thresholds(thresholds)
    all_wrong = SetMetrics({"recall_at_k": 1.0, "contains_gold": 0.0}, 4, 4, 0)
    mine = gate.check("mine", all_wrong, spec, None)
    failed = [f for f in mine if f.failed]
    assert [(f.metric, f.kind, f.default) for f in failed] == [("contains_gold", "min", True)]
    assert failed[0].message == (
        "mine: answer contains gold = 0.000 is below the default threshold 0.300 (by 0.300); "
        '[sets."mine".min] in thresholds.toml overrides it'
    )
    lenient = gate.check("lenient", all_wrong, spec, None)
    assert not [f for f in lenient if f.failed]
    assert {f.metric: f.default for f in lenient} == {"recall_at_k": True, "contains_gold": False}
    bad = tmp_path / "bad.toml"
    bad.write_text("[defaults.min]\ncontains_golds = 0.3\n")
    with pytest.raises(EvalError, match=r"\[defaults\.min\] names unknown metric"):
        gate.load_thresholds(bad)


def test_committed_defaults_fail_a_set_that_is_all_wrong():
    from eval.metrics import SetMetrics

    spec = gate.load_thresholds()
    all_wrong = SetMetrics({"recall_at_k": 1.0, "contains_gold": 0.0}, 4, 4, 0)
    assert any(f.failed for f in gate.check("my-own-set", all_wrong, spec, None))


def test_latency_histogram_counts_questions_in_whole_numbers():
    import matplotlib

    matplotlib.use("Agg")
    from eval.metrics import Outcome, aggregate
    from eval.report import latency_figure
    from eval.runner import SetResult

    outcomes = [
        Outcome("mine", f"q{i}", "?", True, ["a"], "a", False, latency_ms=ms)
        for i, ms in enumerate([12.0, 15.0, 15.5, 40.0])
    ]
    result = SetResult("mine", "", [], "c", outcomes, aggregate(outcomes, 5))
    fig = latency_figure([result])
    fig.canvas.draw()
    ticks = fig.axes[0].get_yticks()
    assert len(ticks) >= 2 and all(float(t).is_integer() for t in ticks), ticks
