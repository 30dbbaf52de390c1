"""What a run shows: the summary table on the terminal, and a report folder (report.md, report.json, plots)."""

from __future__ import annotations

import json
from pathlib import Path

from eval.metrics import METRIC_BY_KEY, METRICS
from index.text import clip

FAILING_SHOWN = 40  # failing questions listed per set in report.md (report.json has them all)


def fmt(key: str, value: float | None) -> str:
    if value is None:
        return "-"
    return f"{value:.1f}" if METRIC_BY_KEY[key].unit else f"{value:.3f}"


def _label(key: str, k: int) -> str:
    return f"retrieval recall@{k}" if key == "recall_at_k" else METRIC_BY_KEY[key].label


def _delta(key: str, value: float | None, baseline: dict | None) -> str:
    before = (baseline or {}).get("values", {}).get(key)
    if value is None or before is None:
        return ""
    diff = value - before
    if abs(diff) < 5e-4:
        return "="
    return f"{diff:+.1f}" if METRIC_BY_KEY[key].unit else f"{diff:+.3f}"


def summary_table(results, findings, k: int = 5) -> str:
    """Metrics (rows) by set (columns), the change against the baseline in brackets, `!` where a check failed."""
    failed = {(f.set_name, f.metric) for f in findings if f.failed}
    header = ["metric"] + [r.name for r in results]
    rows = [["questions (answerable+unanswerable)"]]
    rows[0] += [f"{r.metrics.questions} ({r.metrics.answerable}+{r.metrics.unanswerable})" for r in results]
    for m in METRICS:
        row = [_label(m.key, k) + (f" ({m.unit})" if m.unit == "ms" else "")]
        for r in results:
            value = r.metrics.values.get(m.key)
            delta = _delta(m.key, value, r.baseline)
            cell = fmt(m.key, value) + (f" ({delta})" if delta else "")
            row.append(cell + (" !" if (r.name, m.key) in failed else ""))
        rows.append(row)
    widths = [max(len(row[i]) for row in [header, *rows]) for i in range(len(header))]
    lines = ["  ".join(cell.ljust(w) for cell, w in zip(row, widths)).rstrip() for row in [header, *rows]]
    lines.insert(1, "  ".join("-" * w for w in widths))
    legend = "(in brackets: change against eval/baseline.json; ! = a threshold or the baseline was missed)"
    return "\n".join(lines + [legend])


def write(folder: Path, results, findings, config: dict) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    k = config.get("recall_k", 5)
    data = {
        "config": config,
        "passed": not any(f.failed for f in findings),
        "failures": [f.to_dict() for f in findings if f.failed],
        "checks": [f.to_dict() for f in findings],
        "sets": {
            r.name: {
                "origin": r.origin,
                "documents": r.documents,
                "collection": r.collection,
                "fingerprint": r.fingerprint,
                "metrics": r.metrics.to_dict(),
                "baseline": (r.baseline or {}).get("values"),
                "outcomes": [] if _breakdown(r) else [o.to_dict() for o in r.outcomes],
            }
            for r in results
        },
    }
    (folder / "report.json").write_text(
        json.dumps(data, indent=2, ensure_ascii=False) + "\n", encoding="utf-8"
    )
    plots = _plots(folder, results, findings, k)
    (folder / "report.md").write_text(_markdown(results, findings, config, plots, k), encoding="utf-8")


def _breakdown(r) -> bool:
    """`overall` and the per-format parts of a set (`real/pdf`): their questions are listed with their set."""
    return r.name == "overall" or "/" in r.name


def _markdown(results, findings, config: dict, plots: list[str], k: int) -> str:
    failures = [f for f in findings if f.failed]
    out = [
        "# Evaluation report",
        "",
        f"{config['written']} · model `{config['model']}` · top-k {config['top_k']} · "
        f"lexical index {'on' if config['lexical'] else 'off'} · embedding `{config['embed_model']}` · "
        f"sample seed {config['seed']}",
        "",
        f"## Result: {'FAILED' if failures else 'passed'}",
        "",
    ]
    out += [f"- {f.message}" for f in failures] or ["Every metric meets its threshold and the baseline."]
    out += ["", "## Metrics", ""]
    for r in results:
        out += _set_table(r, findings, k)
    out += [f"![{name}]({name})\n" for name in plots]
    for r in results:
        if not _breakdown(r):
            out += _failing(r)
    return "\n".join(out) + "\n"


def _set_table(r, findings, k: int) -> list[str]:
    m = r.metrics
    checks = {}
    for f in findings:
        if f.set_name == r.name:
            checks.setdefault(f.metric, []).append(f)
    origin = f" · {r.origin}" if r.origin else ""
    compared = "" if r.baseline else " · no comparable baseline (other questions, or none saved)"
    lines = [
        f"### {r.name}",
        "",
        f"{m.questions} questions ({m.answerable} answerable, {m.unanswerable} unanswerable){origin}{compared}",
        "",
        "| metric | value | count | baseline | change | checks |",
        "| --- | ---: | ---: | ---: | ---: | --- |",
    ]
    for metric in METRICS:
        value = m.values.get(metric.key)
        before = (r.baseline or {}).get("values", {}).get(metric.key)
        notes = []
        for f in checks.get(metric.key, []):
            what = {"min": f"≥ {f.limit:g}", "max": f"≤ {f.limit:g}"}.get(
                f.kind, f"vs baseline: worst allowed {fmt(metric.key, f.allowed)}"
            )
            notes.append(("**FAIL** " if f.failed else "ok ") + what)
        lines.append(
            f"| {_label(metric.key, k)}{' (ms)' if metric.unit == 'ms' else ''} | {fmt(metric.key, value)} | "
            f"{m.counts.get(metric.key, '')} | {fmt(metric.key, before)} | {_delta(metric.key, value, r.baseline)} | "
            f"{', '.join(notes)} |"
        )
    return lines + [""]


def _failing(r) -> list[str]:
    bad = [o for o in r.outcomes if not o.passed]
    lines = [f"## Failing questions: {r.name} ({len(bad)} of {len(r.outcomes)})", ""]
    if not bad:
        return lines + ["None.", ""]
    lines += ["| id | question | gold | answer given | why |", "| --- | --- | --- | --- | --- |"]
    for o in bad[:FAILING_SHOWN]:
        if o.error:
            why = f"error: {o.error}"
        elif not o.answerable:
            why = "answered an unanswerable question"
        elif o.refused:
            why = "refused" + ("" if o.hit_rank else "; no retrieved passage holds the answer")
        else:
            why = "gold answer missing" + (
                f"; first answer-bearing passage at rank {o.hit_rank}" if o.hit_rank else "; not retrieved"
            )
        gold = " / ".join(o.answers) or "(refuse)"
        lines.append(
            f"| {_cell(o.id, 14)} | {_cell(o.question)} | {_cell(gold, 60)} | {_cell(o.answer, 240)} | {why} |"
        )
    if len(bad) > FAILING_SHOWN:
        lines.append(f"\n{len(bad) - FAILING_SHOWN} more in report.json.")
    return lines + [""]


def _cell(text: str, n: int = 120) -> str:
    return clip(text.replace("|", "\\|"), n)


def _plots(folder: Path, results, findings, k: int) -> list[str]:
    """metrics.png (each fraction against the baseline, thresholds as red ticks) and latency.png."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return []
    fractions = [m for m in METRICS if not m.unit]
    fig, axes = plt.subplots(
        1, len(results), figsize=(4.2 * len(results) + 2.2, 4.8), sharey=True, squeeze=False
    )
    for ax, r in zip(axes[0], results):
        ys = range(len(fractions))
        now = [r.metrics.values.get(m.key) or 0.0 for m in fractions]
        before = [(r.baseline or {}).get("values", {}).get(m.key) for m in fractions]
        ax.barh([y + 0.2 for y in ys], now, height=0.4, color="#3b7dd8", label="this run")
        ax.barh(
            [y - 0.2 for y in ys], [b or 0.0 for b in before], height=0.4, color="#bbbbbb", label="baseline"
        )
        ax.set_xlim(0, 1.05)
        limits = [
            (i, f.limit)
            for f in findings
            if f.set_name == r.name and f.kind != "baseline"
            for i, m in enumerate(fractions)
            if m.key == f.metric
        ]
        if limits:
            ax.scatter(
                [x for _, x in limits],
                [y for y, _ in limits],
                marker="|",
                s=300,
                color="#d62728",
                label="threshold",
            )
        ax.set_title(r.name)
        ax.invert_yaxis()
    axes[0][0].set_yticks(range(len(fractions)), [_label(m.key, k) for m in fractions])
    axes[0][-1].legend(loc="lower right", fontsize=8)
    fig.tight_layout()
    fig.savefig(folder / "metrics.png", dpi=110)
    plt.close(fig)

    fig = latency_figure(results)
    fig.savefig(folder / "latency.png", dpi=110)
    plt.close(fig)
    return ["metrics.png", "latency.png"]


def latency_figure(results):
    """The histogram of question latencies per set; its y axis counts questions, in whole numbers."""
    import matplotlib.pyplot as plt
    from matplotlib.ticker import MaxNLocator

    fig, ax = plt.subplots(figsize=(7, 3.6))
    for r in results:
        if not _breakdown(r):
            p50, p95 = r.metrics.values["latency_p50_ms"], r.metrics.values["latency_p95_ms"]
            label = f"{r.name} (p50 {p50:.0f} ms, p95 {p95:.0f} ms)"
            ax.hist([o.latency_ms for o in r.outcomes], bins=30, alpha=0.6, label=label)
    ax.set_xlabel("latency per question (ms)")
    ax.set_ylabel("questions")
    ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    ax.legend()
    fig.tight_layout()
    return fig
