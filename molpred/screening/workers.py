"""Pool processes that featurize *and* predict, for screens on the CPU.

On a CPU the D-MPNN forward pass costs about as much as parsing, standardizing and
featurizing a molecule (about 1 ms each per core for a 34-atom library molecule). So when
the model runs on the CPU, each pool process runs the whole per-molecule pipeline on its
slice of rows, with one torch thread: the whole pipeline of :mod:`molpred.pipeline` (parse
and standardize once -> features -> forward -> trust columns). Only SMILES go to a worker and
only numbers and short strings come back (a :class:`~molpred.pipeline.run.Predicted`): no
graph is pickled, and the main process is left to read and write.
Every core does useful work all the time, instead of the main process waiting for graphs and
then running the forward pass while the pool idles.

With a GPU the forward pass stays in the main process (one CUDA context), and the pool only
runs stages 1-2 (:func:`molpred.pipeline.features.featurize`; :mod:`molpred.screening.executors`).

The model reaches each worker once, through the pool initializer (inherited by ``fork`` on
Linux, pickled in-process by ``spawn``/``forkserver``; never read from an untrusted file).
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Sequence
from concurrent.futures import Executor, ProcessPoolExecutor

import torch
from threadpoolctl import threadpool_limits

from molpred import allocator
from molpred.featurizers.featurize import SLICE_ROWS, slices
from molpred.pipeline.run import RunOptions

_RUNNER = None
"""The model (a :class:`~molpred.predictor.Predictor`, trust files included) or the
:class:`~molpred.panel.runner.Panel` of this worker process, set by :func:`init_worker`."""


def predicting_pool(runner, workers: int) -> ProcessPoolExecutor:
    """A process pool whose workers hold ``runner`` (a loaded model or a panel; eval mode,
    one torch thread each) and end when this process dies (:mod:`molpred.screening.orphans`)."""
    from molpred.screening.orphans import orphan_safe_pool

    return orphan_safe_pool(workers, init_worker, (runner,))


def init_worker(runner) -> None:
    """Make this process a worker holding ``runner``: one torch, LightGBM and BLAS thread
    (the pool has one process per core; a Ray actor on the CPU calls this too, so that both
    executors sum in the same order), freed memory reused, the models in eval mode."""
    global _RUNNER
    torch.set_num_threads(1)  # the pool has one process per core
    os.environ["MOLPRED_TREE_THREADS"] = "1"  # LightGBM too (tree models, blends)
    threadpool_limits(1)  # NumPy's BLAS too (molpred.models.cpu_gemm)
    allocator.reuse_freed_memory()  # no page faults for each batch's buffers
    for predictor in getattr(runner, "predictors", [runner]):
        predictor.model.eval()
    _RUNNER = runner


def predict_rows(smiles: Sequence[object], options: RunOptions):
    """Run the pipeline's stages 1-3 on ``smiles`` in this worker (see the module docstring):
    parse once, featurize, predict, add the trust columns ``options`` asks for.

    Returns:
        What the runner's ``run_rows`` gives for ``len(smiles)`` rows: a
        :class:`~molpred.pipeline.run.Predicted` (or the panel's
        :class:`~molpred.panel.runner.PanelPredicted`).

    Raises:
        RuntimeError: if called outside a pool made by :func:`predicting_pool`.
    """
    if _RUNNER is None:
        raise RuntimeError("predict_rows runs in a worker of predicting_pool()")
    return _RUNNER.run_rows(smiles, options, workers=1)


def start_prediction(smiles: Sequence[object], options: RunOptions, pool: Executor,
                     size: int = SLICE_ROWS) -> Iterator:
    """Submit ``smiles`` to a :func:`predicting_pool` now, in slices of ``size`` rows
    (default :data:`~molpred.featurizers.featurize.SLICE_ROWS`); collect later with
    :func:`collect_predictions`."""
    parts = slices(smiles, size)
    return pool.map(predict_rows, parts, [options] * len(parts))


def collect_predictions(results: Iterator, runner):
    """Gather the slices of :func:`start_prediction` in input order (``runner.concat``)."""
    return runner.concat(list(results))
