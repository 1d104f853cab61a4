"""Streaming screen: read a library in chunks, featurize in parallel, predict, write.

Memory is bounded by the chunk size, not the library size: each chunk of ``chunk_size`` rows
is read (``molpred.data.iter_table_chunks``), featurized in a process pool shared by all
chunks (chunk k+1 is featurizing while the model predicts chunk k), predicted in batches
under ``torch.inference_mode`` and appended to the output
(``molpred.data.TableWriter``: CSV, CSV.gz, TSV, Parquet or SDF) before the next chunk is read.
"""

from __future__ import annotations

import itertools
import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from molpred.data import TableWriter, default_smiles_column, iter_table_chunks
from molpred.exceptions import InputError
from molpred.featurizers.featurize import (
    PARALLEL_THRESHOLD,
    collect_featurized,
    default_workers,
    featurize_smiles,
    start_featurization,
)
from molpred.predictor import Predictor, load


@dataclass
class ScreenReport:
    """Summary of a screen.

    Attributes:
        rows: Input rows read (= output rows written).
        errors: Rows that carry an error instead of predictions.
        seconds: Wall time of the whole screen.
        output: The output file.
    """

    rows: int
    errors: int
    seconds: float
    output: Path

    @property
    def molecules_per_second(self) -> float:
        return self.rows / self.seconds if self.seconds > 0 else float("nan")


def screen(
    model: str | Path | Predictor,
    input: str | Path,
    output: str | Path,
    *,
    smiles_col: str | None = None,
    chunk_size: int = 10_000,
    batch_size: int = 512,
    device: str = "auto",
    workers: int | None = None,
    progress: Callable[[int], None] | None = None,
) -> ScreenReport:
    """Predict every molecule of a (large) file and write the results incrementally.

    Args:
        model: A model directory or a loaded :class:`~molpred.predictor.Predictor`.
        input: CSV/TSV (plain or ``.gz``), ``.smi``, SDF or Parquet file.
        output: Output file; its suffix picks the format (``.csv``, ``.csv.gz``, ``.tsv``,
            ``.parquet``, ``.sdf``). Must differ from ``input``.
        smiles_col: SMILES column (default: a column named ``smiles``, else the first).
        chunk_size: Rows held in memory at a time.
        batch_size: Molecules per forward pass.
        device: ``auto``, ``cpu`` or ``cuda``.
        workers: Featurization processes (default: all cores).
        progress: Called with the number of rows finished after each chunk.

    Returns:
        A :class:`ScreenReport`. The output has every input row once, in input order, with
        all input columns, one column per task and ``error``.

    Raises:
        InputError: missing input, unknown column or format, or output = input.
    """
    start = time.perf_counter()
    predictor = model if isinstance(model, Predictor) else load(model)
    if Path(output).resolve() == Path(input).resolve():
        raise InputError("the output file must differ from the input file")
    workers = default_workers() if workers is None else max(1, workers)
    config = predictor.model.config.featurizer_config
    pool = ProcessPoolExecutor(workers) if workers > 1 and chunk_size >= PARALLEL_THRESHOLD else None
    rows = errors = 0
    try:
        chunks = iter_table_chunks(input, smiles_col=smiles_col, chunk_size=chunk_size)
        first = next(chunks, None)
        column = smiles_col or default_smiles_column(first.columns if first is not None else [])
        with TableWriter(output, smiles_col=column) as writer:  # SDF output needs the column
            pending = None  # the previous chunk, whose featurization runs in the pool
            for chunk in itertools.chain([first] if first is not None else [], chunks):
                chunk = chunk.reset_index(drop=True)
                smiles = chunk[column].tolist()
                started = start_featurization(smiles, config, pool) if pool is not None else None
                if pending is not None:  # predict chunk k while the pool featurizes chunk k+1
                    rows, errors = _finish(predictor, pending, writer, rows, errors,
                                           batch_size, device, progress)
                pending = (chunk, smiles, started)
            if pending is not None:
                rows, errors = _finish(predictor, pending, writer, rows, errors, batch_size,
                                       device, progress)
    finally:
        if pool is not None:
            pool.shutdown(cancel_futures=True)
    return ScreenReport(rows, errors, time.perf_counter() - start, Path(output))


def _finish(predictor, pending, writer, rows, errors, batch_size, device, progress):
    """Collect one chunk's features, predict, write; return the updated row/error counts."""
    chunk, smiles, started = pending
    if started is not None:
        data, row_errors = collect_featurized(started)
    else:
        data, row_errors = featurize_smiles(smiles, predictor.model.config.featurizer_config,
                                            workers=1)
    result = predictor.predict_featurized(chunk, data, row_errors, batch_size, device)
    writer.write(result)
    if progress is not None:
        progress(len(result))
    return rows + len(result), errors + sum(1 for e in row_errors if e)
