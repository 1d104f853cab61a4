"""Pool processes that featurize *and* predict, for screens on the CPU.

On a CPU the D-MPNN forward pass costs about as much as parsing, standardizing and
featurizing a molecule (about 1 ms each per core for a 34-atom library molecule). So when
the model runs on the CPU, each pool process runs the whole per-molecule pipeline on its
slice of rows, with one torch thread: parse -> standardize -> featurize -> batch -> forward.
Only SMILES go to a worker and only numbers come back (``float64 [M, n, T]`` plus one error
string per row): no graph is pickled, and the main process is left to read and write.
Every core does useful work all the time, instead of the main process waiting for graphs and
then running the forward pass while the pool idles.

With a GPU the forward pass stays in the main process (one CUDA context), and the pool only
featurizes (:func:`molpred.featurizers.featurize.start_featurization`).

The model reaches each worker once, through the pool initializer (inherited by ``fork`` on
Linux, pickled in-process by ``spawn``/``forkserver``; never read from an untrusted file).
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Sequence
from concurrent.futures import Executor, ProcessPoolExecutor

import numpy as np
import torch
from threadpoolctl import threadpool_limits

from molpred import allocator
from molpred.featurizers.featurize import FeaturizerConfig, featurize_rows, slices
from molpred.inference import predict_members
from molpred.models.ensemble import Ensemble
from molpred.models.model import MoleculeModel

_MODEL: MoleculeModel | Ensemble | None = None
"""The model of this worker process, set by :func:`_init_worker`."""


def predicting_pool(model: MoleculeModel | Ensemble, workers: int) -> ProcessPoolExecutor:
    """A process pool whose workers hold ``model`` (eval mode, one torch thread each) and end
    when this process dies (:mod:`molpred.screening.orphans`)."""
    from molpred.screening.orphans import orphan_safe_pool

    return orphan_safe_pool(workers, _init_worker, (model,))


def _init_worker(model: MoleculeModel | Ensemble) -> None:
    global _MODEL
    torch.set_num_threads(1)  # the pool has one process per core
    os.environ["MOLPRED_TREE_THREADS"] = "1"  # LightGBM too (tree models, blends)
    threadpool_limits(1)  # NumPy's BLAS too (molpred.models.cpu_gemm)
    allocator.reuse_freed_memory()  # no page faults for each batch's buffers
    _MODEL = model.eval()


def predict_rows(
    smiles: Sequence[object], config: FeaturizerConfig, batch_size: int, precision: str
) -> tuple[np.ndarray, list[str]]:
    """Featurize and predict ``smiles`` in this worker (see the module docstring).

    Returns:
        ``(members, errors)``: ``float64 [M, len(smiles), T]`` member predictions (NaN for
        rejected rows) as :func:`molpred.inference.predict_members` gives them, and one
        error string per row (``""`` when predicted).

    Raises:
        RuntimeError: if called outside a pool made by :func:`predicting_pool`.
    """
    if _MODEL is None:
        raise RuntimeError("predict_rows runs in a worker of predicting_pool()")
    rows = featurize_rows(smiles, config)
    members = predict_members(_MODEL, [arrays for arrays, _ in rows], batch_size, "cpu", precision)
    return members, [error for _, error in rows]


PredictedSlices = Iterator[tuple[np.ndarray, list[str]]]


def start_prediction(smiles: Sequence[object], config: FeaturizerConfig, batch_size: int,
                     precision: str, pool: Executor) -> PredictedSlices:
    """Submit ``smiles`` to a :func:`predicting_pool` now, in slices of
    :data:`~molpred.featurizers.featurize.SLICE_ROWS`; collect later with
    :func:`collect_predictions`."""
    parts = slices(smiles)
    n = len(parts)
    return pool.map(predict_rows, parts, [config] * n, [batch_size] * n, [precision] * n)


def collect_predictions(results: PredictedSlices, members: int, tasks: int
                        ) -> tuple[np.ndarray, list[str]]:
    """Gather the slices of :func:`start_prediction` in input order:
    ``(float64 [members, N, tasks], errors)``."""
    parts, errors = [], []
    for values, slice_errors in results:
        parts.append(values)
        errors.extend(slice_errors)
    if not parts:
        return np.empty((members, 0, tasks)), errors
    return np.concatenate(parts, axis=1), errors
