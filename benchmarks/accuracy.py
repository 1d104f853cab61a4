#!/usr/bin/env python
"""Accuracy benchmark on the canonical scaffold splits (shared/BENCHMARKS.md).

Resumable: one result file per dataset, model and seed under OUT/runs/. Re-running skips
finished runs, rewrites OUT/summary.json, OUT/table.md and OUT/chart.png, and re-scores every
prediction file with the reference scorer shared/benchmarks/score.py.

    MOLPRED_DATA_DIR=../shared/datasets python benchmarks/accuracy.py \
        --datasets tox21,clintox,bbbp,delaney --models dmpnn,mlp --seeds 0,1,2 \
        --shared ../shared --out benchmarks/results/accuracy
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

from molpred.benchmarking import parse_anchors, run_benchmark, write_report
from molpred.training.fit import FitSettings


def check_with_reference_scorer(out: Path, shared: Path, records: list[dict]) -> float:
    """Largest |molpred score - score.py score| over all prediction files."""
    worst = 0.0
    for r in records:
        pred = out / "predictions" / r["dataset"] / r["model"] / f"seed{r['seed']}.csv"
        res = subprocess.run(
            [sys.executable, str(shared / "benchmarks" / "score.py"), r["dataset"],
             f"seed{r['seed']}", str(pred), "--data-dir", str(shared / "datasets")],
            capture_output=True, text=True, check=True)
        worst = max(worst, abs(json.loads(res.stdout)["score"] - round(r["test"], 4)))
    return worst


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--datasets", default="tox21,clintox,bbbp,delaney")
    ap.add_argument("--models", default="dmpnn,mlp")
    ap.add_argument("--seeds", default="0,1,2")
    ap.add_argument("--shared", default="../shared", type=Path)
    ap.add_argument("--out", default="benchmarks/results/accuracy", type=Path)
    ap.add_argument("--epochs", type=int, default=FitSettings.epochs)
    ap.add_argument("--configs", default=Path(__file__).parent / "configs", type=Path,
                    help="per-dataset settings chosen on val: CONFIGS/DATASET.json")
    a = ap.parse_args()
    configs = {p.stem: json.loads(p.read_text()) for p in sorted(a.configs.glob("*.json"))}
    records = run_benchmark(
        a.datasets.split(","), a.models.split(","), [int(s) for s in a.seeds.split(",")],
        a.shared / "benchmarks" / "splits", a.out, FitSettings(epochs=a.epochs, device="cpu"),
        log=lambda msg: print(msg, flush=True), configs=configs,
    )
    worst = check_with_reference_scorer(a.out, a.shared, records)
    anchors = parse_anchors(a.shared / "benchmarks" / "anchors.md")
    write_report(records, a.out, anchors, {"max_abs_diff_vs_score_py": worst, "configs": configs,
                                           "command": "python " + " ".join(sys.argv)})
    print((a.out / "table.md").read_text())
    print(f"max |molpred - score.py| over {len(records)} runs: {worst:.1e}")


if __name__ == "__main__":
    main()
