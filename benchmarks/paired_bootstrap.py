#!/usr/bin/env python
"""How sure is a test-score margin? A paired bootstrap over test molecules.

Two models' test predictions on the same canonical split (``shared/benchmarks/score.py``
format: a ``row`` column and one column per task) are scored on the same resampled test
molecules, many times; the spread of the margin (ours minus peer: ROC-AUC up is better,
RMSE down is better, so the margin is reported as *ours better by*) is what the finite test
set alone makes uncertain. Over several seeds, each seed's test part is resampled on its
own and the margins are averaged, which gives the interval of the mean margin that the
accuracy issue compares against a threshold. Variation between training runs is not in
this interval: it comes on top.

Scores follow score.py: per task over rows with a label, tasks whose (resampled) labels hold
one class skipped, the mean over tasks. Method: the percentile bootstrap (Efron &
Tibshirani 1993, ch. 13), resampling test rows with replacement, the same rows for both
models.

    python benchmarks/paired_bootstrap.py bbbp \\
        --ours 'benchmarks/results/predictions/bbbp/seed{seed}.csv' \\
        --peer 'benchmarks/results/chemprop/bbbp/seed{seed}_test_predictions.csv' \\
        --seeds 0,1,2 --shared ../shared --out benchmarks/results/significance/bbbp.json
"""

from __future__ import annotations

import argparse
import json
import math
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.metrics import roc_auc_score

REGRESSION = {"delaney", "freesolv", "lipo"}


def read_dataset(shared: Path, name: str) -> pd.DataFrame:
    """The dataset CSV of ``shared/datasets`` (first column SMILES, then tasks)."""
    found = sorted((shared / "datasets").glob(f"{name}.csv*"))
    if not found:
        raise SystemExit(f"no {name}.csv(.gz) in {shared / 'datasets'}")
    return pd.read_csv(found[0])


def score(y: np.ndarray, p: np.ndarray, regression: bool) -> float:
    """score.py's score of predictions ``p`` against labels ``y`` (both float, shape
    ``(n_rows, n_tasks)``, NaN = no label): the mean over tasks of ROC-AUC (tasks with one
    class skipped) or RMSE; NaN if no task can be scored."""
    values = []
    for t in range(y.shape[1]):
        known = ~np.isnan(y[:, t])
        yt, pt = y[known, t], p[known, t]
        if regression:
            if len(yt):
                values.append(math.sqrt(float(np.mean((yt - pt) ** 2))))
        elif len(np.unique(yt)) == 2:
            values.append(float(roc_auc_score(yt, pt)))
    return float(np.mean(values)) if values else float("nan")


def load_predictions(path: Path, rows: list[int], tasks: list[str]) -> np.ndarray:
    """Predictions of ``path`` for test ``rows``, shape ``(len(rows), len(tasks))``.

    Raises:
        SystemExit: if a row or a task column is missing.
    """
    frame = pd.read_csv(path).drop_duplicates("row").set_index("row")
    missing = sorted(set(rows) - set(frame.index))
    absent = [t for t in tasks if t not in frame.columns]
    if missing or absent:
        raise SystemExit(f"{path}: {len(missing)} test rows and tasks {absent} missing")
    return frame.loc[rows, tasks].to_numpy(dtype=float)


def margins(y: np.ndarray, ours: np.ndarray, peer: np.ndarray, regression: bool,
            resamples: int, rng: np.random.Generator) -> tuple[float, np.ndarray]:
    """The margin (ours better by) on the test rows as they are, and on ``resamples``
    paired bootstrap resamples of them (shape ``(resamples,)``, NaN where a resample
    leaves no task scorable)."""
    sign = -1.0 if regression else 1.0
    point = sign * (score(y, ours, regression) - score(y, peer, regression))
    out = np.empty(resamples)
    for b in range(resamples):
        idx = rng.integers(0, len(y), len(y))
        out[b] = sign * (score(y[idx], ours[idx], regression)
                         - score(y[idx], peer[idx], regression))
    return point, out


def summary(point: float, draws: np.ndarray, threshold: float) -> dict:
    """Point margin, 95 % percentile interval and the share of resamples at or above
    ``threshold`` and above 0."""
    draws = draws[~np.isnan(draws)]
    low, high = np.percentile(draws, [2.5, 97.5])
    return {"margin": round(point, 4), "ci95": [round(float(low), 4), round(float(high), 4)],
            f"share_at_least_{threshold}": round(float(np.mean(draws >= threshold)), 3),
            "share_above_0": round(float(np.mean(draws > 0)), 3), "resamples": int(len(draws))}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("dataset")
    ap.add_argument("--ours", required=True, help="our predictions, '{seed}' in the path")
    ap.add_argument("--peer", required=True, help="the peer's predictions, '{seed}' in the path")
    ap.add_argument("--seeds", default="0,1,2")
    ap.add_argument("--shared", default="../shared", type=Path)
    ap.add_argument("--resamples", default=10000, type=int)
    ap.add_argument("--threshold", default=0.01, type=float,
                    help="the margin an issue asks for (default 0.01)")
    ap.add_argument("--out", type=Path, help="JSON file to write (printed anyway)")
    a = ap.parse_args()

    frame = read_dataset(a.shared, a.dataset)
    tasks = list(frame.columns[1:])
    splits = json.loads((a.shared / "benchmarks" / "splits" / f"{a.dataset}.json").read_text())
    regression = a.dataset in REGRESSION
    rng = np.random.default_rng(0)
    result: dict = {"dataset": a.dataset, "metric": "rmse" if regression else "roc_auc",
                    "seeds": {}, "method": "paired percentile bootstrap over test rows"}
    points, draws = [], []
    for seed in (int(s) for s in a.seeds.split(",")):
        rows = splits["splits"][f"seed{seed}"]["test"]
        y = frame.loc[rows, tasks].to_numpy(dtype=float)
        ours = load_predictions(Path(a.ours.format(seed=seed)), rows, tasks)
        peer = load_predictions(Path(a.peer.format(seed=seed)), rows, tasks)
        point, seed_draws = margins(y, ours, peer, regression, a.resamples, rng)
        result["seeds"][f"seed{seed}"] = summary(point, seed_draws, a.threshold)
        points.append(point)
        draws.append(seed_draws)
    result["mean_over_seeds"] = summary(float(np.mean(points)), np.mean(draws, axis=0),
                                        a.threshold)
    text = json.dumps(result, indent=2)
    if a.out:
        a.out.parent.mkdir(parents=True, exist_ok=True)
        a.out.write_text(text + "\n")
    print(text)


if __name__ == "__main__":
    main()
