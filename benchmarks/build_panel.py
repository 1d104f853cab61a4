"""Assemble the shipped panel (``molpred/panel/models/NAME``) from the split-seed-0 members
that ``benchmarks/train_panel.py`` trained.

Per model: the members become one ensemble whose tasks get the panel's names
(:data:`molpred.panel.PANEL`); its weights are stored as float16 (half the size); then the
saved model is read back and everything reported is measured on what ships: validation and
test scores, and calibration, conformal predictors and applicability domain fitted on
validation and measured on test (``benchmarks/trust.py``). A model card (``card.md``) is
written from those figures.

Command::

    MOLPRED_DATA_DIR=../shared/datasets OMP_NUM_THREADS=1 python benchmarks/build_panel.py \\
        --runs ../panel_runs --shared ../shared
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from trust import assemble, evaluate_seed, member_dirs  # noqa: E402

SEED = 0


def card(entry, record: dict, prepared, split, metrics: list[dict], config: dict,
         size_mb: float) -> str:
    """The Markdown model card."""
    dataset_card = prepared.card
    test, val, trust = record["test"], record["val"], record["trust"]
    metric = {"roc_auc": "ROC-AUC", "rmse": "RMSE"}[test["metric"]]
    units = f" ({dataset_card.units})" if dataset_card.units else ""
    columns = dict(zip(entry.outputs or prepared.tasks, prepared.tasks, strict=True))
    task_lines = "\n".join(
        f"| {t} | {'' if columns[t] == t else columns[t]} | "
        f"{'' if v is None else f'{v:.3f}'} |" for t, v in test["tasks"].items())
    if "ece_raw" in trust:
        calibration = (f"- Expected calibration error (10 bins, all labelled pairs): "
                       f"{trust['ece_raw']:.3f} before, {trust['ece_calibrated']:.3f} after Platt "
                       f"scaling fitted on validation.\n"
                       f"- Conformal prediction sets at confidence 0.9 contain the true label "
                       f"for {trust['coverage']:.3f} of test (molecule, task) pairs; mean set size "
                       f"{trust['mean_set_size']:.2f}.\n")
        error = (f"Brier score {trust['error_in']:.3f} inside, {trust['error_out']:.3f} outside; "
                 f"mean ROC-AUC {trust['roc_auc_in']:.3f} inside, {trust['roc_auc_out']:.3f} outside")
    else:
        calibration = (f"- Conformal intervals at confidence 0.9 contain the measured value for "
                       f"{trust['coverage']:.3f} of test molecules; mean width "
                       f"{trust['mean_width']:.2f}{units}.\n")
        error = f"RMSE {trust['error_in']:.3f} inside, {trust['error_out']:.3f} outside{units}"
    params = config["model"]["encoder_params"]
    extra = ", ".join(config["model"]["extra_features"]) or "none"
    return f"""# molpred panel model `{entry.name}`

{entry.title}. Area: {entry.area}.

## Data
- Dataset: {dataset_card.title} (MoleculeNet `{entry.dataset}`), {len(prepared.y):,} rows, \
{len(prepared.tasks)} task(s), {prepared.task_type}{units}.
- Source: {dataset_card.url}
- Citation: {dataset_card.citation}
- Split: the canonical balanced scaffold split, seed 0 (`shared/benchmarks/splits/\
{entry.dataset}.json`): {len(split['train']):,} train, {len(split['val']):,} validation, \
{len(split['test']):,} test molecules.

## Model
- Deep ensemble of {len(metrics)} D-MPNN models (directed message passing, Yang et al. 2019), \
members trained with seeds {', '.join(str(k) for k in range(len(metrics)))}: hidden size \
{params.get('hidden_size')}, depth {params.get('depth')}, dropout {params.get('dropout')}, \
extra molecule features: {extra}; standardization: {config['model']['featurizer'].get('standardize')}.
- Best epochs of the members: {', '.join(str(m['best_epoch']) for m in metrics)} \
(early stopping on validation {metric}).
- Weights stored as float16 ({size_mb:.1f} MB with the uncertainty files); every figure below \
was measured on the stored model.
- Trained by `benchmarks/train_panel.py`, assembled by `benchmarks/build_panel.py`.

## Test figures (scaffold split seed 0)
- {metric}: **{test['score']:.3f}** (validation {val['score']:.3f})\
{f"; PRC-AUC {test['prc_auc']:.3f}" if 'prc_auc' in test else ''}.

| output | dataset column | test {metric} |
|---|---|---|
{task_lines}

## How far to believe it (fitted on validation, measured on test)
{calibration}- Applicability domain: a molecule is in the domain when its max Tanimoto \
similarity (ECFP4) to the training molecules is at least {record['thresholds']['min_similarity']:.3f} \
and its embedding distance at most {record['thresholds']['max_distance']:.2f} (each keeps 90 % of \
validation molecules). {trust['in_domain_share']:.1%} of test molecules are in the domain; error: \
{error}.
- The seeds-0-to-2 figures (mean ± std) are in the README's uncertainty table \
(`benchmarks/results/trust/`).

## Intended use
Ranking and triage of drug-like small molecules, where a chemist weighs each prediction with \
its `_std`, conformal set or interval, `in_domain` flag and structural alerts.

## Limits
- Scaffold-split test molecules are by design unlike the training ones; expect weaker \
predictions on chemotypes far from the training set (`in_domain` false).
- The labels come from one public dataset each, with its assay conditions and biases (see the \
citation); predictions are not measurements and are not fit for regulatory decisions.
- Conformal guarantees assume test molecules exchangeable with the validation ones; a scaffold \
split breaks that on purpose, so the coverage above is measured, not promised.
- Inorganic compounds, metals, large peptides and mixtures are outside what these data cover.
"""


def build(entry, runs: Path, shared: Path, target: Path) -> dict:
    """Build one shipped model; returns its benchmark record."""
    from molpred.models.checkpoint import load_model, save_model
    from molpred.models.ensemble import members_of

    model, prepared, split, metrics = assemble(runs, entry.dataset, SEED, shared, {})
    for member in members_of(model):
        member.config.tasks = list(entry.outputs or prepared.tasks)
    training = {"dataset": entry.dataset, "splits": f"{entry.dataset}.json", "split_key": "seed0",
                "members": [m.get("train_seconds") for m in metrics],
                "member_seeds": list(range(len(metrics))),
                "command": "benchmarks/train_panel.py + benchmarks/build_panel.py",
                "original_tasks": prepared.tasks}
    target.mkdir(parents=True, exist_ok=True)
    for stale in target.iterdir():
        stale.unlink()
    save_model(model, target, training=training, half_weights=True)
    shipped, config = load_model(target)  # measure what ships (float16 weights)
    record, trust = evaluate_seed(shipped, prepared, split)
    record.update(dataset=entry.dataset, seed=SEED, members=len(metrics))
    trust.save(target)
    (target / "metrics.json").write_text(json.dumps(record, indent=2))
    size_mb = sum(f.stat().st_size for f in target.iterdir()) / 1e6
    (target / "card.md").write_text(card(entry, record, prepared, split, metrics, config, size_mb))
    return record


def main(argv: list[str] | None = None) -> None:
    from molpred.panel import MODELS_DIR, PANEL

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=Path, required=True)
    parser.add_argument("--shared", type=Path, required=True)
    parser.add_argument("--models", default=",".join(PANEL))
    parser.add_argument("--members", type=int, default=3)
    args = parser.parse_args(argv)
    for name in args.models.split(","):
        entry = PANEL[name]
        if len(member_dirs(args.runs, entry.dataset, SEED)) < args.members:
            print(f"{name}: fewer than {args.members} members trained; skipped", flush=True)
            continue
        record = build(entry, args.runs, args.shared, MODELS_DIR / name)
        print(f"{name}: test {record['test']['metric']} {record['test']['score']:.4f}, coverage "
              f"{record['trust']['coverage']:.3f}", flush=True)


if __name__ == "__main__":
    sys.exit(main())
