"""``molpred evaluate``: score a trained model on one part of a dataset."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from molpred_cli import options as opt
from molpred_cli import output as ui
from molpred_cli.options import DATA


def evaluate(
    model: opt.ModelDir,
    dataset: opt.DatasetArg,
    smiles_col: opt.SmilesCol = None,
    targets: opt.Targets = None,
    target: opt.Target = None,
    splits: opt.Splits = None,
    split_key: opt.SplitKey = "seed0",
    part: Annotated[opt.Part, typer.Option(
        help="Which rows of the split to score. Without --splits every row is scored.",
        rich_help_panel=DATA)] = opt.Part.test,
    predictions_out: Annotated[Path | None, typer.Option(
        help="Also write the predictions as CSV: `row` (0-based data row), one column per "
        "task, `error` (the format shared/benchmarks/score.py reads).", dir_okay=False,
        rich_help_panel=DATA, show_default=False)] = None,
    device: opt.DeviceOpt = opt.Device.auto,
    workers: opt.Workers = None,
) -> None:
    """Score a model on the train, val or test molecules of a dataset.

    Classification is scored by ROC-AUC, regression by RMSE in the dataset's units, each
    averaged over tasks as MoleculeNet does. A file's task columns default to the model's
    task names.

    Example: molpred evaluate -m runs/tox21 tox21 --splits splits/tox21.json --part test
    """
    from molpred.training.evaluate import evaluate as run_evaluate

    with ui.err_console.status(f"Scoring {model} on {dataset}..."):
        result = run_evaluate(
            model, dataset, smiles_col=smiles_col, targets=opt.target_list(targets, target),
            splits=splits, split_key=split_key, part=part.value,
            predictions_out=predictions_out, device=device.value, workers=workers)
    name = result["part"]
    table = ui.score_table({name: result}, {name: result["rows"]}, f"{model} on {dataset}")
    ui.console.print(table)
    if len(result["tasks"]) > 1:
        ui.console.print(ui.task_table(result))
    if result["invalid_rows"]:
        ui.console.print(f"{result['invalid_rows']:,} unreadable molecules were scored with "
                         "the training-set average (see the error column of --predictions-out)")
    if result["non_finite_rows"]:
        ui.err_console.print(f"[bold red]warning:[/] the model predicted NaN or infinity for "
                             f"{result['non_finite_rows']:,} molecules, so the score is NaN; "
                             "the model probably diverged in training (retrain with a lower "
                             "--lr)")
    if predictions_out is not None:
        ui.console.print(f"predictions written to {predictions_out}", highlight=False,
                         markup=False)
    ui.plain(ui.score_line(name, result))
