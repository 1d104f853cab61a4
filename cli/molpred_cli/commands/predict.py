"""``molpred predict``: predictions for a few SMILES or a small file, as a table or a file."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from molpred.exceptions import InputError
from molpred_cli import options as opt
from molpred_cli import output as ui


def predict(
    model: opt.ModelDir,
    smiles: Annotated[list[str] | None, typer.Argument(
        help="SMILES to predict, each quoted, e.g. 'CC(=O)Oc1ccccc1C(=O)O'.",
        metavar="SMILES", show_default=False)] = None,
    input: opt.InputFile = None,
    smiles_col: opt.SmilesCol = None,
    output: Annotated[Path | None, typer.Option(
        "--output", "-o", help="Save the predictions here; the suffix picks the format: .csv, "
        ".csv.gz, .tsv, .parquet or .sdf. Default: print a table.", dir_okay=False,
        rich_help_panel=opt.DATA, show_default=False)] = None,
    device: opt.DeviceOpt = opt.Device.auto,
    batch_size: Annotated[int, typer.Option(help="Molecules per forward pass.", min=1)] = 256,
    precision: opt.InferencePrecisionOpt = opt.InferencePrecision["fp32"],
) -> None:
    """Predict every task of a model for SMILES given as arguments or read from a file.

    Each input row comes out once, in input order, with one column per task (probability of
    the active class, or a value in the dataset's units) and an `error` column saying why a
    row could not be predicted.

    Example: molpred predict -m runs/tox21 'CC(=O)Oc1ccccc1C(=O)O' 'c1ccccc1'
    """
    if bool(smiles) == (input is not None):
        raise InputError("give SMILES as arguments or a file with --input/-i, not both"
                         if smiles else "no molecules: give SMILES as arguments or --input FILE")
    from molpred.data import read_text_table, write_table
    from molpred.predictor import load

    predictor = load(model)
    if input is not None:
        molecules, column = read_text_table(input, smiles_col)  # other columns pass through as text
    else:
        molecules, column = list(smiles), "smiles"
    frame = predictor.predict(molecules, smiles_col=column, batch_size=batch_size,
                              device=device.value, precision=precision.value)
    if output is None:
        ui.console.print(ui.frame_table(frame))
        return
    write_table(frame, output, smiles_col=column)
    failed = int((frame[frame.columns[-1]] != "").sum())  # the error column comes last
    ui.console.print(f"wrote {len(frame):,} rows ({failed:,} with an error) to {output}",
                     highlight=False, markup=False)
