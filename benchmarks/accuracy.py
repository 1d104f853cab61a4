#!/usr/bin/env python
"""Accuracy benchmark on the canonical scaffold splits (shared/BENCHMARKS.md).

Resumable: one result file per dataset, model and seed under OUT/runs/. Re-running skips
finished runs, rewrites OUT/summary.json, OUT/table.md and OUT/chart.png, re-scores every
prediction file present with the reference scorer shared/benchmarks/score.py, and copies the
default model's test predictions to benchmarks/results/predictions/DATASET/seedK.csv (the
committed ones; other models' prediction files stay local). The Chemprop column comes from
shared/benchmarks/anchors.md, and for datasets it leaves blank from Chemprop runs measured
here with benchmarks/chemprop/run_chemprop.py (n < 3 is marked).

    MOLPRED_DATA_DIR=../shared/datasets python benchmarks/accuracy.py \
        --datasets tox21,clintox,bbbp,delaney --models dmpnn,mlp --seeds 0,1,2 \
        --shared ../shared --out benchmarks/results/accuracy
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
from pathlib import Path

from molpred.benchmarking import (
    load_configs,
    measured_anchors,
    parse_anchors,
    run_benchmark,
    with_epochs,
    write_report,
)
from molpred.names import DEFAULT_MODEL
from molpred.training.fit import FitSettings
from molpred.training.recommended import recommended_configs


def check_with_reference_scorer(out: Path, shared: Path, records: list[dict]) -> float:
    """Largest |molpred score - score.py score| over all prediction files."""
    worst = 0.0
    for r in records:
        pred = out / "predictions" / r["dataset"] / r["model"] / f"seed{r['seed']}.csv"
        if not pred.exists():  # only the default model's files are committed
            continue
        res = subprocess.run(
            [sys.executable, str(shared / "benchmarks" / "score.py"), r["dataset"],
             f"seed{r['seed']}", str(pred), "--data-dir", str(shared / "datasets")],
            capture_output=True, text=True, check=True)
        worst = max(worst, abs(json.loads(res.stdout)["score"] - round(r["test"], 4)))
    return worst


def export_default_predictions(out: Path, dest: Path, records: list[dict]) -> int:
    """Copy the default model's test predictions to ``dest/DATASET/seedK.csv`` (the committed,
    score.py-format files that let anyone re-check the table); return how many were copied."""
    copied = 0
    for r in records:
        if r["model"] != DEFAULT_MODEL:
            continue
        source = out / "predictions" / r["dataset"] / r["model"] / f"seed{r['seed']}.csv"
        target = dest / r["dataset"] / f"seed{r['seed']}.csv"
        if not source.exists():  # a fresh clone has only the committed copy (target)
            continue
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source, target)
        copied += 1
    return copied


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--datasets", default="tox21,clintox,bbbp,delaney")
    ap.add_argument("--models", default="dmpnn,mlp")
    ap.add_argument("--seeds", default="0,1,2")
    ap.add_argument("--shared", default="../shared", type=Path)
    ap.add_argument("--out", default="benchmarks/results/accuracy", type=Path)
    ap.add_argument("--epochs", type=int,
                    help="maximum epochs per run (default: 50, or a config's budget)")
    ap.add_argument("--configs", type=Path,
                    help="per-dataset settings chosen on val: CONFIGS/DATASET.json (default: "
                    "those the dataset cards recommend, datasets/NAME.json)")
    ap.add_argument("--chemprop-results", default=Path(__file__).parent / "results" / "chemprop",
                    type=Path, help="Chemprop runs measured here (benchmarks/chemprop/run_chemprop.py) "
                    "for datasets anchors.md leaves blank")
    ap.add_argument("--default-predictions", type=Path,
                    default=Path(__file__).parent / "results" / "predictions",
                    help="where the default model's test predictions are copied (committed)")
    ap.add_argument("--report-only", action="store_true",
                    help="train nothing: rebuild the report from every finished run under OUT/runs")
    a = ap.parse_args()
    configs = with_epochs(load_configs(a.configs) if a.configs else recommended_configs(),
                          a.epochs)
    if a.report_only:
        records = [json.loads(p.read_text()) for p in sorted((a.out / "runs").glob("*/*/seed*.json"))]
    else:
        records = run_benchmark(
            a.datasets.split(","), a.models.split(","), [int(s) for s in a.seeds.split(",")],
            a.shared / "benchmarks" / "splits", a.out,
            FitSettings(epochs=a.epochs or FitSettings.epochs, device="cpu"),
            log=lambda msg: print(msg, flush=True), configs=configs,
        )
    worst = check_with_reference_scorer(a.out, a.shared, records)
    anchors = {**measured_anchors(a.chemprop_results),
               **parse_anchors(a.shared / "benchmarks" / "anchors.md")}
    export_default_predictions(a.out, a.default_predictions, records)
    write_report(records, a.out, anchors, {"max_abs_diff_vs_score_py": worst, "configs": configs,
                                           "command": "python " + " ".join(sys.argv)})
    print((a.out / "table.md").read_text())
    print(f"max |molpred - score.py| over {len(records)} runs: {worst:.1e}")


if __name__ == "__main__":
    main()
