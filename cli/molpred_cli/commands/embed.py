"""``molpred embed``: a model's learned molecule embeddings as a table of features."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from molpred.exceptions import InputError
from molpred_cli import options as opt
from molpred_cli import output as ui


def embed(
    smiles: Annotated[list[str] | None, typer.Argument(
        help="SMILES to embed, each quoted.", metavar="SMILES", show_default=False)] = None,
    model: Annotated[str, typer.Option(
        "--model", "-m", help=opt.MODEL_HELP + " Or a pretrained backbone: molpred-base "
        "(shipped), or a folder written by molpred pretrain.", show_default=False,
        metavar="MODEL", rich_help_panel=opt.MODEL)] = ...,
    input: opt.InputFile = None,
    smiles_col: opt.SmilesCol = None,
    encoding: opt.Encoding = None,
    output: Annotated[Path, typer.Option(
        "--output", "-o", help="Where to write: .parquet (compact, float32), .csv, .csv.gz or "
        ".tsv.", dir_okay=False, rich_help_panel=opt.DATA, show_default=False)] = ...,
    device: opt.DeviceOpt = opt.Device.auto,
    batch_size: Annotated[int | None, typer.Option(
        help="Molecules per forward pass [default: 32 on the CPU, where a small batch stays in "
             "the core's caches; 256 on a GPU].", min=1, show_default=False)] = None,
    workers: opt.Workers = None,
) -> None:
    """Write a network's learned molecule embeddings (what its encoder hands the prediction
    head; the members' mean for an ensemble), or a pretrained backbone's, as columns emb_0,
    emb_1, ..., one row per input row with its input columns and an error column: features
    for your own scikit-learn models, clustering or maps of a library.

    Example: molpred embed -m molpred-base -i library.csv -o library_emb.parquet
    """
    if bool(smiles) == (input is not None):
        raise InputError("give SMILES as arguments or a file with --input/-i, not both"
                         if smiles else "no molecules: give SMILES as arguments or --input FILE")
    from molpred.data import read_text_table, write_table
    from molpred.predictor import load
    from molpred.pretraining.embed import backbone_predictor, is_backbone

    if input is not None:
        molecules, column = read_text_table(input, smiles_col, encoding=encoding)
    else:
        molecules, column = list(smiles), "smiles"
    with ui.err_console.status("Embedding..."):
        predictor = backbone_predictor(model) if is_backbone(model) else load(opt.model_path(model))
        frame = predictor.embed(molecules, smiles_col=column,
                                                  batch_size=batch_size, device=device.value,
                                                  workers=workers)
    write_table(frame, output, smiles_col=column)
    width = len(frame.attrs["embedding_columns"])
    failed = int((frame[frame.columns[-1]] != "").sum())
    ui.plain(f"wrote {len(frame):,} rows x {width} embedding columns ({failed:,} with an "
             f"error) to {output}")
