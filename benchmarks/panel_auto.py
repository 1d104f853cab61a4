"""Should ``auto`` replace a shipped panel model? Train it on the panel's train part, score
both on the validation part, decide by the rule in ``benchmarks/results/panel_auto/RULE.md``.

Step 1 (``--decide``, resumable: one ``DATASET.json`` per panel model in ``--out``):
``auto`` with every default on the train part of split seed 0 only (its split file names
the validation part ``test`` and leaves ``val`` empty); its validation score beside the
shipped model's (``metrics.json`` of ``molpred/panel/models/NAME``).

Step 2 (``--install``): each model that ``auto`` won is copied into the panel and its test
part predicted once, for ``metrics.json``, ``card.md`` and the plots (``--draw`` redraws
them).

Step 3 (``--refit-trust``): an installed model's trust files fitted again as ``auto`` fits
them today (out-of-fold embedding distances, Venn-ABERS among the calibration maps), its
weights kept; measured on test as in step 2.

Commands::

    OMP_NUM_THREADS=1 MOLPRED_TREE_THREADS=1 MOLPRED_DATA_DIR=../shared/datasets \\
        python benchmarks/panel_auto.py --decide --models clintox,bbbp,esol \\
        --shared ../shared --runs ../panel_auto_runs --out benchmarks/results/panel_auto
    MOLPRED_DATA_DIR=../shared/datasets python benchmarks/panel_auto.py --install \\
        --shared ../shared --runs ../panel_auto_runs --out benchmarks/results/panel_auto
    MOLPRED_DATA_DIR=../shared/datasets python benchmarks/panel_auto.py --refit-trust \\
        --models clintox,bbbp,hiv --shared ../shared --runs ../panel_auto_runs \\
        --out benchmarks/results/panel_auto
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

SEED = 0


def dataset_file(shared: Path, dataset: str) -> Path:
    """The shared CSV of ``dataset`` (HIV and ToxCast are gzipped)."""
    path = shared / "datasets" / f"{dataset}.csv"
    return path if path.is_file() else path.with_suffix(".csv.gz")


def canonical_split(shared: Path, dataset: str) -> dict[str, list[int]]:
    """Split seed 0 of ``shared/benchmarks/splits/DATASET.json``."""
    saved = json.loads((shared / "benchmarks" / "splits" / f"{dataset}.json").read_text())
    return saved["splits"][f"seed{SEED}"]


def panel_inputs(entry, shared: Path, runs: Path) -> tuple[Path, Path]:
    """``(csv, split)`` for the decision run: the dataset with the panel's output names and a
    split whose ``test`` part is the validation part (``val`` empty)."""
    frame = pd.read_csv(dataset_file(shared, entry.dataset))
    if entry.outputs:
        frame.columns = [frame.columns[0], *entry.outputs]
    data = runs / "data" / f"{entry.name}.csv"
    data.parent.mkdir(parents=True, exist_ok=True)
    frame.to_csv(data, index=False)
    split = canonical_split(shared, entry.dataset)
    split_file = runs / "data" / f"{entry.name}_train_to_val.json"
    split_file.write_text(json.dumps({"train": split["train"], "val": [], "test": split["val"]}))
    return data, split_file


def better_or_equal(metric: str, candidate: float, incumbent: float) -> bool:
    """The rule's comparison: ROC-AUC at least as high, RMSE at least as low."""
    return candidate >= incumbent if metric == "roc_auc" else candidate <= incumbent


def decide(entry, shared: Path, runs: Path, out: Path) -> dict:
    """Train ``auto`` on the train part and compare validation scores (step 1)."""
    from molpred.panel import MODELS_DIR
    from molpred.training.api import train

    data, split_file = panel_inputs(entry, shared, runs)
    model_dir = runs / entry.name
    if model_dir.exists():
        shutil.rmtree(model_dir)
    start = time.perf_counter()
    result = train(data, model="auto", splits=split_file, seed=SEED, out=model_dir,
                   progress_message=lambda m: print(f"  {entry.name}: {m}", flush=True))
    seconds = time.perf_counter() - start
    shipped = json.loads((MODELS_DIR / entry.name / "metrics.json").read_text())["val"]
    auto_val = result.metrics["test"]  # the validation part, given to auto as its test part
    metric = auto_val["metric"]
    wins = better_or_equal(metric, auto_val["score"], shipped["score"])
    record = {"model": entry.name, "dataset": entry.dataset, "metric": metric,
              "val_auto": auto_val["score"], "val_shipped": shipped["score"],
              "val_tasks_auto": auto_val["tasks"], "val_tasks_shipped": shipped["tasks"],
              "auto_wins": wins, "cv_auto": result.metrics["cv"], "seconds": round(seconds, 1),
              "auto": result.metrics["auto"],
              "trust_on_val": result.metrics.get("trust")}
    (out / f"{entry.name}.json").write_text(json.dumps(record, indent=2, default=str))
    return record


def card(entry, record: dict, prepared, split: dict, metrics: dict, size_mb: float) -> str:
    """The panel card of an ``auto`` model, up to its "Intended use" section."""
    from molpred.training.auto import auto_card

    metric = {"roc_auc": "ROC-AUC", "rmse": "RMSE"}[record["metric"]]
    test, t = metrics["test"], metrics["trust"]
    # auto's own card without its title and test line (the test figures follow below)
    chosen = auto_card(prepared, {k: v for k, v in metrics.items() if k != "test"})
    chosen = chosen.split("\n", 2)[2].replace("on train+val", "on the train part").replace(
        "Test was not used.", "Neither validation nor test was used.")
    tasks = "\n".join(f"| {k} | {'' if v is None else f'{v:.3f}'} |"
                      for k, v in test["tasks"].items())
    if "ece_raw" in t:
        calibration = (f"- Expected calibration error (10 bins, all labelled pairs): "
                       f"{t['ece_raw']:.3f} before, {t['ece_calibrated']:.3f} after calibration "
                       f"(fitted on the out-of-fold predictions).\n- Class-conditional conformal "
                       f"sets at 0.9 contain the true label for {t['coverage']:.3f} of test pairs "
                       f"(mean set size {t['mean_set_size']:.2f}).")
    else:
        calibration = (f"- Conformal intervals at 0.9 contain the measured value for "
                       f"{t['coverage']:.3f} of test molecules (mean width "
                       f"{t['mean_width']:.2f}).")
    kind = t.get("error", "Brier score" if "ece_raw" in t else "RMSE")
    ratio = t["error_out"] / t["error_in"] if t.get("error_in") else float("nan")
    return f"""# molpred panel model `{entry.name}`

{entry.title}. Area: {entry.area}.

## Data
- Dataset: MoleculeNet `{entry.dataset}`, {len(prepared.y):,} rows, {len(prepared.tasks)} \
task(s), {prepared.task_type}.
- Split: the canonical balanced scaffold split, seed 0 (`shared/benchmarks/splits/\
{entry.dataset}.json`): {len(split['train']):,} train, {len(split['val']):,} validation, \
{len(split['test']):,} test molecules. The model learnt from the train part only.

## Model: `molpred train --model auto` (rule v3 of the docs' "auto" page)
{chosen}
Network weights stored as float16, trees as LightGBM text ({size_mb:.1f} MB with the \
uncertainty files; nothing pickled); every figure below was measured on the stored model.

## Why this model ships
By the rule in `benchmarks/results/panel_auto/RULE.md`, committed before it was trained:
validation {metric} **{record['val_auto']:.3f}** for `auto` against {record['val_shipped']:.3f} \
for the D-MPNN ensemble it replaces (whose epochs were chosen on that same part).

## Test figures (scaffold split seed 0, predicted once after the decision)
- {metric}: **{test['score']:.3f}**{f"; PRC-AUC {test['prc_auc']:.3f}" if 'prc_auc' in test else ''}.

| output | test {metric} |
|---|---|
{tasks}

## How far to believe it (fitted on the out-of-fold predictions, measured on test)
{calibration}
- `in_domain` follows the {'expected error' if t.get('domain_rule') == 'error_model'
                           else 'similarity/distance thresholds'}: on test \
{1 - t['in_domain_share']:.1%} of molecules are flagged; {kind} {t['error_in']:.3f} inside, \
{t['error_out']:.3f} outside ({ratio:.2f}x).

"""


def install(entry, shared: Path, runs: Path, out: Path) -> dict:
    """Put a winning ``auto`` model into the panel (network weights as float16, as the panel
    stores them; the trust files as fitted on the out-of-fold predictions) and predict its
    test part once (step 2)."""
    from molpred.models.checkpoint import load_model, save_model
    from molpred.panel import MODELS_DIR

    record = json.loads((out / f"{entry.name}.json").read_text())
    target = MODELS_DIR / entry.name
    old_card = (target / "card.md").read_text()
    if "test_shipped" not in record:  # the replaced model's test score, from its metrics
        record["test_shipped"] = json.loads((target / "metrics.json").read_text())["test"]["score"]
    trained, trained_config = load_model(runs / entry.name)
    training = {**trained_config["training"], "dataset": entry.dataset,
                "splits": f"{entry.dataset}.json (the train part; validation chose, test scored)",
                "command": "benchmarks/panel_auto.py", "rule": "benchmarks/results/panel_auto/RULE.md"}
    shutil.rmtree(target)
    save_model(trained, target, training=training, half_weights=True)  # as the panel ships
    for name in ("trust.json", "trust.safetensors"):
        shutil.copy2(runs / entry.name / name, target / name)
    return _measure(entry, record, shared, runs, out, old_card)


def _measure(entry, record: dict, shared: Path, runs: Path, out: Path, old_card: str) -> dict:
    """Score an installed ``auto`` model's validation and test parts and its trust files on
    test; write its ``metrics.json``, ``card.md``, record and plots."""
    from trust import part_scores

    from molpred.models.checkpoint import load_model
    from molpred.panel import MODELS_DIR
    from molpred.training.prepare import prepare_dataset
    from molpred.training.trust import trust_report
    from molpred.trust.model import TrustModel

    target = MODELS_DIR / entry.name
    model, _ = load_model(target)  # every figure below is of what ships
    data, _ = panel_inputs(entry, shared, runs)
    prepared = prepare_dataset(data, model.config.featurizer_config)
    split = {k: np.asarray(v) for k, v in canonical_split(shared, entry.dataset).items()}
    scores = part_scores(model, prepared, split)
    trust = TrustModel.load(target)
    metrics = json.loads((runs / entry.name / "metrics.json").read_text())
    metrics.update(val=scores["val"], test=scores["test"],
                   trust=trust_report(trust, model, prepared, split["test"], device="cpu"),
                   panel={"rule": "benchmarks/results/panel_auto/RULE.md",
                          "val_shipped_before": record["val_shipped"],
                          "cv": record["cv_auto"]})
    if "trust_refit" in record:
        metrics["panel"]["trust_refit"] = record["trust_refit"]
    (target / "metrics.json").write_text(json.dumps(metrics, indent=2, default=str))
    size_mb = sum(f.stat().st_size for f in target.rglob("*") if f.is_file()) / 1e6
    (target / "card.md").write_text(card(entry, record, prepared, split, metrics, size_mb)
                                    + old_card[old_card.index("## Intended use"):].replace(
                                        "with the validation ones", "with the out-of-fold ones"))
    record["test_auto"] = scores["test"]["score"]
    record["test_trust"] = metrics["trust"]
    (out / f"{entry.name}.json").write_text(json.dumps(record, indent=2, default=str))
    return draw(entry, shared, runs, out, prepared)


def refit_trust(entry, shared: Path, runs: Path, out: Path) -> dict:
    """Fit an installed ``auto`` model's trust files again as ``auto`` fits them today
    (:func:`molpred.training.trust.refit_cross_trust`: out-of-fold embedding distances,
    Venn-ABERS among the calibration maps), on the model as it ships; its weights stay.
    Then measure it on test as ``--install`` does (step 3; the test scores do not change)."""
    from molpred.models.checkpoint import load_model
    from molpred.panel import MODELS_DIR
    from molpred.training.auto import cross_validation_rows
    from molpred.training.prepare import prepare_dataset
    from molpred.training.trust import refit_cross_trust
    from molpred.trust.model import TrustModel

    record = json.loads((out / f"{entry.name}.json").read_text())
    target = MODELS_DIR / entry.name
    model, config = load_model(target)
    trust = TrustModel.load(target)
    data, _ = panel_inputs(entry, shared, runs)
    prepared = prepare_dataset(data, model.config.featurizer_config)
    train = np.asarray(canonical_split(shared, entry.dataset)["train"], dtype=np.int64)
    training = config["training"]  # the split and folds auto cross-validated on
    pool, fold_rows = cross_validation_rows(
        prepared, {"train": train, "val": np.zeros(0, dtype=np.int64)},
        int(training["folds"]), int(training["seed"]))
    start = time.perf_counter()
    refit = refit_cross_trust(trust, model, prepared, pool, fold_rows, device="cpu")
    before = record.get("trust_refit", {})  # a second refit: what the first one found
    record.setdefault("test_trust_before_refit", record["test_trust"])
    record["trust_refit"] = {
        "what": "trust refitted by refit_cross_trust (out-of-fold distances; none, Platt, "
                "Venn-ABERS or isotonic calibration per task by CV); weights kept",
        "seconds": round(time.perf_counter() - start, 1),
        "calibration_before": before.get("calibration_before", _maps(trust)),
        "calibration_after": _maps(refit),
        "domain_rule_before": before.get("domain_rule_before", trust.domain_rule),
        "domain_rule_after": refit.domain_rule, "domain_cv_after": refit.domain_cv}
    (out / f"{entry.name}.json").write_text(json.dumps(record, indent=2, default=str))
    refit.save(target)
    return _measure(entry, record, shared, runs, out, (target / "card.md").read_text())


def restore_counts(entry, shared: Path, runs: Path, out: Path) -> dict:
    """Put the node counts TreeSHAP needs back into an installed ``auto`` model's trees
    (compacted without them before 2026-12-06, so ``explain`` gave NaN): booster (k, t) of
    member k counts the molecules of its training rows, train+val minus fold k with a label
    for task t, as :func:`~molpred.training.auto.train_auto` fitted it. Trees fitted with
    bagging counted their bag; these count every training molecule. Predictions do not
    change (checked on the test part to the bit) and the rest of the folder is untouched."""
    import shutil
    import tempfile

    import lightgbm as lgb

    from molpred.models.checkpoint import load_model, save_model
    from molpred.models.trees.model import vectors
    from molpred.models.trees.storage import TREES_FILE, with_node_counts
    from molpred.panel import MODELS_DIR
    from molpred.training.auto import cross_validation_rows
    from molpred.training.prepare import prepare_dataset

    target = MODELS_DIR / entry.name
    model, config = load_model(target)
    trees = model.trees
    data, _ = panel_inputs(entry, shared, runs)
    prepared = prepare_dataset(data, model.config.featurizer_config)
    X, rows = vectors(prepared.data)
    position = np.full(len(prepared.data), -1, dtype=np.int64)
    position[rows] = np.arange(len(rows))
    train = np.asarray(canonical_split(shared, entry.dataset)["train"], dtype=np.int64)
    training = config["training"]
    pool, fold_rows = cross_validation_rows(
        prepared, {"train": train, "val": np.zeros(0, dtype=np.int64)},
        int(training["folds"]), int(training["seed"]))
    test = np.asarray(canonical_split(shared, entry.dataset)["test"], dtype=np.int64)
    test = test[prepared.valid[test]]
    before = trees.predict_matrix(X[position[test]])
    counted = 0
    for k, member in enumerate(trees.members):
        fit_rows = np.setdiff1d(pool, fold_rows[k])
        for t, booster in enumerate(member):
            if isinstance(booster, float):
                continue
            labelled = fit_rows[np.isfinite(prepared.y[fit_rows, t])]
            leaves = booster.predict(X[position[labelled]], pred_leaf=True)
            member[t] = lgb.Booster(model_str=with_node_counts(booster.model_to_string(),
                                                               leaves))
            counted += 1
    after = trees.predict_matrix(X[position[test]])
    if not np.array_equal(before, after):
        raise RuntimeError(f"{entry.name}: predictions changed with the counts")
    with tempfile.TemporaryDirectory() as folder:
        save_model(trees, Path(folder) / "trees")
        for name in (TREES_FILE, "config.json"):
            shutil.copyfile(Path(folder) / "trees" / name, target / "trees" / name)
    reloaded, _ = load_model(target)
    if not np.array_equal(reloaded.trees.predict_matrix(X[position[test]]), before):
        raise RuntimeError(f"{entry.name}: the saved trees predict otherwise")
    record = json.loads((out / f"{entry.name}.json").read_text())
    record["tree_counts_restored"] = {
        "what": "node counts of every booster from its training molecules (TreeSHAP); "
                "predictions on test identical", "boosters": counted,
        "training_rows_per_member": [int(len(np.setdiff1d(pool, f))) for f in fold_rows]}
    (out / f"{entry.name}.json").write_text(json.dumps(record, indent=2, default=str))
    return record


def _maps(trust) -> list[str]:
    """Each task's calibration map in a trust model: none, platt, isotonic or venn_abers."""
    from molpred.trust.calibration import MAP_KEYS

    return [MAP_KEYS[trust.maps[t].shape[0]] if t in trust.maps
            else "none" if trust.platt[t].tolist() == [1.0, 0.0] else "platt"
            for t in range(trust.platt.shape[0])]


def draw(entry, shared: Path, runs: Path, out: Path, prepared=None) -> dict:
    """The reliability diagram and coverage-vs-similarity plot of an installed ``auto`` model
    on its test part (``docs/img/trust/DATASET_auto_*.png``; binned figures in its record)."""
    from panel_trust import curves, plots

    from molpred.models.checkpoint import load_model
    from molpred.panel import MODELS_DIR
    from molpred.training.prepare import prepare_dataset
    from molpred.trust.model import TrustModel

    record = json.loads((out / f"{entry.name}.json").read_text())
    model, _ = load_model(MODELS_DIR / entry.name)
    if prepared is None:
        data, _ = panel_inputs(entry, shared, runs)
        prepared = prepare_dataset(data, model.config.featurizer_config)
    test = np.asarray(canonical_split(shared, entry.dataset)["test"])
    record["curves"] = curves(TrustModel.load(MODELS_DIR / entry.name), model, prepared, test)
    record["plots"] = plots(f"{entry.dataset}_auto", {**record, "trust": record["test_trust"]})
    (out / f"{entry.name}.json").write_text(json.dumps(record, indent=2, default=str))
    return record


def summarize(out: Path) -> str:
    """``README.md`` of the results folder: one row per decided panel model."""
    lines = ["| model | metric | validation: shipped D-MPNN ensemble | validation: auto | panel takes "
             "| test before | test after | auto's choice (CV on train) | auto wall s |",
             "|---|---|---|---|---|---|---|---|---|"]
    for path in sorted(out.glob("*.json")):
        r = json.loads(path.read_text())
        after = f"{r['test_auto']:.3f}" if "test_auto" in r else "–"
        before = f"{r['test_shipped']:.3f}" if "test_shipped" in r else "(unchanged)"
        lines.append(f"| {r['model']} | {r['metric']} | {r['val_shipped']:.4f} | "
                     f"{r['val_auto']:.4f} | {'auto' if r['auto_wins'] else 'shipped'} | "
                     f"{before} | {after} | {r['auto']['summary']} | {r['seconds']:.0f} |")
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> None:
    from molpred.panel import PANEL

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    step = parser.add_mutually_exclusive_group(required=True)
    step.add_argument("--decide", action="store_true")
    step.add_argument("--install", action="store_true")
    step.add_argument("--summarize", action="store_true")
    step.add_argument("--draw", action="store_true", help="the plots of installed models")
    step.add_argument("--restore-counts", action="store_true",
                      help="put TreeSHAP's node counts back into installed models' trees")
    step.add_argument("--refit-trust", action="store_true",
                      help="fit installed models' trust files again with today's rules")
    parser.add_argument("--models", default=",".join(PANEL))
    parser.add_argument("--shared", type=Path, required=True)
    parser.add_argument("--runs", type=Path, required=True)
    parser.add_argument("--out", type=Path, default=Path("benchmarks/results/panel_auto"))
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    if args.summarize:
        (args.out / "table.md").write_text(summarize(args.out))
        print(summarize(args.out))
        return
    for name in args.models.split(","):
        entry = PANEL[name]
        path = args.out / f"{name}.json"
        if args.decide:
            if path.is_file():
                print(f"{name}: decided already ({path})", flush=True)
                continue
            r = decide(entry, args.shared, args.runs, args.out)
            print(f"{name}: validation {r['metric']} auto {r['val_auto']:.4f}, shipped "
                  f"{r['val_shipped']:.4f}: {'auto' if r['auto_wins'] else 'shipped'} "
                  f"({r['seconds']:.0f} s)", flush=True)
        elif args.draw and path.is_file() and "test_auto" in json.loads(path.read_text()):
            print(f"{name}: {', '.join(draw(entry, args.shared, args.runs, args.out)['plots'])}")
        elif args.restore_counts and path.is_file() and "test_auto" in json.loads(
                path.read_text()):
            r = restore_counts(entry, args.shared, args.runs, args.out)["tree_counts_restored"]
            print(f"{name}: node counts of {r['boosters']} boosters restored", flush=True)
        elif args.refit_trust and path.is_file() and "test_auto" in json.loads(path.read_text()):
            r = refit_trust(entry, args.shared, args.runs, args.out)
            t = r["test_trust"]
            ece = (f"ECE {t['ece_raw']:.3f} -> {t['ece_calibrated']:.3f}, " if "ece_raw" in t
                   else "")
            print(f"{name}: trust refitted ({r['trust_refit']['calibration_after']}); test "
                  f"{ece}coverage {t['coverage']:.3f}, flagged {1 - t['in_domain_share']:.1%}, "
                  f"error in {t['error_in']:.3f} / out {t['error_out']:.3f}", flush=True)
        elif args.install and path.is_file() and json.loads(path.read_text())["auto_wins"]:
            r = install(entry, args.shared, args.runs, args.out)
            print(f"{name}: installed; test {r['test_auto']:.4f}", flush=True)


if __name__ == "__main__":
    sys.exit(main())
