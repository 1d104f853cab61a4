"""``molpred tune``: search a model's settings by cross-validation (Optuna), print the command
that trains with the best ones."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from molpred_cli import options as opt
from molpred_cli import output as ui
from molpred_cli.options import MODEL, option


def tune(
    dataset: opt.DatasetArg,
    model: Annotated[str, option("What to tune: gbdt, rf or dmpnn.", MODEL)] = "gbdt",
    trials: Annotated[int, option("Trials to run now (added to those already in --storage).",
                      MODEL, min=1)] = 20,
    folds: Annotated[int, option("K of the K-fold scaffold cross-validation on train+val "
                     "that scores each trial (test is never used).", MODEL, min=2)] = 3,
    storage: Annotated[Path | None, typer.Option(
        "--storage", help="Optuna journal file keeping every finished trial: run the same "
        "command again to resume a killed search.", rich_help_panel=MODEL)] = None,
    timeout: Annotated[float | None, option("Stop starting trials after this many seconds.",
                       MODEL, min=1.0, show_default=False)] = None,
    smiles_col: opt.SmilesCol = None,
    targets: opt.Targets = None,
    target: opt.Target = None,
    splits: opt.Splits = None,
    split_key: opt.SplitKey = "seed0",
    seed: Annotated[int, option("Seeds the sampler, the folds and the models.", MODEL)] = 0,
    workers: opt.Workers = None,
) -> None:
    """Search hyper-parameters of a model by scaffold cross-validation on train+val (Optuna
    TPE), then print the molpred train command with the best settings.

    Example: molpred tune my_assay.csv --model gbdt --trials 30 --storage tune.journal
    """
    with ui.counting_status(f"Reading {dataset}...", "searching..."):
        from molpred.training.tune import tune as run

        found = run(dataset, model=model, trials=trials, folds=folds, storage=storage,
                    seed=seed, smiles_col=smiles_col, targets=opt.target_list(targets, target),
                    splits=splits, split_key=split_key, timeout=timeout, workers=workers,
                    progress_message=ui.progress_line)
    ui.console.print(f"best CV {found['metric']} {found['best_score']:.4f} after "
                     f"{found['trials']} trials: {found['best_params']}", highlight=False,
                     markup=False)
    ui.plain(found["command"])
