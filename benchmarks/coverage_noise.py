#!/usr/bin/env python
"""How often a *valid* split-conformal predictor lands in a coverage band on one test part.

With ``n`` calibration pairs, the coverage of split-conformal sets given the calibration part
is Beta(k, n + 1 - k) distributed, k = ceil((n + 1) * confidence) (Vovk 2012; Angelopoulos &
Bates 2021, sec. 3.2); the test part then covers a Binomial(n_test, that coverage) share.
This draws both for each shared dataset's canonical split seed 0 (labelled pairs of its
validation and test parts, each task its own predictor as molpred fits them) and reports the
spread of the test coverage and the chance of landing in ``--band`` even when exchangeability
holds. Scaffold splits add shift on top.

    python benchmarks/coverage_noise.py --shared ../shared --out benchmarks/results/trust_v2
"""

from __future__ import annotations

import argparse
import json
import math
from pathlib import Path

import numpy as np
import pandas as pd

DATASETS = ("tox21", "toxcast", "clintox", "bbbp", "hiv", "delaney", "lipo", "freesolv")


def simulate(calibration: list[int], test: list[int], confidence: float, draws: int,
             rng: np.random.Generator) -> np.ndarray:
    """``float [draws]`` pooled test coverage of one conformal predictor per task, tasks with
    ``calibration[t]`` and ``test[t]`` labelled pairs."""
    hits = np.zeros(draws)
    for n, m in zip(calibration, test, strict=True):
        if n == 0 or m == 0:
            continue
        k = min(math.ceil((n + 1) * confidence), n)
        hits += rng.binomial(m, rng.beta(k, n + 1 - k, size=draws))
    return hits / sum(m for n, m in zip(calibration, test, strict=True) if n)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--shared", type=Path, required=True)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--band", default="0.87,0.93")
    parser.add_argument("--confidence", type=float, default=0.9)
    parser.add_argument("--draws", type=int, default=20000)
    args = parser.parse_args(argv)
    low, high = map(float, args.band.split(","))
    rng = np.random.default_rng(0)
    rows = ["| dataset | calibration pairs | test pairs | std of test coverage | P(in band), one "
            "seed | P(mean of 3 seeds in band) |", "|---|---|---|---|---|---|"]
    record = {}
    for name in DATASETS:
        path = args.shared / "datasets" / f"{name}.csv"
        path = path if path.is_file() else path.with_suffix(".csv.gz")
        labels = pd.read_csv(path).iloc[:, 1:].to_numpy(dtype=float)
        split = json.loads((args.shared / "benchmarks" / "splits" / f"{name}.json")
                           .read_text())["splits"]["seed0"]
        known = np.isfinite(labels)
        cal = known[split["val"]].sum(axis=0).tolist()
        test = known[split["test"]].sum(axis=0).tolist()
        one = simulate(cal, test, args.confidence, args.draws, rng)
        three = np.mean([simulate(cal, test, args.confidence, args.draws, rng)
                         for _ in range(3)], axis=0)
        inside = float(((one >= low) & (one <= high)).mean())
        inside3 = float(((three >= low) & (three <= high)).mean())
        record[name] = {"calibration_pairs": int(sum(cal)), "test_pairs": int(sum(test)),
                        "std": float(one.std()), "p_band_one_seed": inside,
                        "p_band_mean_of_three": inside3}
        rows.append(f"| {name} | {sum(cal)} | {sum(test)} | {one.std():.3f} | {inside:.2f} | "
                    f"{inside3:.2f} |")
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "coverage_noise.json").write_text(json.dumps(record, indent=2))
    (args.out / "coverage_noise.md").write_text("\n".join(rows) + "\n")
    print("\n".join(rows))


if __name__ == "__main__":
    main()
