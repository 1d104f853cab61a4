"""``molpred calibrate``: refit a model's calibration and conformal predictors on new data."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from molpred_cli import options as opt
from molpred_cli import output as ui


def calibrate(
    data: Annotated[Path, typer.Argument(
        help="Labelled molecules: SMILES and one column per task of the model, named as its "
        "tasks (empty cells allowed).", dir_okay=False, show_default=False)],
    model: opt.ModelDir,
    output: Annotated[Path, typer.Option(
        "--output", "-o", help="The recalibrated model folder to write (must not exist).",
        show_default=False)],
    smiles_col: opt.SmilesCol = None,
    workers: opt.Workers = None,
) -> None:
    """Recalibrate a model on new labelled molecules without retraining it: Platt scaling and
    the conformal predictors are refitted on them, the weights and the applicability domain
    are kept (Morger et al. 2021: this repairs calibration and coverage when new compounds
    drift from the training data). Prints the calibration error and the 90 % coverage on the
    new data before and after (after = in-sample).

    Example: molpred calibrate in_house_tox21.csv -m tox21 -o runs/tox21-recalibrated
    """
    from molpred.trust.recalibrate import recalibrate

    with ui.err_console.status("Predicting the new molecules..."):
        report = recalibrate(model, data, output, smiles_col=smiles_col, workers=workers)

    def show(values: dict) -> str:
        return ", ".join(f"{k.replace('_90', ' at 90%')} {v:.3f}" for k, v in values.items())

    ui.plain(f"{report.molecules:,} molecules, {report.labels:,} labels")
    ui.plain(f"before: {show(report.before)}")
    ui.plain(f"after (fitted on these data): {show(report.after)}")
    ui.plain(f"wrote {report.output} (recalibration.json records what was done)")
