#!/usr/bin/env python
"""``auto`` and the tree models on the canonical scaffold splits, as a user would run them.

Each dataset is given as its CSV file (``molpred train FILE --splits SPLIT.json``: every
numeric column a task, no dataset card, no recommended settings). ``auto`` chooses by
cross-validation on train+val (``docs/auto.md``); ``gbdt``/``rf`` train on train with their
defaults (3 members). Test is predicted once per run.

Resumable: one result file per dataset, model and seed, ``OUT/runs/DATASET/MODEL_seedK.json``;
finished runs are skipped. Test predictions go to
``benchmarks/results/predictions/DATASET/MODEL/seedK.csv`` (``score.py`` format) and are
re-scored with the reference scorer by ``--summarize``, which writes ``OUT/table.md``.
Rule v2 (``docs/auto.md``) adds step 0; ``benchmarks/auto_step0.py`` records it for every
dataset and seed, and a v1 run stands for v2 where step 0 keeps standardization. Rule v3 adds
the pretrained D-MPNN candidate on train+val sets of at most 3,000 molecules; larger sets
compute what v2 did, so their v2 runs stand. Each new record says its rule (``"rule"``).

    OMP_NUM_THREADS=1 python benchmarks/auto.py --datasets freesolv,delaney,clintox,bbbp \
        --models auto,gbdt,rf --seeds 0,1,2 --shared ../shared --out benchmarks/results/auto
    python benchmarks/auto.py --summarize --shared ../shared --out benchmarks/results/auto
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

PREDICTIONS = Path(__file__).parent / "results" / "predictions"
RULE = "v3"
"""The version of docs/auto.md's rule the runs of this script follow."""
CLASSIFICATION = ("tox21", "toxcast", "clintox", "bbbp", "hiv")
PEERS = {  # shared/benchmarks/anchors.md: Chemprop 2.3.1 defaults; RF 500 trees on ECFP4
    "tox21": (0.8036, 0.756), "clintox": (0.8545, 0.690), "bbbp": (0.9300, 0.891),
    "toxcast": (0.6887, None), "hiv": (0.7894, 0.826), "delaney": (0.8930, 1.693),
    "lipo": (0.6045, 0.945), "freesolv": (1.8511, 4.659),
}


def run_one(dataset: str, model: str, seed: int, shared: Path, out: Path,
            prepared_cache: dict, predictions: Path = PREDICTIONS) -> dict:
    """Train one (dataset, model, seed), write its predictions, return its record."""
    from molpred.featurizers.featurize import FeaturizerConfig
    from molpred.names import VECTOR_FEATURES
    from molpred.training.api import train, train_prepared
    from molpred.training.prepare import prepare_dataset
    from molpred.training.splitting import resolve_split

    data = shared / "datasets" / f"{dataset}.csv"
    if not data.is_file():  # hiv and toxcast are shipped gzipped
        data = data.with_suffix(".csv.gz")
    splits = shared / "benchmarks" / "splits" / f"{dataset}.json"
    start = time.perf_counter()
    if model == "auto":
        result = train(data, model="auto", splits=splits, split_key=f"seed{seed}", seed=seed,
                       progress_message=lambda m: print(f"  {m}", flush=True))
    else:
        if dataset not in prepared_cache:
            prepared_cache.clear()
            prepared_cache[dataset] = prepare_dataset(
                data, FeaturizerConfig(graph=False, vector=VECTOR_FEATURES, standardize=True))
        prepared = prepared_cache[dataset]
        split = resolve_split(prepared, splits, f"seed{seed}")
        from molpred.training.fit import FitSettings

        result = train_prepared(prepared, split, model, FitSettings(seed=seed), ensemble_size=3)
    seconds = time.perf_counter() - start
    frame = result.predictions["test"]
    dest = predictions / dataset / model / f"seed{seed}.csv"
    dest.parent.mkdir(parents=True, exist_ok=True)
    frame.to_csv(dest, index=False)
    m = result.metrics
    record = {"dataset": dataset, "model": model, "seed": seed, "test": m["test"]["score"],
              "rule": RULE if model == "auto" else None,
              "metric": m["test"]["metric"], "seconds": round(seconds, 1),
              "test_tasks": m["test"]["tasks"], "trust": m.get("trust")}
    if model == "auto":
        record["cv"] = m["cv"]["score"]
        record["auto"] = m["auto"]
    else:
        record["val"] = m["val"]["score"]
    return record


def summarize(shared: Path, out: Path) -> None:
    """Re-score every prediction file with score.py and write OUT/table.md."""
    records = [json.loads(p.read_text()) for p in sorted((out / "runs").glob("*/*.json"))]
    worst = 0.0
    for r in records:
        pred = PREDICTIONS / r["dataset"] / r["model"] / f"seed{r['seed']}.csv"
        res = subprocess.run([sys.executable, str(shared / "benchmarks" / "score.py"),
                              r["dataset"], f"seed{r['seed']}", str(pred), "--data-dir",
                              str(shared / "datasets")], capture_output=True, text=True,
                             check=True)
        worst = max(worst, abs(json.loads(res.stdout)["score"] - r["test"]))
    by = {}
    for r in records:
        by.setdefault((r["dataset"], r["model"]), []).append(r)
    models = sorted({r["model"] for r in records})
    lines = ["| dataset | metric | " + " | ".join(f"{m} (seeds)" for m in models)
             + " | Chemprop 2.3.1 | RF ECFP4 (anchors) | auto target |",
             "|---|---|" + "---|" * (len(models) + 3)]
    for dataset in PEERS:
        if not any((dataset, m) in by for m in models):
            continue
        cells = []
        for m in models:
            runs = by.get((dataset, m), [])
            if not runs:
                cells.append("–")
                continue
            scores = np.array([x["test"] for x in runs])
            cells.append(f"{scores.mean():.3f} ± {scores.std():.3f} ({len(runs)})")
        chemprop, rf = PEERS[dataset]
        if dataset in CLASSIFICATION:
            target = f"≥ {max(x for x in (chemprop, rf) if x is not None) + 0.01:.3f}"
            metric = "ROC-AUC ↑"
        else:
            target = f"≤ {0.95 * min(x for x in (chemprop, rf) if x is not None):.3f}"
            metric = "RMSE ↓"
        lines.append(f"| {dataset} | {metric} | " + " | ".join(cells)
                     + f" | {chemprop:.3f} | {'–' if rf is None else f'{rf:.3f}'} | {target} |")
    lines += ["", f"Largest |molpred - score.py| over {len(records)} prediction files: {worst:.1e}"]
    lines += ["", "What auto chose (per dataset and seed; CV = mean OOF score on train+val):", "",
              "| dataset | seed | molecules (step 0) | network | tree family | network share | "
              "CV dmpnn | CV dmpnn_pretrained | CV gbdt | CV rf | CV blend | D-MPNN epoch | wall s |",
              "|---|---|---|---|---|---|---|---|---|---|---|---|---|"]
    for r in records:
        if r["model"] != "auto":
            continue
        a = r["auto"]
        cand = a["candidates"]

        def fmt(name: str, cand: dict = cand) -> str:
            value = cand.get(name)
            return "–" if value is None else f"{value:.4f}"

        epoch = "–" if a["network_epoch"] is None else a["network_epoch"] + 1
        network = a.get("network_family", "dmpnn")
        lines.append(f"| {r['dataset']} | {r['seed']} | {_step0(r, out)} | {network} | "
                     f"{a['tree_family']} | {a['dataset_weight']:g} | {fmt('dmpnn')} | "
                     f"{fmt('dmpnn_pretrained')} | {fmt('gbdt')} | {fmt('rf')} | "
                     f"{r['cv']:.4f} | {epoch} | {r['seconds']:.0f} |")
    (out / "table.md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


def _step0(record: dict, out: Path) -> str:
    """What step 0 of rule v2 kept: from the run (v2) or from ``OUT/step0/`` (a v1 run,
    which stands for v2 where step 0 keeps standardization); ``–`` when neither says."""
    step0 = record["auto"].get("standardize")
    tag = f" ({record.get('rule') or 'v2'} run)"
    if step0 is None:
        path = out / "step0" / f"{record['dataset']}_seed{record['seed']}.json"
        if not path.is_file():
            return "–"
        step0, tag = json.loads(path.read_text()), " (v1 run)"
    return ("standardized" if step0["standardize"] else "**as given**") + tag


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--datasets", default="freesolv,delaney,clintox,bbbp")
    parser.add_argument("--models", default="auto,gbdt,rf")
    parser.add_argument("--seeds", default="0,1,2")
    parser.add_argument("--shared", type=Path, default=Path("../shared"))
    parser.add_argument("--out", type=Path, default=Path("benchmarks/results/auto"))
    parser.add_argument("--predictions", type=Path, default=PREDICTIONS,
                        help="where test predictions go (default: the committed folder; a "
                             "re-measurement of trust writes elsewhere and compares)")
    parser.add_argument("--summarize", action="store_true")
    args = parser.parse_args()
    if args.summarize:
        summarize(args.shared, args.out)
        return
    cache: dict = {}
    for dataset in args.datasets.split(","):
        for model in args.models.split(","):
            for seed in (int(s) for s in args.seeds.split(",")):
                path = args.out / "runs" / dataset / f"{model}_seed{seed}.json"
                if path.exists():
                    continue
                print(f"{dataset} {model} seed{seed}", flush=True)
                record = run_one(dataset, model, seed, args.shared, args.out, cache,
                                 args.predictions)
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_text(json.dumps(record, indent=2))
                print(f"  -> {record['metric']} {record['test']:.4f} in {record['seconds']:.0f} s",
                      flush=True)


if __name__ == "__main__":
    main()
