"""The benchmark's outputs: the Markdown table and the latency plot."""

from __future__ import annotations

from pathlib import Path


def _f(value, digits=0, unit=""):
    if value is None:
        return "–"
    return f"{value:,.{digits}f}{unit}"


def markdown(r: dict) -> str:
    g = lambda d, *ks: _dig(d, ks)  # noqa: E731
    lines = [
        f"Backend: `{r['backend']}`; {r['machine']['cores']} cores, load average {r['machine']['load_avg_start'][0]:.1f} "
        f"at the start (other work shares the machine). Started {r['started']}.",
        f"Code: {r.get('code', '?')}.",
        *(
            [
                "Runs merged here: "
                + "; ".join(f"{x['at']} (skipped: {', '.join(x['skipped']) or 'nothing'})" for x in r["runs"])
                + "."
            ]
            if len(r.get("runs", [])) > 1
            else []
        ),
        "",
        "| chunks | what | ours | naive | ratio |",
        "| ---: | --- | ---: | ---: | ---: |",
    ]
    for size, row in r["sizes"].items():
        n = int(size)
        io, ino = row.get("index_ours", {}), row.get("index_naive", {})
        qo, qn = row.get("query_ours", {}), row.get("query_naive", {})
        qi = row.get("query_index", {})

        def add(label, ours, naive, digits=0, unit="", higher_better=True, n=n):
            ratio = None
            if ours and naive:
                ratio = ours / naive if higher_better else naive / ours
            lines.append(
                f"| {n:,} | {label} | {_f(ours, digits, unit)} | {_f(naive, digits, unit)} | "
                f"{_f(ratio, 2, 'x') if ratio else '–'} |"
            )

        if io:
            add(
                f"indexing chunks/s (on {io['chunks']:,} chunks)",
                io["chunks_per_s"],
                ino.get("chunks_per_s"),
                1,
            )
            add("indexing tokens/s", io["tokens_per_s"], ino.get("tokens_per_s"), 0)
            add("indexing peak RSS (MB)", io["peak_rss_mb"], ino.get("peak_rss_mb"), 0, higher_better=False)

        def versus_naive(label: str, ours: str, key: str, qo=qo, qn=qn) -> None:
            """A latency of ours beside the naive dense query's (lower is better)."""
            add(label, g(qo, ours, key), g(qn, "query", key), 1, higher_better=False)

        versus_naive("answer (qa.ask extractive) p50 ms / naive dense query", "ask", "p50_ms")
        versus_naive("answer p95 ms / naive dense query", "ask", "p95_ms")
        add("answer CPU ms p50 (process time)", g(qo, "ask", "cpu_p50_ms"), None, 1)
        add("answer CPU ms p95 (process time)", g(qo, "ask", "cpu_p95_ms"), None, 1)
        add("retrieval alone CPU ms p50", g(qo, "retrieve", "cpu_p50_ms"), None, 1)
        add("retrieval alone CPU ms p95", g(qo, "retrieve", "cpu_p95_ms"), None, 1)
        add("answer, question asked again, p50 ms", g(qo, "ask_repeated", "p50_ms"), None, 1)
        add("answer, question asked again, p95 ms", g(qo, "ask_repeated", "p95_ms"), None, 1)
        versus_naive("retrieval alone p50 ms (hybrid) / naive dense", "retrieve", "p50_ms")
        versus_naive("retrieval alone p95 ms", "retrieve", "p95_ms")
        if "bm25_rebuild" in row:
            add(
                "lexical: our whole hybrid retrieval p50 ms / BM25 rebuilt per query",
                g(qo, "retrieve", "p50_ms"),
                g(row, "bm25_rebuild", "query", "p50_ms"),
                1,
                higher_better=False,
            )
        add(
            "query process peak RSS (MB)",
            qo.get("peak_rss_mb"),
            qn.get("peak_rss_mb"),
            0,
            higher_better=False,
        )
        add(
            "index size on disk (MB)", qi.get("size_mb_ours"), qi.get("size_mb_naive"), 1, higher_better=False
        )
        if "cold_ask" in row:
            add(
                "cold one-question wall s (`qa ask` / naive script)",
                g(row, "cold_ask", "median_s"),
                g(row, "cold_naive", "median_s"),
                2,
                higher_better=False,
            )
    lines.append(
        f"|  | `qa --help` wall s / naive imports (chromadb + sentence-transformers) | {_f(g(r, 'help', 'median_s'), 2)} | "
        f"{_f(g(r, 'naive_import', 'process_wall_s'), 2)} | |"
    )
    notes = [
        "",
        "Ratios: >1 means ours is better (faster, smaller). Naive = Chroma + chromadb's "
        "SentenceTransformerEmbeddingFunction (same packaged model, same chunk texts), dense only; its query is "
        "a dense query, while our figure is a full hybrid retrieval (dense + BM25 + fusion) or a full answer.",
    ]
    for size, row in r["sizes"].items():
        qi = row.get("query_index", {})
        if qi.get("synthetic_vectors"):
            notes.append(
                f"At {int(size):,} chunks, {qi['synthetic_vectors']:,} chunks carry a seeded-noise copy (cosine ~0.9) "
                "of another chunk's real vector instead of their own (not embedded, to save time; see benchmarks/corpus.py); "
                "their text is real and indexed for BM25."
            )
        if row.get("index_ours") and row["index_ours"]["chunks"] < int(size) * 0.9:
            notes.append(
                f"At {int(size):,} chunks, indexing throughput was measured on {row['index_ours']['chunks']:,} chunks "
                "(both pipelines, the same sample)."
            )
    return "\n".join(lines + notes) + "\n"


def _dig(d, keys):
    for k in keys:
        if not isinstance(d, dict) or k not in d:
            return None
        d = d[k]
    return d


# (label, where in a size's results, line style) of each latency curve in the plot.
_LATENCY_SERIES = [
    ("qa.ask extractive p50", ("ask", "p50_ms"), "o-"),
    ("qa.ask extractive p95", ("ask", "p95_ms"), "o--"),
    ("qa.ask extractive CPU time p95", ("ask", "cpu_p95_ms"), "o:"),
    ("qa.ask, question asked again p50", ("ask_repeated", "p50_ms"), "d:"),
    ("hybrid retrieval p50", ("retrieve", "p50_ms"), "s-"),
    ("hybrid retrieval p95", ("retrieve", "p95_ms"), "s--"),
]


def plot(results: list[dict], target: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(7.5, 4.8), dpi=120)
    series = []
    for r in results:
        tag = r["backend"]
        sizes = [int(s) for s in r["sizes"]]
        rows = list(r["sizes"].values())
        series += [
            (f"{label} ({tag})", sizes, [_dig(x, ("query_ours", *path)) for x in rows], style)
            for label, path, style in _LATENCY_SERIES
        ]
    r = results[-1]
    sizes = [int(s) for s in r["sizes"]]
    rows = list(r["sizes"].values())
    series += [
        (
            "naive Chroma dense query p50",
            sizes,
            [_dig(x, ("query_naive", "query", "p50_ms")) for x in rows],
            "^-",
        ),
        (
            "naive BM25 rebuilt per query p50",
            sizes,
            [_dig(x, ("bm25_rebuild", "query", "p50_ms")) for x in rows],
            "v-",
        ),
    ]
    for label, xs, ys, style in series:
        pts = [(x, y) for x, y in zip(xs, ys) if y]
        if pts:
            ax.plot(*zip(*pts), style, label=label)
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("chunks in the index")
    ax.set_ylabel("latency per question (ms)")
    ax.set_title("Latency per question against corpus size (Python docs, 2 shared cores)")
    ax.grid(True, which="both", alpha=0.3)
    ax.legend(fontsize=7)
    fig.tight_layout()
    target.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(target)


# -- retrieval quality: SQuAD-A recall@5, one backend against the other ---------------------------------------
