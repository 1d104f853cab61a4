"""``molpred screen``: stream a large compound library through a model into a file."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from molpred_cli import options as opt
from molpred_cli import output as ui

_COUNT_LIMIT = 64 << 20
"""Count the rows of plain CSV/TSV inputs up to this size (bytes) for a progress bar with
an end; larger or compressed libraries are not read twice."""


def _count_rows(path: Path) -> int | None:
    """Data rows of a small uncompressed CSV/TSV (lines minus the header), else ``None``."""
    if path.suffix.lower() not in (".csv", ".tsv") or path.stat().st_size > _COUNT_LIMIT:
        return None
    with open(path, "rb") as fh:
        return max(0, sum(block.count(b"\n") for block in iter(lambda: fh.read(1 << 20), b""))
                   - 1)


def screen(
    model: opt.ModelDir,
    input: opt.InputFile,
    output: Annotated[Path, typer.Option(
        "--output", "-o", help="Results file, written chunk by chunk; the suffix picks the "
        "format: .csv, .csv.gz, .tsv, .parquet or .sdf. Must not be the input file.",
        dir_okay=False, rich_help_panel=opt.DATA, show_default=False)],
    smiles_col: opt.SmilesCol = None,
    chunk_size: Annotated[int, typer.Option(
        help="Molecules read, featurized and written at a time (bounds the memory used).",
        min=1)] = 10_000,
    batch_size: Annotated[int, typer.Option(help="Molecules per forward pass.", min=1)] = 512,
    device: opt.DeviceOpt = opt.Device.auto,
    workers: opt.Workers = None,
) -> None:
    """Predict every molecule of a (large) library file and write the results as it goes.

    The output has every input row once, in input order, with all input columns, one column
    per task and an `error` column (empty when the row was predicted).

    Example: molpred screen -m runs/tox21 -i library.csv.gz -o hits.parquet
    """
    from molpred.screening.engine import screen as run_screen

    with ui.rows_progress("Screening", _count_rows(input)) as advance:
        report = run_screen(model, input, output, smiles_col=smiles_col, chunk_size=chunk_size,
                            batch_size=batch_size, device=device.value, workers=workers,
                            progress=advance)
    ui.console.print(
        f"{report.rows:,} rows, {report.errors:,} errors, {report.seconds:.1f} s, "
        f"{report.molecules_per_second:,.0f} molecules/s -> {report.output}",
        highlight=False, markup=False, soft_wrap=True)
