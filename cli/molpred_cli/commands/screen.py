"""``molpred screen``: stream a large compound library through a model into a file."""

from __future__ import annotations

from enum import Enum
from pathlib import Path
from typing import Annotated

import typer

from molpred.names import PARALLEL_THRESHOLD
from molpred_cli import options as opt
from molpred_cli import output as ui

SELECT = "Selection"
"""``--help`` panel of the options choosing and enriching the rows written."""

_COUNT_LIMIT = 64 << 20
"""Count the rows of plain CSV/TSV inputs up to this size (bytes) for a progress bar with
an end; larger or compressed libraries are not read twice."""


class Columns(str, Enum):
    """What a screen writes beside the predictions."""

    full = "full"
    trust = "trust"
    minimal = "minimal"


class Engine(str, Enum):
    """Where the screen runs."""

    local = "local"
    ray = "ray"


def _count_rows(path: Path) -> int | None:
    """Data rows of a small uncompressed CSV/TSV (lines minus the header), else ``None``."""
    if path.suffix.lower() not in (".csv", ".tsv") or path.stat().st_size > _COUNT_LIMIT:
        return None
    with open(path, "rb") as fh:
        return max(0, sum(block.count(b"\n") for block in iter(lambda: fh.read(1 << 20), b""))
                   - 1)


def screen(
    input: opt.InputFile,
    output: Annotated[Path, typer.Option(
        "--output", "-o", help="Results file; the suffix picks the format: .csv, .csv.gz, "
        ".tsv, .parquet or .sdf. Must not be the input file. Written when the screen ends; "
        "meanwhile finished chunks are kept in the folder OUTPUT.partial/ (see --resume).",
        dir_okay=False, rich_help_panel=opt.DATA, show_default=False)],
    model: Annotated[Path | None, typer.Option(
        "--model", "-m", help=opt.MODEL_HELP + " Default: the whole panel (the shipped models "
        "and those added with `molpred models add`), columns named MODEL.COLUMN as in "
        "`molpred predict`; it screens on the CPU.", show_default=False,
        parser=opt.model_path, metavar="MODEL", rich_help_panel=opt.MODEL)] = None,
    smiles_col: opt.SmilesCol = None,
    chunk_size: Annotated[int, typer.Option(
        help="Molecules read, featurized and saved at a time (bounds the memory used; "
             "--resume restarts at the last finished chunk).", min=1)] = 10_000,
    batch_size: Annotated[int | None, typer.Option(
        help="Molecules per forward pass [default: 32 on the CPU, where a small batch stays in "
             "the core's caches; 256 on a GPU].", min=1, show_default=False)] = None,
    device: opt.DeviceOpt = opt.Device.auto,
    precision: opt.InferencePrecisionOpt = opt.InferencePrecision["fp32"],
    workers: Annotated[int | None, typer.Option(
        min=1, help="Processes working on the library in parallel: on the CPU each parses, "
        "featurizes and predicts its share of a chunk; with a GPU they parse and featurize "
        "while the GPU predicts. Used when --chunk-size is at least "
        f"{PARALLEL_THRESHOLD:,}; local engine only. "
        "Default: all CPU cores (or $MOLPRED_NUM_WORKERS).", show_default=False)] = None,
    resume: Annotated[bool, opt.option(
        "Continue a screen that was interrupted (killed, crashed, machine restarted) from its "
        "last finished chunk instead of starting again. Give exactly the same arguments; a "
        "different input file, model or option is refused.", opt.DATA)] = False,
    encoding: opt.Encoding = None,
    filter: Annotated[str | None, opt.option(
        "Write only the rows matching this condition on output columns, e.g. "
        "'SR-MMP < 0.3 and NR-AR < 0.5' or 'qed > 0.6 and lipinski_violations == 0'. "
        "Use task names as written (dashes are fine), <, <=, ==, !=, >=, >, and, or, not, "
        "parentheses. Rows that failed never match.", SELECT, metavar="EXPR",
        show_default=False)] = None,
    top: Annotated[int | None, opt.option(
        "Write only the K best rows by --sort-by, best first (memory stays bounded). Rows "
        "whose SMILES failed cannot rank.", SELECT, min=1, metavar="K",
        show_default=False)] = None,
    sort_by: Annotated[str | None, opt.option(
        "Column ranking the rows for --top: a task (e.g. a predicted probability) or a "
        "--druglike column such as qed.", SELECT, metavar="COLUMN", show_default=False)] = None,
    ascending: Annotated[bool, opt.option(
        "With --top: keep the lowest values instead of the highest (e.g. the least likely "
        "toxic by a toxicity probability).", SELECT)] = False,
    druglike: Annotated[bool, opt.option(
        "Add drug-likeness columns computed by RDKit on the molecule the model sees (the "
        "standardized one, unless the model was trained without standardization): qed "
        "(0-1), mol_weight (Da), clogp (Crippen), tpsa (Å²), hbd, hba (Lipinski N-H/O-H and "
        "N+O counts), rotatable_bonds, lipinski_violations (rule of five, 0-4). Usable in "
        "--filter and --sort-by; empty for rows that failed.", SELECT)] = False,
    confidence: opt.Confidence = 0.9,
    columns: Annotated[Columns, opt.option(
        "full: the columns molpred predict writes: predictions, ensemble spread (TASK_std), "
        "conformal sets or intervals at --confidence (TASK_set, TASK_lower/TASK_upper), the "
        "applicability domain (max_similarity, embedding_distance, expected_error, in_domain) "
        "and structural alerts; trust: the same without alerts (alerts cost about as much per molecule as "
        "everything else together); minimal: predictions and spread only, the fastest "
        "screen.",
        SELECT)] = Columns.full,
    engine: Annotated[Engine, opt.option(
        "Where the molecules are predicted: local (this machine: this process or --workers "
        "processes) or ray (actors of a Ray cluster, one model copy each: RAY_ADDRESS, else "
        "a private Ray on the local cores). Every other option works on both.",
        opt.SCALE)] = Engine.local,
) -> None:
    """Predict every molecule of a (large) library file and write the results.

    The output has every input row once, in input order, with all input columns, one column
    per task, the trust columns (see --columns) and an `error` column (empty when the row
    was predicted), unless --filter or --top choose rows. The summary says how many rows
    were screened, failed and written.

    Example: molpred screen -m runs/tox21 -i library.csv.gz -o hits.parquet --druglike
    --filter "SR-MMP < 0.3" --top 1000 --sort-by qed
    """
    from molpred.exceptions import InputError

    settings = dict(smiles_col=smiles_col, chunk_size=chunk_size, batch_size=batch_size,
                    device=device.value, precision=precision.value, encoding=encoding,
                    confidence=confidence, columns=columns.value)
    with ui.rows_progress("Screening", _count_rows(input)) as advance:
        if engine is Engine.ray and workers is not None:
            raise InputError("--workers is a local-engine option; on Ray the actors are the "
                             "cluster's CPUs (or GPUs)")
        from molpred.screening.engine import screen as run_screen

        report = run_screen(model, input, output, workers=workers, progress=advance,
                            resume=resume, druglike=druglike, filter=filter, top=top,
                            sort_by=sort_by, ascending=ascending, engine=engine.value,
                            **settings)
    ui.plain(_summary(report, top, sort_by, ascending))
    if model is not None:
        _descriptor_hint(model, report.rows)


DESCRIPTOR_HINT_ROWS = 10_000
"""From this many rows on, a screen with a descriptor model says how to screen faster."""


def _descriptor_hint(model: Path, rows: int) -> None:
    """On stderr: a model fed RDKit 2D descriptors spends ~7 ms per molecule and core on
    them, ~9x the rest of a D-MPNN screen (README, Screening); say how to avoid that."""
    from molpred.models.checkpoint import read_config

    if rows < DESCRIPTOR_HINT_ROWS:
        return
    features = read_config(model).get("model", {}).get("extra_features", [])
    if "rdkit2d" in features:
        ui.err_console.print(
            "note: this model computes 217 RDKit 2D descriptors per molecule (about 7 ms per "
            "molecule and core); a model trained with the 32 fast ones instead (molpred train "
            "... --extra-features rdkit2d_fast, about 0.8 ms) or without any (--plain) screens "
            "several times faster", highlight=False, markup=False)


def _summary(report, top: int | None, sort_by: str | None, ascending: bool) -> str:
    """``60 rows, 3 errors, 57 written, 1.2 s, 50 molecules/s -> hits.csv`` plus what was
    filtered, ranked or resumed."""
    parts = [f"{report.rows:,} rows", f"{report.errors:,} errors"]
    if report.unmatched:
        parts.append(f"{report.unmatched:,} not matching the filter")
    written = f"{report.written:,} written"
    if top is not None:
        written += f" (top {top:,} by {'lowest' if ascending else 'highest'} {sort_by})"
    parts.append(written)
    if report.resumed_rows:
        parts.append(f"{report.resumed_rows:,} resumed from the interrupted run")
    parts += [f"{report.seconds:.1f} s", f"{report.molecules_per_second:,.0f} molecules/s"]
    return f"{', '.join(parts)} -> {report.output}"
