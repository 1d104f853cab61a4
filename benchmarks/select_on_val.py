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
from dataclasses import dataclass, field
from pathlib import Path

from molpred.models.encoders import ENCODERS
from molpred.names import DEFAULT_MODEL
from molpred.training.api import train_prepared
from molpred.training.fit import FitSettings
from molpred.training.prepare import prepare_dataset
from molpred.training.splitting import resolve_split


@dataclass(frozen=True)
class Variant:
    """One variant of the default model: what it changes from the shipped defaults."""

    extra_features: tuple[str, ...] = ()
    ensemble_size: int = 1
    class_weight: str = "none"
    standardize: bool = True
    encoder_params: dict = field(default_factory=dict)
    head_params: dict = field(default_factory=dict)
    epochs: int | None = None


# One hyper-parameter per part: name prefix -> (where it goes, parameter, type).
_HYPER = {"depth": ("encoder", "depth", int), "hidden": ("encoder", "hidden_size", int),
          "dropout": ("encoder", "dropout", float), "ffn": ("head", "num_layers", int),
          "epochs": ("fit", "epochs", int)}


def parse_variant(name: str) -> Variant:
    """``"rdkit2d+ensemble3"`` -> ``Variant(extra_features=("rdkit2d",), ensemble_size=3)``.

    Parts: ``default``; ``raw``; ``balanced``; ``rdkit2d``/``ecfp``; ``ensembleN``; and one
    hyper-parameter each: ``depthN`` and ``hiddenN`` (D-MPNN message-passing steps and
    width), ``dropoutX`` (encoder dropout), ``ffnN`` (hidden layers of the prediction head),
    ``epochsN`` (epoch budget; the learning-rate schedule stretches with it).

    Raises:
        ValueError: for an unknown part.
    """
    extra, size, class_weight, standardize = [], 1, "none", True
    encoder, head, epochs = {}, {}, None
    for part in name.split("+"):
        m = re.fullmatch(r"([a-z]+?)(\d+(?:\.\d+)?)", part)
        if part == "default":
            continue
        if part == "raw":
            standardize = False
        elif part == "balanced":
            class_weight = "balanced"
        elif part in ("rdkit2d", "ecfp"):
            extra.append(part)
        elif m and m.group(1) == "ensemble":
            size = int(m.group(2))
        elif m and m.group(1) in _HYPER:
            where, key, kind = _HYPER[m.group(1)]
            value = kind(m.group(2))
            if where == "encoder":
                encoder[key] = value
            elif where == "head":
                head[key] = value
            else:
                epochs = value
        else:
            raise ValueError(f"unknown variant part {part!r} in {name!r}")
    return Variant(tuple(extra), size, class_weight, standardize, encoder, head, epochs)


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
        v = parse_variant(variant)
        standardize = v.standardize and a.standardize == "yes"
        fit = {"epochs": v.epochs} if v.epochs else {}
        scores = []
        for seed in seeds:
            path = a.out / a.dataset / variant / f"seed{seed}.json"
            if not path.exists():
                feat = encoder.featurizer_config(extra_features=v.extra_features,
                                                 standardize=standardize)
                if feat not in prepared_by_features:
                    prepared_by_features[feat] = prepare_dataset(a.dataset, feat)
                prepared = prepared_by_features[feat]
                split = resolve_split(prepared, splits, f"seed{seed}")
                result = train_prepared(
                    prepared, split, DEFAULT_MODEL,
                    FitSettings(seed=seed, device="cpu", class_weight=v.class_weight, **fit),
                    encoder_params=v.encoder_params, head_params=v.head_params,
                    ensemble_size=v.ensemble_size)
                m = result.metrics
                record = {"dataset": a.dataset, "variant": variant, "seed": seed,
                          "model": DEFAULT_MODEL, "extra_features": list(v.extra_features),
                          "ensemble_size": v.ensemble_size, "class_weight": v.class_weight,
                          "encoder_params": result.model.config.encoder_params,
                          "head_params": result.model.config.head_params,
                          "epochs": FitSettings(**fit).epochs,
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
