#!/usr/bin/env python
"""Measure Chemprop 2.3.1's default model on the canonical splits, as anchors.md does.

One result file per dataset and seed (resumable): ``OUT/DATASET/seedK.json`` with the
reference score (``shared/benchmarks/score.py`` on Chemprop's test predictions), the wall
time of ``chemprop train`` (featurization included) and the command. Chemprop aborts on
SMILES RDKit cannot parse, so its input omits the split file's ``invalid`` rows (they are in
no part) and the split indices are renumbered accordingly; predictions are mapped back to
the original row numbers before scoring.

Run with Chemprop in its own environment (it is not a molpred dependency), one torch thread:

    OMP_NUM_THREADS=1 python benchmarks/chemprop/run_chemprop.py --chemprop /path/to/bin/chemprop \\
        --datasets lipo,toxcast --seeds 0,1,2 --shared ../shared --out benchmarks/results/chemprop
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import pandas as pd

REGRESSION = {"delaney", "freesolv", "lipo"}


def read_dataset(shared: Path, name: str) -> pd.DataFrame:
    for ext in (".csv", ".csv.gz"):
        path = shared / "datasets" / f"{name}{ext}"
        if path.exists():
            return pd.read_csv(path)
    raise SystemExit(f"no {name}.csv(.gz) in {shared / 'datasets'}")


def run_one(chemprop: str, shared: Path, name: str, seed: int, out: Path,
            wrap: Callable[[list[str]], list[str]] = list) -> dict:
    """Train Chemprop on split ``seedK`` of ``name``, predict and score its test part.

    ``wrap`` may prefix the training command (e.g. with ``taskset``); the wall time is that
    of the wrapped ``chemprop train``.
    """
    frame = read_dataset(shared, name)
    split_file = json.loads((shared / "benchmarks" / "splits" / f"{name}.json").read_text())
    invalid = set(split_file["invalid"])
    keep = [i for i in range(len(frame)) if i not in invalid]
    new_index = {old: new for new, old in enumerate(keep)}
    parts = split_file["splits"][f"seed{seed}"]
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        frame.iloc[keep].to_csv(tmp / "data.csv", index=False)
        (tmp / "split.json").write_text(json.dumps(
            [{p: [new_index[i] for i in parts[p]] for p in ("train", "val", "test")}]))
        task_type = "regression" if name in REGRESSION else "classification"
        cmd = [chemprop, "train", "-i", str(tmp / "data.csv"), "--task-type", task_type,
               "--splits-file", str(tmp / "split.json"), "--pytorch-seed", str(seed),
               "-o", str(tmp / "model")]
        log_path = out / name / f"seed{seed}_train.log"
        log_path.parent.mkdir(parents=True, exist_ok=True)
        start = time.perf_counter()
        with open(log_path, "w") as log:  # Chemprop's own output, kept for failures too
            done = subprocess.run(wrap(cmd), stdout=subprocess.DEVNULL, stderr=log)
        seconds = time.perf_counter() - start
        model = _trained_model(tmp / "model", done.returncode, log_path, f"{name} seed{seed}")
        test = frame.iloc[parts["test"]]
        test.iloc[:, [0]].to_csv(tmp / "test.csv", index=False)
        subprocess.run([chemprop, "predict", "-i", str(tmp / "test.csv"), "--model-paths",
                        str(model), "-o", str(tmp / "preds.csv")], check=True,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        preds = pd.read_csv(tmp / "preds.csv")
        tasks = list(frame.columns[1:])
        if not set(tasks) <= set(preds.columns):  # a .ckpt names its outputs pred_0, pred_1, ...
            numbered = [f"pred_{k}" for k in range(len(tasks))]
            preds = preds.rename(columns=dict(zip(numbered, tasks, strict=True)))
        scored = preds[tasks].copy()
        scored.insert(0, "row", parts["test"])
        pred_path = out / name / f"seed{seed}_test_predictions.csv"
        pred_path.parent.mkdir(parents=True, exist_ok=True)
        scored.to_csv(pred_path, index=False)
    res = subprocess.run([sys.executable, str(shared / "benchmarks" / "score.py"), name,
                          f"seed{seed}", str(pred_path), "--data-dir", str(shared / "datasets")],
                         capture_output=True, text=True, check=True)
    score = json.loads(res.stdout)
    return {"dataset": name, "seed": seed, "metric": score["metric"], "test": score["score"],
            "train_wall_seconds": round(seconds, 1), "command": " ".join(cmd[1:]),
            "model_file": model.name, "chemprop": subprocess.run([chemprop, "--version"], capture_output=True,
                                       text=True).stdout.strip()}


def _trained_model(folder: Path, returncode: int, log_path: Path, what: str) -> Path:
    """The model ``chemprop train`` chose on val: ``best*.pt``, or, when Chemprop trained to
    the end and then crashed scoring the test part (its ``evaluate_and_save_predictions``
    fails on a task with no test label, as on toxcast), the best-validation checkpoint
    ``best-epoch=*.ckpt`` it saved before (the same weights; test predictions are made
    with ``chemprop predict`` and scored with score.py anyway).

    Raises:
        RuntimeError: if training failed otherwise; the message names the log.
    """
    if returncode == 0:
        return next(folder.rglob("best*.pt"))
    checkpoints = sorted(folder.rglob("best-epoch=*.ckpt"))
    if checkpoints and "evaluate_and_save_predictions" in log_path.read_text(errors="replace"):
        return checkpoints[-1]
    raise RuntimeError(f"chemprop train failed on {what} (exit {returncode}); its output: "
                       f"{log_path}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--chemprop", required=True, help="path of the chemprop executable")
    ap.add_argument("--datasets", default="lipo,toxcast,hiv")
    ap.add_argument("--seeds", default="0,1,2")
    ap.add_argument("--shared", default="../shared", type=Path)
    ap.add_argument("--out", default="benchmarks/results/chemprop", type=Path)
    a = ap.parse_args()
    for name in a.datasets.split(","):
        for seed in (int(s) for s in a.seeds.split(",")):
            path = a.out / name / f"seed{seed}.json"
            if path.exists():
                continue
            try:
                result = run_one(a.chemprop, a.shared.resolve(), name, seed, a.out)
            except RuntimeError as exc:  # the other datasets and seeds still run
                print(exc, file=sys.stderr, flush=True)
                continue
            path.write_text(json.dumps(result, indent=2))
            print(json.dumps(result), flush=True)


if __name__ == "__main__":
    main()
