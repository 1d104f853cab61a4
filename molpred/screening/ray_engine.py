"""Streaming screen on Ray: the local engine's pipeline with prediction spread over a Ray cluster.

This follows Ray Data's batch-inference pattern: a callable class passed to
``Dataset.map_batches`` with a fixed-size actor pool, so each actor loads the model once
(here: takes it from Ray's object store, so the model directory need not exist on the
workers) and then featurizes and predicts batch after batch, on one GPU per actor when the
cluster has GPUs.

Reading and writing stay on the driver and use molpred's own reader and writer
(``molpred.data.iter_table_chunks`` / ``molpred.data.TableWriter``), so row semantics are
those of :func:`molpred.screening.engine.screen` (every row kept, text columns as strings)
and the output file has the same rows, columns and values up to float32 rounding (< 1e-6;
batches are grouped differently). Chunks wait in Ray's object store (pickled, so their
dtypes survive) while only their SMILES travel through Ray Data (order preserved); the
input columns are never round-tripped through Arrow.

Crash safety is the local engine's: an exclusive lock on the output, finished chunks
checkpointed in ``OUTPUT.partial/`` with their SHA-256 (``resume=True`` continues from the
last one), the output moved into place at the end. A local Ray started here is watched by
:mod:`molpred.screening.reaper`, so ``kill -9`` of the driver leaves no Ray process behind.
"""

from __future__ import annotations

import logging
import os
import time
from collections import deque
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from molpred import __version__
from molpred.data import TableWriter, default_smiles_column, iter_table_chunks
from molpred.data.tolerant_csv import INPUT_ERRORS, with_local_rows
from molpred.exceptions import InputError
from molpred.featurizers.featurize import default_workers
from molpred.inference import check_precision
from molpred.pipeline.run import Predicted, RunOptions, run_rows
from molpred.predictor import Predictor, error_column, load
from molpred.screening.engine import (
    DEFAULT_CONFIDENCE,
    SCREEN_COLUMNS,
    ScreenReport,
    check_output_path,
    readable_smiles,
)
from molpred.screening.lock import OutputLock
from molpred.screening.reaper import Reaper
from molpred.screening.resume import (
    ChunkCounts,
    ChunkStore,
    model_fingerprint,
    run_fingerprint,
    work_folder,
)
from molpred.trust.conformal import check_confidence

RAY_MISSING = "--engine ray needs Ray: pip install 'molpred[distributed]'"
_ROW, _SMILES = "row", "smiles"
_EXTRA = "x:"
"""Prefix of the trust columns in an actor's output batch."""


def _import_ray() -> Any:
    try:
        import ray
        import ray.data  # noqa: F401  (the [data] extra)
    except ImportError:
        raise InputError(RAY_MISSING) from None
    return ray


class _PredictActor:
    """Ray Data actor: holds one :class:`Predictor` and runs the pipeline of
    :mod:`molpred.pipeline` (parse once, features, inference, trust) on SMILES batches.

    Called with a pandas batch (columns ``row``, ``smiles``); returns NumPy columns ``row``,
    ``values`` (``float64 [B, T]``), ``spread`` (ensembles only), ``error`` (str) and one
    ``x:NAME`` column per trust column of :class:`~molpred.pipeline.run.Predicted`.
    """

    def __init__(self, predictor: Any, options: RunOptions) -> None:
        import ray

        if isinstance(predictor, ray.ObjectRef):
            predictor = ray.get(predictor)
        from molpred.pipeline.run import run_rows

        self._run = run_rows
        self.predictor: Predictor = predictor
        self.options = options

    def __call__(self, batch: pd.DataFrame) -> dict[str, np.ndarray]:
        predicted = self._run(self.predictor, batch[_SMILES].tolist(), self.options, workers=1)
        out = {_ROW: batch[_ROW].to_numpy(np.int64), "values": predicted.values,
               "error": np.asarray(predicted.errors, dtype=object)}
        if predicted.spread is not None:
            out["spread"] = predicted.spread
        for name, column in predicted.extra.items():
            out[_EXTRA + name] = (column if isinstance(column, np.ndarray)
                                  else np.asarray(column, dtype=object))
        return out


def _start_ray(ray: Any, address: str | None) -> tuple[bool, Reaper | None]:
    """Connect to ``address`` / ``RAY_ADDRESS``, or start a quiet local Ray watched by a
    :class:`~molpred.screening.reaper.Reaper`. Returns ``(connected here, reaper)``: an
    already initialized Ray gives ``(False, None)``, a cluster address ``(True, None)``."""
    if ray.is_initialized():
        return False, None
    address = address or os.environ.get("RAY_ADDRESS") or None
    quiet = {"include_dashboard": False, "logging_level": logging.WARNING, "log_to_driver": False}
    if address:
        ray.init(address=address, logging_level=logging.WARNING, log_to_driver=False)
        return True, None
    reaper = Reaper.start()  # first, so a kill during ray.init leaves nothing behind
    try:
        ray.init(num_cpus=default_workers(), **quiet)
    finally:
        reaper.watch_children()
        reaper.keep_watching()
    return True, reaper


def screen_ray(
    model: str | Path | Predictor,
    input: str | Path,
    output: str | Path,
    *,
    smiles_col: str | None = None,
    chunk_size: int = 10_000,
    batch_size: int = 256,
    device: str = "auto",
    precision: str = "fp32",
    address: str | None = None,
    num_actors: int | None = None,
    progress: Callable[[int], None] | None = None,
    encoding: str | None = None,
    resume: bool = False,
    confidence: float | None = DEFAULT_CONFIDENCE,
    columns: str = "full",
) -> ScreenReport:
    """Predict every molecule of a (large) file on Ray and write the results incrementally.

    Same contract as :func:`molpred.screening.engine.screen` (output equal up to float32
    rounding, < 1e-6), following Ray Data's batch-inference pattern: the driver reads the
    file ``chunk_size`` rows at a time with molpred's reader and stages each chunk in Ray's
    object store (spilled to disk when it fills); the chunks' SMILES go through one Ray Data pass
    (``from_pandas_refs(...).map_batches(actor class, compute=ActorPoolStrategy(size=num_actors))``
    with ``preserve_order``), so every actor loads the model once for the whole file; the
    driver then appends each chunk's predictions to ``output`` in file order as they arrive.

    Args:
        model: A model directory or a loaded :class:`~molpred.predictor.Predictor`. It is
            loaded on the driver and shipped to the actors through the object store.
        input: CSV/TSV (plain or ``.gz``), ``.smi``, SDF or Parquet file (read on the driver).
        output: Output file (written on the driver); its suffix picks the format. Must
            differ from ``input``.
        smiles_col: SMILES column (default: :func:`~molpred.data.formats.default_smiles_column`).
        chunk_size: Rows per chunk held by the driver (and per object in the store).
        batch_size: Molecules per Ray Data batch and per forward pass.
        device: ``auto`` (one GPU per actor if the cluster has GPUs, else CPU), ``cpu`` or
            ``cuda``.
        precision: ``fp32`` or ``bf16`` (see :data:`molpred.names.INFERENCE_PRECISIONS`).
        address: Ray cluster to use (``ray://host:10001`` or ``host:6379``, or ``auto``);
            default ``RAY_ADDRESS`` if set, else a local Ray with ``MOLPRED_NUM_WORKERS`` (or
            all) cores, no dashboard, shut down at the end. An already initialized Ray
            (``ray.init`` by the caller) is used as is.
        num_actors: Actors (model copies): default one per GPU when using GPUs, else one per
            CPU of the cluster.
        progress: Called with the number of rows finished after each chunk.
        encoding: Text encoding of a CSV/TSV input (as for the local engine).
        resume: Continue an interrupted Ray run with the same arguments from its last
            finished chunk. Like the local engine, finished chunks are checkpointed in the
            work folder ``OUTPUT.partial/`` (:mod:`molpred.screening.resume`, with ``engine:
            ray`` in the fingerprint, so a local run never resumes a Ray run's chunks) and
            the output is moved into place at the end, so a killed driver never leaves a
            partial file at ``output``.
        confidence, columns: The trust columns, as for the local engine.

    Returns:
        A :class:`~molpred.screening.engine.ScreenReport`; the output has every input row
        once, in input order, with all input columns, one column per task (and ``TASK_std``
        for ensembles), the trust columns and ``error``: the same rows, columns and values as
        the local engine writes, up to float32 rounding (< 1e-6).

    Raises:
        InputError: Ray is not installed (``pip install 'molpred[distributed]'``), missing
            input, unknown column or format, output = input, an unknown ``precision``,
            ``device="cuda"`` on a cluster without GPUs, ``num_actors < 1``, another run
            writing the same output (:class:`~molpred.screening.lock.OutputLock`), or
            ``resume`` with a work folder from a run with other arguments or changed chunks.
        ModelFileError: if ``model`` is not a readable molpred model.
    """
    start = time.perf_counter()
    check_output_path(Path(input), Path(output))  # the local engine's checks, before any work
    check_precision(precision)  # here, not first inside every actor
    ray = _import_ray()
    if columns not in SCREEN_COLUMNS:
        raise InputError(f"unknown --columns {columns!r}; use one of {', '.join(SCREEN_COLUMNS)}")
    full = columns == "full"
    if full and confidence is not None:
        check_confidence(confidence)
    predictor = model if isinstance(model, Predictor) else load(model)
    if num_actors is not None and num_actors < 1:
        raise InputError(f"num_actors must be at least 1, not {num_actors}")
    chunks = iter_table_chunks(input, smiles_col=smiles_col, chunk_size=chunk_size,
                               encoding=encoding)
    lock = OutputLock(output)  # the local engine's lock: one run per output at a time
    started, reaper = False, None
    try:
        store = ChunkStore(work_folder(output), run_fingerprint(
            input, output, model_fingerprint(predictor.path, predictor.model), version=__version__,
            engine="ray", chunk_size=chunk_size, smiles_col=smiles_col, precision=precision,
            encoding=encoding, columns=columns, confidence=confidence if full else None),
            resume=resume)
        started, reaper = _start_ray(ray, address)
        resources = ray.cluster_resources()
        gpus = int(resources.get("GPU", 0)) if device == "auto" or device.startswith("cuda") else 0
        if device.startswith("cuda") and gpus == 0:
            raise InputError("--device cuda was requested but the Ray cluster has no GPU; use auto or cpu")
        actors = num_actors or max(1, gpus or int(resources.get("CPU", 1)))
        context = ray.data.DataContext.get_current()
        context.execution_options.preserve_order = True
        context.execution_options.verbose_progress = False
        context.enable_progress_bars = False
        context.print_on_execution_start = False
        predictor_ref = ray.put(predictor)
        udf = {
            "fn_constructor_kwargs": {"predictor": predictor_ref, "options": RunOptions(
                batch_size, "cuda" if gpus else "cpu", precision, confidence if full else None,
                domain=full, alerts=full)},
            "compute": ray.data.ActorPoolStrategy(size=actors),
            "batch_size": batch_size, "batch_format": "pandas",
            "num_cpus": 1, "num_gpus": 1 if gpus else 0,
        }
        resumed = _run(ray, predictor, chunks, smiles_col, store, Path(output), batch_size,
                       udf, progress)
    finally:
        if started:
            ray.shutdown()
        if reaper is not None:
            reaper.release()
        lock.release()
    return ScreenReport(sum(c.rows for c in store.counts), sum(c.errors for c in store.counts),
                        time.perf_counter() - start, Path(output), resumed_rows=resumed)


def _run(ray: Any, predictor: Predictor, chunks: Iterator[pd.DataFrame], smiles_col: str | None,
         store: ChunkStore, output: Path, batch_size: int, udf: dict,
         progress: Callable[[int], None] | None) -> int:
    """Stage the chunks the store lacks in the object store, predict them in one Ray Data
    pass, checkpoint and write them in order, publish; return the rows resumed."""
    staged: deque[tuple[Any, int]] = deque()  # (chunk ref, rows) in file order
    blocks: list[Any] = []  # SMILES blocks of <= batch_size rows: (global row number, smiles)
    column, start, resumed = smiles_col, 0, 0
    for index, chunk in enumerate(chunks):
        column = column or default_smiles_column(chunk.columns)
        if index < store.done:  # finished by the interrupted run
            resumed += len(chunk)
            if progress is not None:
                progress(len(chunk))
            continue
        chunk = with_local_rows(chunk)
        smiles = readable_smiles(chunk, column)
        for i in range(0, len(chunk), batch_size):
            part = smiles[i:i + batch_size]
            rows = np.arange(start + i, start + i + len(part), dtype=np.int64)
            blocks.append(ray.put(pd.DataFrame({_ROW: rows, _SMILES: part})))
        staged.append((ray.put(chunk), len(chunk)))
        start += len(chunk)
    options = udf["fn_constructor_kwargs"]["options"]
    trust_columns = list(run_rows(predictor, [], options, workers=1).extra)  # names, in order
    results = _Results(
        iter(ray.data.from_pandas_refs(blocks).map_batches(_PredictActor, **udf)
             .iter_batches(batch_size=None, batch_format="numpy")) if blocks else iter(()),
        len(predictor.tasks), predictor.ensemble_size > 1, trust_columns)
    del blocks
    # the output grows in the work folder and is moved into place at the end, so a killed
    # driver never leaves a well-formed but partial file at the output path
    sink = TableWriter(store.staging_path(output), smiles_col=column or default_smiles_column([]))
    try:
        for frame in store.frames():
            sink.write(frame)
        rows = 0
        while staged:
            ref, n = staged.popleft()
            chunk = ray.get(ref)
            del ref
            predicted = results.take(rows, n)
            row_errors = predicted.errors
            for row, reason in (chunk.attrs.get(INPUT_ERRORS) or {}).items():
                row_errors[row] = reason  # a malformed line: the reader's reason
            table = predictor.report(chunk.reset_index(drop=True), predicted)
            row_errors = table[error_column(chunk.columns)].tolist()  # with non-finite rows
            errors = sum(1 for e in row_errors if e)
            store.save(store.done, table, ChunkCounts(rows=n, errors=errors, unmatched=0,
                                                      kept=n))
            sink.write(table)
            rows += n
            if progress is not None:
                progress(n)
    except BaseException:
        sink.close()
        raise
    store.publish(output, lambda _: sink.close())
    return resumed


class _Results:
    """The actors' output batches, handed out chunk by chunk in row order."""

    def __init__(self, batches: Iterator[dict[str, np.ndarray]], tasks: int, spread: bool,
                 trust_columns: list[str]) -> None:
        self.batches, self.tasks, self.spread = batches, tasks, spread
        self.trust_columns = trust_columns
        self.pending: list[dict[str, np.ndarray]] = []
        self.available = 0

    def take(self, first_row: int, n: int) -> Predicted:
        """The next ``n`` rows, which must start at row ``first_row`` of the file."""
        while self.available < n:
            batch = next(self.batches)
            self.pending.append(batch)
            self.available += len(batch[_ROW])
        keys = ([_ROW, "values", "error"] + (["spread"] if self.spread else [])
                + [_EXTRA + name for name in self.trust_columns])
        merged = {k: np.concatenate([b[k] for b in self.pending]) if self.pending
                  else np.zeros((0, self.tasks) if k in ("values", "spread") else 0)
                  for k in keys}
        if not np.array_equal(merged[_ROW][:n], np.arange(first_row, first_row + n)):
            raise RuntimeError("Ray Data returned rows out of order")  # preserve_order is set
        rest = {k: v[n:] for k, v in merged.items()}
        self.available -= n
        self.pending = [rest] if self.available else []
        extra = {}
        for name in self.trust_columns:
            column = merged[_EXTRA + name][:n]
            extra[name] = column if column.dtype != object else [str(x) for x in column]
        return Predicted(merged["values"][:n], merged["spread"][:n] if self.spread else None,
                         extra, [str(e) for e in merged["error"][:n]])
