"""Benchmark reports: mean ± std per dataset and model, Markdown table, JSON and bar chart."""

from __future__ import annotations

import json
import math
import re
import statistics
from collections.abc import Sequence
from pathlib import Path
from typing import Any

Anchors = dict[str, tuple[float, float, int]]
"""Peer (Chemprop 2.3) figures per dataset: ``(mean, std, number of seeds)``."""


def summarize(records: Sequence[dict[str, Any]]) -> dict[str, dict[str, dict[str, Any]]]:
    """Group run records into ``{dataset: {model: cell}}``.

    Each cell holds ``metric``, ``n`` (seeds), ``seeds``, ``scores`` (test), ``mean``, ``std``
    (sample standard deviation over seeds, 0 for one seed), ``train_seconds`` (mean wall
    time of training, all members of an ensemble, featurization excluded) and
    ``ensemble_size`` (members per run, 1 for a single model).
    """
    table: dict[str, dict[str, list[dict[str, Any]]]] = {}
    for r in records:
        table.setdefault(r["dataset"], {}).setdefault(r["model"], []).append(r)
    summary: dict[str, dict[str, dict[str, Any]]] = {}
    for dataset, models in table.items():
        for model, runs in models.items():
            runs = sorted(runs, key=lambda r: r["seed"])
            scores = [r["test"] for r in runs]
            summary.setdefault(dataset, {})[model] = {
                "metric": runs[0]["metric"], "n": len(scores), "seeds": [r["seed"] for r in runs],
                "scores": scores, "mean": statistics.fmean(scores),
                "std": statistics.stdev(scores) if len(scores) > 1 else 0.0,
                "train_seconds": statistics.fmean(r["train_seconds"] for r in runs),
                "ensemble_size": max(r.get("ensemble_size", 1) for r in runs),
            }
    return summary


def parse_anchors(anchors_md: str | Path) -> Anchors:
    """Chemprop 2.3 ``{dataset: (mean, std, 3)}`` from the first table of ``anchors.md``
    (rows ``| name | metric | s0 | s1 | s2 | mean ± std | ...``); unmeasured rows are skipped.

    Mean and std are recomputed from the three per-seed scores, the std as the sample standard
    deviation (n - 1), as :func:`summarize` gives molpred's: anchors.md's own ``± std`` is the
    population one (tox21: 0.0190 there, 0.0233 as the sample std of the same seeds).
    """
    text = Path(anchors_md).read_text().split("## Random forest")[0]
    pattern = r"^\| (\w+) \|[^|]+\| ([\d.]+) \| ([\d.]+) \| ([\d.]+) \| [\d.]+ ± [\d.]+ \|"
    out: Anchors = {}
    for m in re.finditer(pattern, text, re.M):
        seeds = [float(m.group(k)) for k in (2, 3, 4)]
        out[m.group(1)] = (statistics.fmean(seeds), statistics.stdev(seeds), 3)
    return out


def measured_anchors(folder: str | Path) -> Anchors:
    """Chemprop figures measured here by ``benchmarks/chemprop/run_chemprop.py``:
    ``folder/DATASET/seedK.json`` -> ``{dataset: (mean, std, n)}`` (sample std, as
    :func:`summarize` and :func:`parse_anchors`)."""
    out: Anchors = {}
    for dataset_dir in sorted(p for p in Path(folder).glob("*") if p.is_dir()):
        scores = [json.loads(f.read_text())["test"] for f in sorted(dataset_dir.glob("seed*.json"))]
        if scores:
            std = statistics.stdev(scores) if len(scores) > 1 else 0.0
            out[dataset_dir.name] = (statistics.fmean(scores), std, len(scores))
    return out


_PEER = "\0chemprop"
"""Key of the peer's figure among the model means (no encoder has this name)."""


def _higher_is_better(metric: str) -> bool:
    return metric != "rmse"


def markdown_table(summary: dict, anchors: Anchors | None = None) -> str:
    """Markdown table: one row per dataset, one column per model (mean ± std over seeds), an
    optional Chemprop column, then mean training seconds per model. The best mean of the row,
    Chemprop's included, is in bold."""
    models = sorted({m for d in summary.values() for m in d})
    header = ["dataset", "metric", *models]
    if anchors:
        header.append("Chemprop 2.3")
    header.append("train s / run (" + ", ".join(models) + ")")
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    for dataset in sorted(summary):
        cells = summary[dataset]
        metric = next(iter(cells.values()))["metric"]
        higher = _higher_is_better(metric)
        means = {m: c["mean"] for m, c in cells.items()}
        anchor = (anchors or {}).get(dataset)
        if anchor:
            means[_PEER] = anchor[0]  # the peer can be the best, too
        best = (max if higher else min)(means, key=means.get)
        row = [dataset, "ROC-AUC ↑" if higher else "RMSE ↓"]
        for m in models:
            c = cells.get(m)
            if c is None:
                row.append("–")
                continue
            text = f"{c['mean']:.3f} ± {c['std']:.3f}" + ("" if c["n"] == 3 else f" (n={c['n']})")
            if c.get("ensemble_size", 1) > 1:
                text += f" (ensemble of {c['ensemble_size']})"
            row.append(f"**{text}**" if m == best else text)
        if anchors:
            text = (f"{anchor[0]:.3f} ± {anchor[1]:.3f}" + ("" if anchor[2] == 3 else f" (n={anchor[2]})")
                    if anchor else "–")
            row.append(f"**{text}**" if best == _PEER else text)
        row.append(" / ".join(f"{cells[m]['train_seconds']:.0f}" if m in cells else "–" for m in models))
        lines.append("| " + " | ".join(row) + " |")
    return "\n".join(lines) + "\n"


def bar_chart(summary: dict, path: str | Path, anchors: Anchors | None = None) -> Path:
    """PNG bar chart: one panel per dataset (four to a row), a bar per model (mean, error bar =
    std), with the Chemprop figure as a dashed line where known. Needs matplotlib."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    datasets = sorted(summary)
    models = sorted({m for d in summary.values() for m in d})
    cols = min(4, len(datasets))
    rows = math.ceil(len(datasets) / cols)
    fig, axes = plt.subplots(rows, cols, figsize=(3.6 * cols, 3.4 * rows), squeeze=False)
    for ax in axes.flat[len(datasets):]:
        ax.set_visible(False)
    for ax, dataset in zip(axes.flat, datasets):
        cells = summary[dataset]
        present = [m for m in models if m in cells]
        means = [cells[m]["mean"] for m in present]
        stds = [cells[m]["std"] for m in present]
        ax.bar(present, means, yerr=stds, capsize=3, color="#4C72B0")
        metric = cells[present[0]]["metric"]
        if anchors and dataset in anchors:
            ax.axhline(anchors[dataset][0], ls="--", color="#C44E52", label="Chemprop 2.3")
            ax.legend(fontsize=7, loc="lower right")
        ax.set_title(dataset)
        ax.set_ylabel("test ROC-AUC (higher is better)" if _higher_is_better(metric)
                      else "test RMSE (lower is better)", fontsize=8)
        if _higher_is_better(metric):
            low = min(m - s for m, s in zip(means, stds))
            ax.set_ylim(max(0.0, math.floor(low * 20) / 20 - 0.05), 1.0)
        ax.tick_params(axis="x", rotation=45, labelsize=8)
    fig.tight_layout()
    path = Path(path)
    fig.savefig(path, dpi=120)
    plt.close(fig)
    return path


def write_report(
    records: Sequence[dict[str, Any]], out: str | Path, anchors: Anchors | None = None,
    extra: dict[str, Any] | None = None,
) -> dict:
    """Write ``summary.json``, ``table.md`` and ``chart.png`` into ``out``; return the summary."""
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    summary = summarize(records)
    (out / "summary.json").write_text(json.dumps(
        {"summary": summary, "chemprop_2.3_anchors": anchors or {}, **(extra or {})}, indent=2))
    (out / "table.md").write_text(markdown_table(summary, anchors))
    bar_chart(summary, out / "chart.png", anchors)
    return summary
