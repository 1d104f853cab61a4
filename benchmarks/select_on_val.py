#!/usr/bin/env python
"""Choose a per-dataset config on validation data only (shared/BENCHMARKS.md).

Trains the default model in a few variants on the canonical splits and records each run's
*validation* score; test scores are computed by the shared training code but never written
or printed, so nothing here can look at test. Resumable: one JSON file per
dataset, variant and seed under OUT/DATASET/VARIANT/seedK.json.

Variants: ``default``; ``rdkit2d`` or ``ecfp`` (RDKit 2D descriptors or 2048-bit ECFP4
into the head); ``ensembleN`` (N members with seeds K..K+N-1, the mean predicts);
``balanced`` (each task's positives weighted by its negatives/positives ratio,
``--class-weight balanced``); ``raw`` (SMILES featurized as given, without RDKit
standardization; ``--standardize no`` does the same for every variant); and their
combinations joined by ``+``, e.g. ``rdkit2d+balanced``.

    MOLPRED_DATA_DIR=../shared/datasets OMP_NUM_THREADS=1 python benchmarks/select_on_val.py \
        --dataset bbbp --variants default,rdkit2d,ensemble3 --seeds 0,1,2 \
        --shared ../shared --out benchmarks/results/selection
"""

from __future__ import annotations

import argparse
import json
import re
import statistics
from pathlib import Path

from molpred.models.encoders import ENCODERS
from molpred.names import DEFAULT_MODEL
from molpred.training.api import train_prepared
from molpred.training.fit import FitSettings
from molpred.training.prepare import prepare_dataset
from molpred.training.splitting import resolve_split


def parse_variant(name: str) -> tuple[tuple[str, ...], int, str, bool]:
    """``"rdkit2d+ensemble3"`` -> ``(("rdkit2d",), 3, "none", True)``; ``"default"`` ->
    ``((), 1, "none", True)``; ``"balanced+raw"`` -> ``((), 1, "balanced", False)`` (extra
    features, ensemble size, class weighting, standardize).

    Raises:
        ValueError: for an unknown part.
    """
    extra, size, class_weight, standardize = [], 1, "none", True
    for part in name.split("+"):
        if part == "default":
            continue
        if part == "raw":
            standardize = False
        elif part == "balanced":
            class_weight = "balanced"
        elif part in ("rdkit2d", "ecfp"):
            extra.append(part)
        elif m := re.fullmatch(r"ensemble(\d+)", part):
            size = int(m.group(1))
        else:
            raise ValueError(f"unknown variant part {part!r} in {name!r}")
    return tuple(extra), size, class_weight, standardize


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--dataset", required=True)
    ap.add_argument("--variants", default="default,rdkit2d,ensemble3")
    ap.add_argument("--seeds", default="0,1,2")
    ap.add_argument("--standardize", choices=("yes", "no"), default="yes")
    ap.add_argument("--shared", default="../shared", type=Path)
    ap.add_argument("--out", default="benchmarks/results/selection", type=Path)
    a = ap.parse_args()
    encoder = ENCODERS.get(DEFAULT_MODEL)
    seeds = [int(s) for s in a.seeds.split(",")]
    splits = a.shared / "benchmarks" / "splits" / f"{a.dataset}.json"
    prepared_by_features = {}
    summary = {}
    for variant in a.variants.split(","):
        extra, size, class_weight, standardize = parse_variant(variant)
        standardize = standardize and a.standardize == "yes"
        scores = []
        for seed in seeds:
            path = a.out / a.dataset / variant / f"seed{seed}.json"
            if not path.exists():
                feat = encoder.featurizer_config(extra_features=extra, standardize=standardize)
                if feat not in prepared_by_features:
                    prepared_by_features[feat] = prepare_dataset(a.dataset, feat)
                prepared = prepared_by_features[feat]
                split = resolve_split(prepared, splits, f"seed{seed}")
                result = train_prepared(prepared, split, DEFAULT_MODEL, FitSettings(
                    seed=seed, device="cpu", class_weight=class_weight), ensemble_size=size)
                m = result.metrics
                record = {"dataset": a.dataset, "variant": variant, "seed": seed,
                          "model": DEFAULT_MODEL, "extra_features": list(extra),
                          "ensemble_size": size, "class_weight": class_weight,
                          "standardize": standardize, "metric": m["val"]["metric"],
                          "val": m["val"]["score"], "best_epoch": m["best_epoch"],
                          "train_seconds": m["train_seconds"], "members": m.get("members")}
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_text(json.dumps(record, indent=2))
            record = json.loads(path.read_text())
            scores.append(record["val"])
            print(f"{a.dataset} {variant} seed{seed}: val {record['val']:.4f} "
                  f"({record['train_seconds']:.0f} s)", flush=True)
        spread = statistics.stdev(scores) if len(scores) > 1 else 0.0
        summary[variant] = (statistics.mean(scores), spread, len(scores))
    print(f"\n{a.dataset}: mean validation score per variant (test never read)")
    for variant, (mean, std, n) in summary.items():
        print(f"  {variant:24s} {mean:.4f} ± {std:.4f} (n={n})")


if __name__ == "__main__":
    main()
