"""Streaming screen: read a library in chunks, featurize in parallel, predict, write.

Memory is bounded by the chunk size, not the library size: each chunk of ``chunk_size`` rows
is read (``molpred.data.iter_table_chunks``) and sent to a process pool shared by all chunks
(chunk k+1 is submitted before chunk k is collected). On the CPU the pool's workers
featurize and predict (:mod:`molpred.screening.workers`); with a GPU they featurize and
this process predicts in batches under ``torch.inference_mode``. Each chunk is optionally
given drug-likeness columns
(:mod:`molpred.chem.druglike`), filtered and ranked (:mod:`molpred.screening.selection`),
and saved as a checkpoint in ``OUTPUT.partial/`` (:mod:`molpred.screening.resume`), so a
killed run can resume. The output (``molpred.data.TableWriter``: CSV, CSV.gz, TSV, Parquet or
SDF) is written in the work folder as chunks finish and moved into place at the end; with
``top`` the best rows of all checkpoints are written at the end.
"""

from __future__ import annotations

import itertools
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
import torch

from molpred import __version__
from molpred.chem.druglike import DRUGLIKE_COLUMNS
from molpred.data import TableWriter, default_smiles_column, iter_table_chunks, write_table
from molpred.data.formats import WRITE_FORMATS, detect_format
from molpred.data.tolerant_csv import INPUT_ERRORS, with_local_rows
from molpred.data.writers import input_column_types, read_as_text
from molpred.exceptions import InputError
from molpred.featurizers.featurize import (
    PARALLEL_THRESHOLD,
    default_workers,
    usable_cores,
)
from molpred.inference import check_precision, resolve_device
from molpred.panel.runner import Panel
from molpred.pipeline.run import RunOptions
from molpred.predictor import Predictor, error_column, load
from molpred.screening.executors import Executor, InProcess, LocalPool, RayActors, import_ray
from molpred.screening.lock import OutputLock
from molpred.screening.resume import (
    ChunkCounts,
    ChunkStore,
    model_fingerprint,
    run_fingerprint,
    work_folder,
)
from molpred.screening.selection import RowFilter, TopK
from molpred.trust.conformal import check_confidence

DEFAULT_CONFIDENCE = 0.9
"""Confidence of the conformal sets and intervals a screen writes by default."""
SCREEN_COLUMNS = ("full", "trust", "minimal")
"""``screen --columns``: what ``predict`` writes; the same without structural alerts (which
cost about as much as all the rest: ``benchmarks/results/pipeline_stages/``); predictions
and spread only."""
ENGINES = ("local", "ray")
"""``screen --engine``: this machine, or a Ray cluster."""


@dataclass
class ScreenReport:
    """Summary of a screen.

    Attributes:
        rows: Input rows read (every one was predicted or carries an error).
        errors: Rows that carry an error instead of predictions.
        seconds: Wall time of the whole screen.
        output: The output file.
        written: Rows in the output (``rows`` unless a filter or top-K selection was used).
        unmatched: Rows left out because they did not match the filter.
        resumed_rows: Rows taken from the checkpoints of an interrupted run (not redone).
    """

    rows: int
    errors: int
    seconds: float
    output: Path
    written: int | None = None
    unmatched: int = 0
    resumed_rows: int = 0

    def __post_init__(self) -> None:
        if self.written is None:
            self.written = self.rows - self.unmatched

    @property
    def molecules_per_second(self) -> float:
        """Rows predicted by this run (resumed rows excluded) per second."""
        done = self.rows - self.resumed_rows
        return done / self.seconds if self.seconds > 0 else float("nan")


def screen(
    model: str | Path | Predictor | Panel | None,
    input: str | Path,
    output: str | Path,
    *,
    smiles_col: str | None = None,
    chunk_size: int = 10_000,
    batch_size: int | None = None,
    device: str = "auto",
    precision: str = "fp32",
    workers: int | None = None,
    progress: Callable[[int], None] | None = None,
    resume: bool = False,
    druglike: bool = False,
    filter: str | None = None,
    top: int | None = None,
    sort_by: str | None = None,
    ascending: bool = False,
    encoding: str | None = None,
    confidence: float | None = DEFAULT_CONFIDENCE,
    columns: str = "full",
    engine: str = "local",
    address: str | None = None,
    num_actors: int | None = None,
) -> ScreenReport:
    """Predict every molecule of a (large) file and write the results.

    Args:
        model: A model directory or panel name, a loaded
            :class:`~molpred.predictor.Predictor`, a :class:`~molpred.panel.runner.Panel`,
            or ``None`` for the whole panel (shipped models and those added with ``molpred
            models add``), whose columns are named ``MODEL.COLUMN`` as in the panel table
            of ``molpred predict``; a panel screens on the CPU.
        input: CSV/TSV (plain or ``.gz``), ``.smi``, SDF or Parquet file.
        output: Output file; its suffix picks the format (``.csv``, ``.csv.gz``, ``.tsv``,
            ``.parquet``, ``.sdf``). Must differ from ``input``. Written at the end, in one
            move; until then finished chunks are kept in the work folder ``OUTPUT.partial/``.
        smiles_col: SMILES column (default: :func:`~molpred.data.formats.default_smiles_column`).
        chunk_size: Rows held in memory at a time.
        batch_size: Molecules per forward pass; default
            :func:`~molpred.inference.default_batch_size` (32 on the CPU, 256 on a GPU).
        device: ``auto``, ``cpu`` or ``cuda``.
        precision: ``fp32`` or ``bf16`` (see :data:`molpred.names.INFERENCE_PRECISIONS`).
        workers: Worker processes, which featurize and, on the CPU, predict (default: all
            cores).
        progress: Called with the number of rows finished after each chunk.
        resume: Continue an interrupted run with the same arguments from its last finished
            chunk (its work folder must be intact); without it a leftover folder is replaced.
        druglike: Add the columns of :data:`molpred.chem.druglike.DRUGLIKE_COLUMNS` (QED,
            weight, cLogP, TPSA, HBD, HBA, rotatable bonds, rule-of-five violations),
            computed on the molecule the model sees (standardized unless the model was
            trained without standardization); missing for rows RDKit rejects.
        filter: Keep only rows matching this expression over output columns, e.g.
            ``"SR-MMP < 0.3 and qed > 0.5"`` (see :class:`~molpred.screening.selection.RowFilter`).
        top: Keep only the ``top`` best rows by ``sort_by``, written best first; rows with
            an error cannot rank.
        sort_by: The column ranking rows for ``top`` (a task or drug-likeness column).
        ascending: With ``top``: keep the lowest values instead of the highest.
        encoding: Text encoding of a CSV/TSV input (default UTF-8, or UTF-16 when the file
            starts with its byte-order mark), e.g. ``latin-1`` for ids with accents.
        confidence: Conformal sets (``TASK_set``) or intervals (``TASK_lower``/``_upper``)
            at this confidence; ``None`` for none (models with trust files only).
        columns: ``full`` (default): the columns :meth:`~molpred.predictor.Predictor.predict`
            writes: predictions, spread, conformal sets or intervals at ``confidence``, the
            applicability domain (``max_similarity``, ``embedding_distance``,
            ``expected_error``, ``in_domain``) and ``alerts``; ``trust``: the same without
            ``alerts`` (structural alerts cost about 3.9 ms per molecule and core, as much as
            everything else together);
            ``minimal``: predictions and spread only (the fastest screen).
        engine: Where the chunks run (:mod:`molpred.screening.executors`): ``local`` (this
            process, or a pool of ``workers`` processes) or ``ray`` (actors of a Ray cluster,
            one model copy each, fed the slices of rows the local pool's workers get;
            ``workers`` unused).
            Everything else (reading, filters, ranking, checkpoints, resume, the output) is
            the same on both.
        address: Ray cluster (``ray://host:10001``, ``host:6379`` or ``auto``); default
            ``RAY_ADDRESS``, else a private local Ray on ``MOLPRED_NUM_WORKERS`` (or all)
            cores, shut down at the end. An initialized Ray is used as is.
        num_actors: Ray actors (model copies); default one per GPU of the cluster, else one
            per CPU.

    Returns:
        A :class:`ScreenReport`. Without ``filter``/``top`` the output has every input row
        once, in input order, with all input columns, one float64 column per task (plus
        ``TASK_std`` for ensembles), with ``columns="full"`` the trust columns, ``error``,
        and with ``druglike`` the drug-likeness columns. With ``filter`` the matching rows,
        in input order; with ``top`` at most ``top`` rows, best first.

    Raises:
        InputError: missing input, unknown column or format, output = input, a bad filter
            or sort column, ``top`` without ``sort_by`` (or the reverse), or ``resume`` with
            a work folder from a run with other arguments, an unknown or unavailable device,
            an unknown precision, an unknown ``columns``, a ``confidence`` not between 0 and
            1, or an input that already has the drug-likeness columns the screen adds. All
            are raised before the first chunk is predicted.
        ModelFileError: if ``model`` is neither a molpred model directory nor a readable
            model file.
    """
    start = time.perf_counter()
    check_precision(precision)  # before any work
    if batch_size is not None and (isinstance(batch_size, bool) or not isinstance(batch_size, int)
                                   or batch_size < 1):
        raise InputError(f"batch size must be a whole number of at least 1, not {batch_size!r}")
    if columns not in SCREEN_COLUMNS:
        raise InputError(f"unknown --columns {columns!r}; use one of {', '.join(SCREEN_COLUMNS)}")
    full = columns != "minimal"  # the trust columns: conformal, domain (and alerts)
    if full and confidence is not None:
        check_confidence(confidence)
    if model is None:
        model = Panel()
    runner = model if isinstance(model, Predictor | Panel) else load(model)
    if engine not in ENGINES:
        raise InputError(f"unknown engine {engine!r}; use one of {', '.join(ENGINES)}")
    if engine == "ray":
        import_ray()  # says how to install it, before any work
    if isinstance(runner, Panel) and engine == "local":
        device = "cpu"  # each pool worker runs every model of the panel
    input, output = Path(input), Path(output)
    check_output_path(input, output)
    if (top is None) != (sort_by is None):
        raise InputError("--top and --sort-by go together: give both (e.g. --top 100 "
                         "--sort-by SR-MMP) or neither")
    chunks = iter_table_chunks(input, smiles_col=smiles_col, chunk_size=chunk_size,
                               encoding=encoding)
    first = next(chunks, None)
    in_columns = [str(c) for c in first.columns] if first is not None else []
    column = smiles_col or default_smiles_column(in_columns)
    if smiles_col is None and first is not None:
        from molpred.chem.sniff import check_guessed_smiles_column

        check_guessed_smiles_column(first, column, input)
    # batch_size None: each process takes its device's default where it predicts (a local
    # worker or a Ray actor on the CPU 32, on a GPU 256; the driver's device says nothing
    # about a cluster's)
    options = RunOptions(batch_size, device, precision, confidence if full else None,
                         domain=full, alerts=columns == "full", druglike=druglike)
    template = _template(runner, first, options)
    errors_col = error_column(in_columns)
    row_filter = RowFilter(filter, template, errors_col) if filter is not None else None
    if top is not None:  # check the column now; the ranking itself happens in _publish
        TopK(top, sort_by, ascending, errors_col, list(template.columns))
    lock = OutputLock(output)  # a second run on this output is refused here
    try:
        store = ChunkStore(work_folder(output), run_fingerprint(
            input, output, _fingerprint(runner), version=__version__,
            chunk_size=chunk_size, smiles_col=column, precision=precision, druglike=druglike,
            filter=filter, top=top, sort_by=sort_by, ascending=ascending, encoding=encoding,
            columns=columns, confidence=confidence if full else None,
            **({"engine": "ray"} if engine == "ray" else {})), resume=resume)
        resumed = sum(c.rows for c in store.counts)

        threads = torch.get_num_threads()
        executor = _executor(engine, runner, options, device, workers, chunk_size, address,
                             num_actors)
        job = _Job(runner, column, row_filter,
                   TopK(top, sort_by, ascending, errors_col) if top is not None else None)
        typed = _typed(output) and read_as_text(input)
        if job.ranker is None and not typed:
            job.sink = _open_sink(store, output, column)  # rows go out as their chunk finishes
        try:
            pending = None  # (index, chunk, started work): the chunk the executor is running
            source = itertools.chain([first] if first is not None else [], chunks)
            for index, chunk in enumerate(source):
                if index < store.done:  # finished by the interrupted run
                    if progress is not None:
                        progress(len(chunk))
                    continue
                chunk = with_local_rows(chunk)
                started = executor.start(readable_smiles(chunk, column))
                if pending is not None:  # finish chunk k while the executor runs chunk k+1
                    job.finish(store, *pending, executor, progress)
                pending = (index, chunk, started)
            if pending is not None:
                job.finish(store, *pending, executor, progress)
        except BaseException:
            if job.sink is not None:
                job.sink.close()
            raise
        finally:
            executor.close()
            torch.set_num_threads(threads)
        written = _publish(store, input, output, column, job.ranker, job.sink, in_columns)
        return ScreenReport(sum(c.rows for c in store.counts), sum(c.errors for c in store.counts),
                            time.perf_counter() - start, output, written,
                            sum(c.unmatched for c in store.counts), resumed)

    finally:
        lock.release()

def check_output_path(input: Path, output: Path) -> None:
    """Refuse, before any work, an output that is the input, of unknown format, or whose
    folder is missing."""
    if output.resolve() == input.resolve():
        raise InputError("the output file must differ from the input file")
    detect_format(output, WRITE_FORMATS)
    if not output.parent.is_dir():
        raise InputError(f"{output}: folder {output.parent} does not exist")


def _template(runner: Predictor | Panel, first: pd.DataFrame | None, options: RunOptions
               ) -> pd.DataFrame:
    """A zero-row frame with the output columns and dtypes (to check filters up front): the
    pipeline run on no rows, under the first chunk's columns."""
    # the first chunk's own dtypes (input columns are text), so a filter is checked faithfully
    frame = (first.iloc[:0] if first is not None else pd.DataFrame()).reset_index(drop=True)
    if options.druglike:
        clash = [c for c in DRUGLIKE_COLUMNS if c in frame.columns]
        if clash:
            raise InputError(f"the input already has column(s) {clash}, which --druglike "
                             "adds; rename them first")
    empty = runner.run_rows([], options, workers=1)  # the columns, no model run
    return runner.report(frame.iloc[:0], empty)


def _fingerprint(runner: Predictor | Panel) -> str:
    """What identifies the model(s) of a screen, for ``--resume``."""
    if isinstance(runner, Panel):
        return runner.fingerprint()
    return model_fingerprint(runner.path, runner.model)


@dataclass
class _Job:
    """What happens to each chunk after the executor ran it: report, filter, rank, save."""

    runner: Predictor | Panel
    column: str
    row_filter: RowFilter | None
    ranker: TopK | None
    sink: TableWriter | None = None
    """The output being written in the work folder, chunk by chunk (no top-K selection)."""

    def finish(self, store: ChunkStore, index: int, chunk: pd.DataFrame, started: Any,
               executor: Executor, progress: Callable[[int], None] | None) -> None:
        """Collect chunk ``index`` from the executor; report, select and checkpoint it."""
        result = self.runner.report(chunk.reset_index(drop=True), executor.collect(started))
        where = result.columns.get_loc(error_column(chunk.columns))
        for row, reason in (chunk.attrs.get(INPUT_ERRORS) or {}).items():
            result.iat[row, where] = reason  # a malformed line: the reader's reason
        row_errors = result.iloc[:, where].tolist()  # with rows predicted as NaN or infinity
        unmatched = 0
        kept = result
        if self.row_filter is not None:
            kept, unmatched = self.row_filter.apply(result)
        if self.ranker is not None:
            kept = self.ranker.select(kept)
        counts = ChunkCounts(rows=len(result), errors=sum(1 for e in row_errors if e),
                             unmatched=unmatched, kept=len(kept))
        kept = kept.reset_index(drop=True)
        store.save(index, kept, counts)
        if self.sink is not None:
            self.sink.write(kept)
        if progress is not None:
            progress(len(result))


def _executor(engine: str, runner: Predictor | Panel, options: RunOptions, device: str,
              workers: int | None, chunk_size: int, address: str | None,
              num_actors: int | None) -> Executor:
    """The executor of :mod:`molpred.screening.executors` the arguments ask for. A local pool
    is used from :data:`~molpred.names.PARALLEL_THRESHOLD` rows per chunk and 2 workers on;
    while it runs, this process keeps the cores left over (extra OpenMP threads only spin)."""
    if engine == "ray":
        return RayActors(runner, options, device, address, num_actors)
    workers = default_workers() if workers is None else max(1, workers)
    if workers > 1 and chunk_size >= PARALLEL_THRESHOLD:
        on_cpu = resolve_device(device).type == "cpu"
        torch.set_num_threads(max(1, usable_cores() - workers))
        return LocalPool(runner, options, workers, on_cpu)
    return InProcess(runner, options)


def readable_smiles(chunk: pd.DataFrame, column: str) -> list:
    """The chunk's SMILES, with ``""`` for rows the reader found malformed (their cells may be
    shifted: nothing is predicted for them; :func:`molpred.data.tolerant_csv.record_chunks`)."""
    smiles = chunk[column].tolist()
    for row in chunk.attrs.get(INPUT_ERRORS) or {}:
        smiles[row] = ""
    return smiles


def _typed(output: Path) -> bool:
    """Whether ``output`` is a typed format (Parquet): a text input's columns are written as
    numbers where every written cell is one (:func:`~molpred.data.writers.input_column_types`),
    so it is written at the end."""
    return detect_format(output, WRITE_FORMATS)[0] == "parquet"


def _open_sink(store: ChunkStore, output: Path, column: str) -> TableWriter:
    """Start the output in the work folder (moved into place by :func:`_publish`) with the
    chunks an interrupted run already finished. Writing rows as their chunk finishes keeps
    formatting and compression off the end of the run, where one core would do it alone."""
    sink = TableWriter(store.staging_path(output), smiles_col=column)
    for frame in store.frames():
        sink.write(frame)
    return sink


def _publish(store: ChunkStore, input: Path, output: Path, column: str, ranker: TopK | None,
             sink: TableWriter | None, in_columns: list[str]) -> int:
    """Move the finished output into place (``sink``), or write the best rows of the
    checkpointed chunks (``ranker``), or all of them (a Parquet output of a text input, the
    input's ``in_columns`` typed by :func:`~molpred.data.writers.input_column_types`);
    return the output's rows."""
    written = 0

    def write(path: Path) -> None:
        nonlocal written
        if sink is not None:
            sink.close()
            written = sink.rows_written
            return
        if ranker is None:  # Parquet: which text columns are numbers is known at the end
            types = input_column_types(input, store.frames(), in_columns)
            with TableWriter(path, smiles_col=column, column_types=types) as out:
                for frame in store.frames():
                    out.write(frame)
            written = out.rows_written
            return
        for frame in store.frames():
            ranker.add(frame)
        best = ranker.best if ranker.best is not None else pd.DataFrame()
        types = input_column_types(input, [best], in_columns) if _typed(path) else None
        write_table(best, path, smiles_col=column, column_types=types)
        written = len(best)

    store.publish(output, write)
    return written
