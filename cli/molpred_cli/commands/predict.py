"""``molpred predict``: predictions for a few SMILES or a small file, as a table or a file."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from molpred.exceptions import InputError
from molpred_cli import options as opt
from molpred_cli import output as ui


def predict(
    smiles: Annotated[list[str] | None, typer.Argument(
        help="SMILES to predict, each quoted, e.g. 'CC(=O)Oc1ccccc1C(=O)O'.",
        metavar="SMILES", show_default=False)] = None,
    model: Annotated[list[str] | None, typer.Option(
        "--model", "-m", help=opt.MODEL_HELP + " Repeat for several (`-m tox21 -m esol`). "
        "Default: the whole shipped panel.", metavar="MODEL", show_default=False,
        rich_help_panel=opt.MODEL)] = None,
    input: opt.InputFile = None,
    smiles_col: opt.SmilesCol = None,
    encoding: opt.Encoding = None,
    output: Annotated[Path | None, typer.Option(
        "--output", "-o", help="Save the predictions here; the suffix picks the format: .csv, "
        ".csv.gz, .tsv, .parquet or .sdf. Default: print a table.", dir_okay=False,
        rich_help_panel=opt.DATA, show_default=False)] = None,
    confidence: opt.Confidence = 0.9,
    device: opt.DeviceOpt = opt.Device.auto,
    batch_size: Annotated[int | None, typer.Option(
        help="Molecules per forward pass [default: 32 on the CPU, where a small batch stays in "
             "the core's caches; 256 on a GPU].", min=1, show_default=False)] = None,
    precision: opt.InferencePrecisionOpt = opt.InferencePrecision["fp32"],
) -> None:
    """Predict toxicity, activity and ADME endpoints for SMILES given as arguments or read
    from a file.

    Without --model, every model of the shipped panel predicts (Tox21, ClinTox, HIV, BBBP,
    ESOL solubility, lipophilicity). Each endpoint comes with the ensemble's spread (`_std`),
    a conformal set or interval, and whether the molecule lies in the model's applicability
    domain (`in_domain`: similar enough to its training molecules); `alerts` lists PAINS,
    Brenk and NIH structural alerts. Every input row comes out once, in input order; an
    `error` column says why a row could not be predicted.

    Example: molpred predict 'CC(=O)Oc1ccccc1C(=O)O'

    Example: molpred predict -m tox21 -i drugs.csv -o tox21.csv
    """
    if bool(smiles) == (input is not None):
        raise InputError("give SMILES as arguments or a file with --input/-i, not both"
                         if smiles else "no molecules: give SMILES as arguments or --input FILE")
    from molpred.data import read_text_table, write_table
    from molpred.data.writers import input_column_types

    paths = [opt.model_path(m) for m in model] if model else None
    if input is not None:
        # other columns pass through as text
        molecules, column = read_text_table(input, smiles_col, encoding=encoding)
    else:
        molecules, column = list(smiles), "smiles"
    with ui.err_console.status("Predicting..."):
        if paths is not None and len(paths) == 1:
            from molpred.predictor import load

            frame = load(paths[0]).predict(molecules, smiles_col=column, batch_size=batch_size,
                                           device=device.value, precision=precision.value,
                                           confidence=confidence)
        else:
            from molpred.panel.predict import predict_panel

            frame = predict_panel(molecules, [str(p) for p in paths] if paths else None,
                                  smiles_col=column, confidence=confidence,
                                  batch_size=batch_size, device=device.value,
                                  precision=precision.value)
    if output is None:
        if paths is not None and len(paths) == 1:
            ui.console.print(ui.frame_table(frame))
            for smiles in frame[column].head(ui.FEW_ROWS):
                ui.fragment_note(smiles)
        else:
            ui.print_panel(frame, column, confidence)
        return
    types = None if input is None else input_column_types(input, [frame], molecules.columns)
    write_table(frame, output, smiles_col=column, column_types=types)  # types: Parquet only
    failed = int((frame[frame.columns[-1]] != "").sum())  # the error column comes last
    ui.console.print(f"wrote {len(frame):,} rows ({failed:,} with an error) to {output}",
                     highlight=False, markup=False)
