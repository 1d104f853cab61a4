#!/usr/bin/env python
"""Fine-tuned vs from scratch: the plain D-MPNN with its encoder started from a pretrained
backbone (``--from-pretrained``) or from random weights, same settings, splits and seeds.
Molecules are standardized or kept as given as each dataset card says (ClinTox: as given);
no other recommended setting is used (``--plain``: no descriptors, one model, 50 epochs).

Resumable: one JSON per dataset, variant and seed under OUT/runs/DATASET/VARIANT/seedK.json
(validation and test scores, best epoch, training seconds), plus the test predictions in
score.py's format under OUT/predictions/. Re-running skips finished runs and rewrites
OUT/table.md. The decision rule (docs/pretraining.md) reads validation scores only.

    MOLPRED_DATA_DIR=../shared/datasets python benchmarks/fine_tune.py \
        --datasets clintox,bbbp,delaney,tox21,freesolv,lipo --seeds 0,1,2 \
        --variants scratch,molpred-base --shared ../shared --out benchmarks/results/fine_tune
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import numpy as np

from molpred.models.encoders import ENCODERS
from molpred.training.api import train_prepared
from molpred.training.fit import FitSettings
from molpred.training.prepare import prepare_dataset
from molpred.training.recommended import recommended_configs
from molpred.training.splitting import resolve_split

VARIANTS = {"scratch": {}, "molpred-base": {"pretrained": "molpred-base"},
            "molpred-base-lr0.1": {"pretrained": "molpred-base", "encoder_lr_ratio": 0.1}}


def run_one(prepared, split, variant: str, seed: int, out: Path, dataset: str) -> dict:
    settings = FitSettings(seed=seed, device="cpu", **VARIANTS[variant])
    start = time.perf_counter()
    result = train_prepared(prepared, split, "dmpnn", settings)
    frame = result.predictions["test"]
    pred_dir = out / "predictions" / dataset / variant
    pred_dir.mkdir(parents=True, exist_ok=True)
    frame.to_csv(pred_dir / f"seed{seed}.csv", index=False)
    return {"dataset": dataset, "variant": variant, "seed": seed,
            "metric": result.metrics["test"]["metric"],
            "val": result.metrics["val"]["score"], "test": result.metrics["test"]["score"],
            "best_epoch": result.metrics["best_epoch"], "epochs_run": result.metrics["epochs_run"],
            "train_seconds": result.metrics["train_seconds"],
            "wall_seconds": round(time.perf_counter() - start, 1)}


def table(out: Path, datasets: list[str], variants: list[str]) -> str:
    lines = ["| dataset | metric | " + " | ".join(f"{v} val | {v} test" for v in variants) + " |",
             "|---|---|" + "---|---|" * len(variants)]
    seeds_lines = ["", "| dataset | variant | seed | val | test | best epoch | train s |",
                   "|---|---|---|---|---|---|---|"]
    for dataset in datasets:
        cells, metric = [], ""
        for variant in variants:
            runs = [json.loads(p.read_text()) for p in
                    sorted((out / "runs" / dataset / variant).glob("seed*.json"))]
            if not runs:
                cells += ["–", "–"]
                continue
            metric = runs[0]["metric"]
            for part in ("val", "test"):
                values = np.array([r[part] for r in runs])
                cells.append(f"{values.mean():.3f} ± {values.std(ddof=1) if len(values) > 1 else 0:.3f}"
                             + (f" (n={len(values)})" if len(values) < 3 else ""))
            for r in runs:
                seeds_lines.append(f"| {dataset} | {variant} | {r['seed']} | {r['val']:.4f} | "
                                   f"{r['test']:.4f} | {r['best_epoch']} | {r['train_seconds']:.0f} |")
        lines.append(f"| {dataset} | {metric} | " + " | ".join(cells) + " |")
    return "\n".join(lines + seeds_lines) + "\n"


DECISION_DATASETS = ("clintox", "bbbp", "delaney", "tox21")
"""The datasets whose validation scores decide (docs/pretraining.md); freesolv and lipo never do."""
MAX_LOSS_ROC_AUC, MAX_LOSS_RMSE = 0.01, 0.03


def decide(out: Path, candidate: str = "molpred-base", baseline: str = "scratch") -> str:
    """The committed rule, applied to mean validation scores only: ``candidate`` becomes the
    default if it is better on at least 3 of the 4 decision datasets and worse on none by
    more than 0.01 ROC-AUC or 3 % RMSE. Returns the verdict as Markdown."""
    lines = [f"Decision ({candidate} vs {baseline}; mean validation score over the seeds; "
             "docs/pretraining.md):", "", "| dataset | metric | " + baseline + " val | "
             + candidate + " val | better | beyond the allowed loss |", "|---|---|---|---|---|---|"]
    wins, bad = 0, 0
    for dataset in DECISION_DATASETS:
        runs = {v: [json.loads(p.read_text()) for p in
                    sorted((out / "runs" / dataset / v).glob("seed*.json"))]
                for v in (baseline, candidate)}
        if any(len(r) < 3 for r in runs.values()):
            return "\n".join(lines + [f"| {dataset} | – | incomplete | | | |", "",
                                       "Verdict: not decided (runs missing)."]) + "\n"
        metric = runs[baseline][0]["metric"]
        base = float(np.mean([r["val"] for r in runs[baseline]]))
        cand = float(np.mean([r["val"] for r in runs[candidate]]))
        higher = metric == "roc_auc"
        better = cand > base if higher else cand < base
        loss = (base - cand > MAX_LOSS_ROC_AUC) if higher else (cand > base * (1 + MAX_LOSS_RMSE))
        wins += better
        bad += loss
        lines.append(f"| {dataset} | {metric} | {base:.4f} | {cand:.4f} | {'yes' if better else 'no'}"
                     f" | {'yes' if loss else 'no'} |")
    adopted = wins >= 3 and bad == 0
    verdict = "adopted as the default" if adopted else "kept as an option"
    lines += ["", f"Verdict: {candidate} is better on {wins} of {len(DECISION_DATASETS)} and beyond "
              f"the allowed loss on {bad}: **{verdict}**."]
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--datasets", default="clintox,bbbp,delaney,tox21,freesolv,lipo")
    parser.add_argument("--seeds", default="0,1,2")
    parser.add_argument("--variants", default="scratch,molpred-base")
    parser.add_argument("--shared", type=Path, default=Path("../shared"))
    parser.add_argument("--out", type=Path, default=Path("benchmarks/results/fine_tune"))
    args = parser.parse_args()
    datasets, variants = args.datasets.split(","), args.variants.split(",")
    seeds = [int(s) for s in args.seeds.split(",")]
    cards = recommended_configs()
    for dataset in datasets:
        # molecules as the card says (ClinTox as given, chosen on validation data); nothing
        # else of the card's recommended settings (descriptors, ensembles, epochs) is used
        standardize = bool(cards.get(dataset, {}).get("standardize", True))
        featurizer = ENCODERS.get("dmpnn").featurizer_config((), standardize)
        todo = [(v, s) for s in seeds for v in variants
                if not (args.out / "runs" / dataset / v / f"seed{s}.json").exists()]
        if not todo:
            continue
        prepared = prepare_dataset(dataset, featurizer)
        for variant, seed in todo:
            split = resolve_split(prepared, args.shared / "benchmarks" / "splits" /
                                  f"{dataset}.json", f"seed{seed}")
            record = run_one(prepared, split, variant, seed, args.out, dataset)
            path = args.out / "runs" / dataset / variant / f"seed{seed}.json"
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(json.dumps(record, indent=1))
            print(time.strftime("%X"), json.dumps(record), flush=True)
        (args.out / "table.md").write_text(table(args.out, datasets, variants))
    (args.out / "table.md").write_text(table(args.out, datasets, variants) + "\n" + decide(args.out))


if __name__ == "__main__":
    main()
