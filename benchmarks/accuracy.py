#!/usr/bin/env python
"""Accuracy benchmark on the canonical scaffold splits (shared/BENCHMARKS.md).

Resumable: one result file per dataset, model and seed under OUT/runs/. Re-running skips
finished runs and rewrites the summary (OUT/summary.json, OUT/table.md), checking every
prediction file against the reference scorer shared/benchmarks/score.py.

    MOLPRED_DATA_DIR=../shared/datasets python benchmarks/accuracy.py \
        --datasets tox21,clintox,bbbp,delaney --models dmpnn,mlp --seeds 0,1,2 \
        --shared ../shared --out benchmarks/results/accuracy
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
from pathlib import Path

from molpred.benchmark import markdown_table, run_benchmark, summarize
from molpred.training.fit import FitSettings


def chemprop_anchors(anchors_md: Path) -> dict[str, tuple[float, float]]:
    """Chemprop 2.3 mean ± std per dataset from the first table of anchors.md."""
    text = anchors_md.read_text().split("## Random forest")[0]
    found = {}
    for m in re.finditer(r"^\| (\w+) \|[^|]+\|(?:[^|]*\|){3} ([\d.]+) ± ([\d.]+) \|", text, re.M):
        found[m.group(1)] = (float(m.group(2)), float(m.group(3)))
    return found


def check_with_reference_scorer(out: Path, shared: Path, records: list[dict]) -> float:
    """Largest |molpred score - score.py score| over all prediction files."""
    worst = 0.0
    for r in records:
        pred = out / "predictions" / r["dataset"] / r["model"] / f"seed{r['seed']}.csv"
        res = subprocess.run(
            [sys.executable, str(shared / "benchmarks" / "score.py"), r["dataset"],
             f"seed{r['seed']}", str(pred), "--data-dir", str(shared / "datasets")],
            capture_output=True, text=True, check=True)
        reference = json.loads(res.stdout)["score"]
        worst = max(worst, abs(reference - round(r["test"], 4)))
    return worst


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--datasets", default="tox21,clintox,bbbp,delaney")
    ap.add_argument("--models", default="dmpnn,mlp")
    ap.add_argument("--seeds", default="0,1,2")
    ap.add_argument("--shared", default="../shared", type=Path)
    ap.add_argument("--out", default="benchmarks/results/accuracy", type=Path)
    ap.add_argument("--epochs", type=int, default=FitSettings.epochs)
    a = ap.parse_args()
    records = run_benchmark(
        a.datasets.split(","), a.models.split(","), [int(s) for s in a.seeds.split(",")],
        a.shared / "benchmarks" / "splits", a.out, FitSettings(epochs=a.epochs, device="cpu"),
        log=lambda msg: print(msg, flush=True),
    )
    summary = summarize(records)
    worst = check_with_reference_scorer(a.out, a.shared, records)
    anchors = chemprop_anchors(a.shared / "benchmarks" / "anchors.md")
    (a.out / "summary.json").write_text(json.dumps(
        {"summary": summary, "chemprop_2.3_anchors": anchors,
         "max_abs_diff_vs_score_py": worst, "command": " ".join(sys.argv)}, indent=2))
    table = markdown_table(summary, anchors)
    (a.out / "table.md").write_text(table)
    print(table)
    print(f"max |molpred - score.py| over {len(records)} runs: {worst:.1e}")


if __name__ == "__main__":
    main()
