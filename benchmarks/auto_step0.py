#!/usr/bin/env python
"""Step 0 of ``auto`` (rule v2, ``docs/auto.md``) on every dataset and split seed: the gbdt
OOF score on train+val of the molecules standardized and as given, and the choice.

The whole file is featurized once per setting, but step 0 reads only each split's train+val
rows; no test label or prediction takes part.
Where step 0 keeps standardization, ``auto`` v2 computes what v1 did, so v1's run stands;
where it chooses "as given", ``benchmarks/auto.py`` reruns ``auto``. Resumable: one file per
dataset and seed, ``OUT/DATASET_seedK.json``; ``--summarize`` writes ``OUT/table.md``.

    OMP_NUM_THREADS=1 MOLPRED_TREE_THREADS=1 python benchmarks/auto_step0.py \\
        --datasets clintox,bbbp,delaney,tox21,lipo,freesolv --seeds 0,1,2 \\
        --shared ../shared --out benchmarks/results/auto/step0
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import numpy as np


def run(dataset: str, seeds: list[int], shared: Path, out: Path) -> None:
    """Featurize the dataset both ways once, then run step 0 for each seed not done yet."""
    from molpred.featurizers.featurize import FeaturizerConfig
    from molpred.names import VECTOR_FEATURES
    from molpred.training.auto import DEFAULT_FOLDS, choose_standardization
    from molpred.training.prepare import prepare_dataset
    from molpred.training.splitting import resolve_split

    todo = [s for s in seeds if not (out / f"{dataset}_seed{s}.json").is_file()]
    if not todo:
        return
    data = shared / "datasets" / f"{dataset}.csv"
    splits = shared / "benchmarks" / "splits" / f"{dataset}.json"
    start = time.perf_counter()
    variants = {flag: prepare_dataset(data, FeaturizerConfig(graph=False, vector=VECTOR_FEATURES,
                                                             standardize=flag))
                for flag in (True, False)}
    featurized = time.perf_counter() - start
    smiles = [s if isinstance(s, str) else "" for s in variants[True].table.smiles]
    for seed in todo:
        t0 = time.perf_counter()
        parts = resolve_split(variants[True], splits, f"seed{seed}")
        rows = np.sort(np.concatenate([parts["train"], parts["val"]]).astype(np.int64))
        chosen = choose_standardization(variants, rows, smiles, DEFAULT_FOLDS, seed)
        record = {"dataset": dataset, "seed": seed, **chosen,
                  "seconds": round(time.perf_counter() - t0 + featurized / len(todo), 1)}
        (out / f"{dataset}_seed{seed}.json").write_text(json.dumps(record, indent=2))
        print(f"{dataset} seed{seed}: {chosen['summary']}", flush=True)


def summarize(out: Path) -> None:
    """``OUT/table.md``: one line per dataset and seed."""
    lines = ["| dataset | seed | gbdt OOF standardized | gbdt OOF as given | step 0 keeps |",
             "|---|---|---|---|---|"]
    for path in sorted(out.glob("*_seed*.json")):
        r = json.loads(path.read_text())
        lines.append(f"| {r['dataset']} | {r['seed']} | {r['cv_standardized']:.4f} | "
                     f"{r['cv_as_given']:.4f} | "
                     f"{'standardized' if r['standardize'] else '**as given**'} |")
    (out / "table.md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--datasets", default="clintox,bbbp,delaney,tox21,lipo,freesolv")
    parser.add_argument("--seeds", default="0,1,2")
    parser.add_argument("--shared", type=Path, default=Path("../shared"))
    parser.add_argument("--out", type=Path, default=Path("benchmarks/results/auto/step0"))
    parser.add_argument("--summarize", action="store_true")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    if not args.summarize:
        for dataset in args.datasets.split(","):
            run(dataset, [int(s) for s in args.seeds.split(",")], args.shared, args.out)
    summarize(args.out)


if __name__ == "__main__":
    main()
