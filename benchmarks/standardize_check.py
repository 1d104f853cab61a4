#!/usr/bin/env python
"""Does RDKit standardization help or hurt a dataset? Decided on the validation part only.

Trains the fast `mlp` on each dataset with and without standardization (seeds given) and
prints the validation score; per-dataset choices are committed in the dataset cards
(datasets/NAME.json, "recommended").

    MOLPRED_DATA_DIR=../shared/datasets python benchmarks/standardize_check.py \
        --datasets clintox,bbbp,delaney,tox21 --seeds 0,1 --splits-dir ../shared/benchmarks/splits
"""

from __future__ import annotations

import argparse
from pathlib import Path

from molpred.models.encoders import ENCODERS
from molpred.training.api import train_prepared
from molpred.training.fit import FitSettings
from molpred.training.prepare import prepare_dataset
from molpred.training.splitting import resolve_split


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--datasets", default="clintox,bbbp,delaney,tox21")
    ap.add_argument("--seeds", default="0,1")
    ap.add_argument("--splits-dir", default="../shared/benchmarks/splits", type=Path)
    a = ap.parse_args()
    for dataset in a.datasets.split(","):
        for standardize in (True, False):
            feat = ENCODERS.get("mlp").featurizer_config(standardize=standardize)
            prepared = prepare_dataset(dataset, feat)
            for seed in (int(s) for s in a.seeds.split(",")):
                split = resolve_split(prepared, a.splits_dir / f"{dataset}.json", f"seed{seed}")
                result = train_prepared(prepared, split, "mlp",
                                        FitSettings(epochs=30, patience=10, device="cpu", seed=seed))
                val = result.metrics["val"]
                few = len(val["tasks"]) < 4
                tasks = " ".join(f"{t}={v:.3f}" for t, v in val["tasks"].items()) if few else ""
                print(f"{dataset} standardize={standardize} seed{seed} val {val['metric']} "
                      f"{val['score']:.4f} {tasks}", flush=True)


if __name__ == "__main__":
    main()
