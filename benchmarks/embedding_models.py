#!/usr/bin/env python
"""Pretrained embeddings as features: ``molpred-base``'s molecule vectors (what ``molpred
embed -m molpred-base`` writes) + a linear model, and + gradient-boosted trees, on the
canonical scaffold splits, beside the fine-tuned network (benchmarks/fine_tune.py).

Per task: the linear model is a logistic regression (classification) or ridge regression on
standardized embeddings, its penalty chosen on the validation part from a grid of five;
the trees are LightGBM (500 rounds at most, learning rate 0.05, early stopping on the
validation part). Tasks with missing labels train on their labelled molecules. Resumable:
one JSON per dataset, model and seed under OUT/runs/; rewrites OUT/table.md.

    MOLPRED_DATA_DIR=../shared/datasets python benchmarks/embedding_models.py \
        --datasets clintox,bbbp,delaney,tox21,freesolv,lipo --seeds 0,1,2 \
        --shared ../shared --out benchmarks/results/embedding_models
"""

from __future__ import annotations

import argparse
import json
import time
import warnings
from pathlib import Path

import lightgbm as lgb
import numpy as np
from sklearn.linear_model import LogisticRegression, Ridge
from sklearn.preprocessing import StandardScaler

from molpred.inference import predict_with_embeddings
from molpred.models.encoders import ENCODERS
from molpred.pretraining.embed import backbone_predictor
from molpred.training.metrics import HIGHER_IS_BETTER, METRICS, score_predictions
from molpred.training.prepare import prepare_dataset
from molpred.training.splitting import resolve_split

PENALTIES = (0.01, 0.1, 1.0, 10.0, 100.0)
MODELS = ("linear", "gbdt")


def _score(y: np.ndarray, pred: np.ndarray, task_type: str) -> float:
    return score_predictions(y[:, None], pred[:, None], ["t"], task_type)["score"]


def fit_task(kind: str, X: np.ndarray, y: np.ndarray, split: dict, task_type: str,
             seed: int) -> np.ndarray:
    """Predictions for every row, from one model fitted on the labelled train rows of a task."""
    classify = task_type == "classification"
    train = split["train"][~np.isnan(y[split["train"]])]
    val = split["val"][~np.isnan(y[split["val"]])]
    higher = HIGHER_IS_BETTER[METRICS[task_type]]
    if classify and len(np.unique(y[train])) < 2:
        return np.full(len(X), float(np.nanmean(y[train])) if len(train) else 0.5)
    if kind == "linear":
        scaler = StandardScaler().fit(X[train])
        Z = scaler.transform(X)
        best, best_score = None, None
        for penalty in PENALTIES:
            model = (LogisticRegression(C=1.0 / penalty, max_iter=2000) if classify
                     else Ridge(alpha=penalty)).fit(Z[train], y[train])
            pred = model.predict_proba(Z)[:, 1] if classify else model.predict(Z)
            score = _score(y[val], pred[val], task_type) if len(val) else 0.0
            if best is None or (np.isfinite(score) and (score > best_score if higher
                                                        else score < best_score)):
                best, best_score = pred, score
        return best
    params = {"n_estimators": 500, "learning_rate": 0.05, "random_state": seed, "verbose": -1,
              "n_jobs": 1}
    model = lgb.LGBMClassifier(**params) if classify else lgb.LGBMRegressor(**params)
    callbacks = [lgb.early_stopping(50, verbose=False)]
    evaluable = len(val) and (not classify or len(np.unique(y[val])) == 2)
    warnings.filterwarnings("ignore", ".*eval_set.*deprecated.*")
    model.fit(X[train], y[train], eval_set=[(X[val], y[val])] if evaluable else None,
              callbacks=callbacks if evaluable else None)
    return model.predict_proba(X)[:, 1] if classify else model.predict(X)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--datasets", default="clintox,bbbp,delaney,tox21,freesolv,lipo")
    parser.add_argument("--seeds", default="0,1,2")
    parser.add_argument("--backbone", default="molpred-base")
    parser.add_argument("--shared", type=Path, default=Path("../shared"))
    parser.add_argument("--out", type=Path, default=Path("benchmarks/results/embedding_models"))
    args = parser.parse_args()
    seeds = [int(s) for s in args.seeds.split(",")]
    embedder = backbone_predictor(args.backbone).model
    featurizer = ENCODERS.get("dmpnn").featurizer_config((), True)
    for dataset in args.datasets.split(","):
        todo = [(m, s) for s in seeds for m in MODELS
                if not (args.out / "runs" / dataset / m / f"seed{s}.json").exists()]
        if not todo:
            continue
        prepared = prepare_dataset(dataset, featurizer)
        X = predict_with_embeddings(embedder, prepared.data, 256, "cpu")[1][0]
        X = np.nan_to_num(X)  # unreadable rows (predicted the prior in the other benchmarks)
        for kind, seed in todo:
            split = resolve_split(prepared, args.shared / "benchmarks" / "splits" /
                                  f"{dataset}.json", f"seed{seed}")
            start = time.perf_counter()
            pred = np.column_stack([fit_task(kind, X, prepared.y[:, t], split,
                                             prepared.task_type, seed)
                                    for t in range(len(prepared.tasks))])
            record = {"dataset": dataset, "model": kind, "seed": seed,
                      "metric": METRICS[prepared.task_type],
                      **{part: score_predictions(prepared.y[split[part]], pred[split[part]],
                                                 prepared.tasks, prepared.task_type)["score"]
                         for part in ("val", "test")},
                      "seconds": round(time.perf_counter() - start, 1)}
            path = args.out / "runs" / dataset / kind / f"seed{seed}.json"
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(json.dumps(record, indent=1))
            print(time.strftime("%X"), json.dumps(record), flush=True)
    lines = ["| dataset | metric | " + " | ".join(f"embeddings + {m} (test)" for m in MODELS) + " |",
             "|---|---|" + "---|" * len(MODELS)]
    for dataset in args.datasets.split(","):
        cells, metric = [], ""
        for kind in MODELS:
            runs = [json.loads(p.read_text())
                    for p in sorted((args.out / "runs" / dataset / kind).glob("seed*.json"))]
            if runs:
                metric = runs[0]["metric"]
                values = np.array([r["test"] for r in runs])
                cells.append(f"{values.mean():.3f} ± {values.std(ddof=1) if len(values) > 1 else 0:.3f}")
            else:
                cells.append("–")
        lines.append(f"| {dataset} | {metric} | " + " | ".join(cells) + " |")
    (args.out / "table.md").write_text("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
