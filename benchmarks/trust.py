"""Uncertainty benchmark: do the panel's ensembles know when to be believed?

For every dataset and split seed whose members ``benchmarks/train_panel.py`` has trained,
the members become a deep ensemble; calibration, conformal predictors and the applicability
domain are fitted on that seed's validation part (:func:`molpred.training.trust.fit_trust`),
and measured on its test part (:func:`molpred.training.trust.trust_report`): expected
calibration error before and after calibration, conformal coverage at 0.9, and the error
inside versus outside the domain. One JSON per (dataset, seed) under
``OUT/DATASET/seedS.json`` (existing ones are kept unless ``--force``); ``OUT/table.md``
holds mean ± std over the seeds present.

Command::

    MOLPRED_DATA_DIR=../shared/datasets OMP_NUM_THREADS=1 python benchmarks/trust.py \\
        --runs ../panel_runs --shared ../shared --out benchmarks/results/trust
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np

PANEL_DATASETS = ("tox21", "clintox", "bbbp", "delaney", "lipo", "hiv")


def member_dirs(runs: Path, dataset: str, seed: int) -> list[Path]:
    """Finished member folders of one dataset and split seed, in member order."""
    folder = runs / dataset / f"seed{seed}"
    return sorted((p for p in folder.glob("member*") if (p / "metrics.json").is_file()),
                  key=lambda p: int(p.name[len("member"):]))


def assemble(runs: Path, dataset: str, seed: int, shared: Path, prepared_cache: dict):
    """``(ensemble, prepared, split, member_metrics)`` of one dataset and split seed."""
    from molpred.models.checkpoint import load_model
    from molpred.models.ensemble import Ensemble
    from molpred.training.prepare import prepare_dataset
    from molpred.training.splitting import resolve_split

    dirs = member_dirs(runs, dataset, seed)
    members = [load_model(d)[0] for d in dirs]
    model = members[0] if len(members) == 1 else Ensemble(members)
    featurizer = members[0].config.featurizer_config
    key = (dataset, json.dumps(featurizer.to_dict(), sort_keys=True))
    if key not in prepared_cache:
        prepared_cache.clear()
        prepared_cache[key] = prepare_dataset(dataset, featurizer, workers=1)
    prepared = prepared_cache[key]
    split = resolve_split(prepared, shared / "benchmarks" / "splits" / f"{dataset}.json",
                          f"seed{seed}", "scaffold", (0.8, 0.1, 0.1), 0)
    metrics = [json.loads((d / "metrics.json").read_text()) for d in dirs]
    return model, prepared, split, metrics


def part_scores(model, prepared, split, parts=("val", "test")) -> dict:
    """``{part: score record}`` of ``model`` on the parts of ``split`` (score.py's metric)."""
    from molpred.training.evaluate import label_prior, predict_part
    from molpred.training.metrics import score_predictions

    prior = label_prior(prepared.y[split["train"]], prepared.task_type)
    scores = {}
    for part in parts:
        frame = predict_part(model, prepared, split[part], prior, "cpu")
        tasks = list(model.config.tasks)  # the panel renames some (exp -> logD7.4)
        scores[part] = score_predictions(prepared.y[split[part]], frame[tasks].to_numpy(),
                                         tasks, prepared.task_type)
    return scores


def evaluate_seed(model, prepared, split) -> dict:
    """Test score of the ensemble and the trust report of its validation-fitted estimates."""
    from molpred.training.trust import fit_trust, trust_report

    scores = part_scores(model, prepared, split)
    trust = fit_trust(model, prepared, split, "cpu")
    return {"val": scores["val"], "test": scores["test"],
            "trust": trust_report(trust, model, prepared, split["test"], device="cpu"),
            "thresholds": {"min_similarity": trust.min_similarity,
                           "max_distance": trust.max_distance}}, trust


def _mean_std(values: list[float]) -> str:
    values = [v for v in values if v is not None and np.isfinite(v)]
    if not values:
        return "–"
    if len(values) == 1:
        return f"{values[0]:.3f}"  # the seeds column says there is one
    return f"{np.mean(values):.3f} ± {np.std(values):.3f}"


def table(out: Path) -> str:
    """Markdown table of mean ± std (population std over seeds) per dataset."""
    lines = ["| dataset | seeds | test score | ECE raw → calibrated | coverage at 0.9 | in domain "
             "| score in / out of domain | Brier in / out |",
             "|---|---|---|---|---|---|---|---|"]
    for dataset in PANEL_DATASETS:
        records = [json.loads(p.read_text()) for p in sorted((out / dataset).glob("seed*.json"))]
        if not records:
            continue
        t = [r["trust"] for r in records]
        metric = {"roc_auc": "ROC-AUC", "rmse": "RMSE"}[records[0]["test"]["metric"]]
        classification = "ece_raw" in t[0]
        ece = (f"{_mean_std([x['ece_raw'] for x in t])} → "
               f"{_mean_std([x['ece_calibrated'] for x in t])}" if classification else "–")
        inside = [x["roc_auc_in"] if classification else x["error_in"] for x in t]
        outside = [x["roc_auc_out"] if classification else x["error_out"] for x in t]
        brier = (f"{_mean_std([x['error_in'] for x in t])} / {_mean_std([x['error_out'] for x in t])}"
                 if classification else "–")
        lines.append(
            f"| {dataset} | {len(records)} | {metric} {_mean_std([r['test']['score'] for r in records])} "
            f"| {ece} | {_mean_std([x['coverage'] for x in t])} "
            f"| {_mean_std([x['in_domain_share'] for x in t])} "
            f"| {metric} {_mean_std(inside)} / {_mean_std(outside)} | {brier} |")
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=Path, required=True)
    parser.add_argument("--shared", type=Path, required=True)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--datasets", default=",".join(PANEL_DATASETS))
    parser.add_argument("--seeds", default="0,1,2")
    parser.add_argument("--members", type=int, default=3, help="evaluate only complete ensembles")
    parser.add_argument("--force", action="store_true")
    args = parser.parse_args(argv)
    cache: dict = {}
    for dataset in args.datasets.split(","):
        for seed in (int(s) for s in args.seeds.split(",")):
            target = args.out / dataset / f"seed{seed}.json"
            if target.exists() and not args.force:
                continue
            if len(member_dirs(args.runs, dataset, seed)) < args.members:
                print(f"{dataset} seed{seed}: members not trained yet", flush=True)
                continue
            model, prepared, split, metrics = assemble(args.runs, dataset, seed, args.shared, cache)
            record, _ = evaluate_seed(model, prepared, split)
            record.update(dataset=dataset, seed=seed, members=len(metrics),
                          member_test=[m["test"]["score"] for m in metrics])
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(json.dumps(record, indent=2))
            print(f"{dataset} seed{seed}: test {record['test']['score']:.4f}, coverage "
                  f"{record['trust']['coverage']:.3f}", flush=True)
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "table.md").write_text(table(args.out))
    print(table(args.out))


if __name__ == "__main__":
    sys.exit(main())
