"""Fit a tree model (``gbdt``, ``rf``) on a split of a prepared dataset."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from molpred.exceptions import InputError
from molpred.models.trees.model import TreeModel, fit_tree_model, vectors
from molpred.training.prepare import PreparedDataset


@dataclass
class TreeFit:
    """What :func:`fit_trees` returns; mirrors :class:`~molpred.training.fit.FitResult` where
    a table reads both (trees have no epochs: ``best_epoch`` 0, ``epochs_run`` 1)."""

    model: TreeModel
    seconds: float
    best_epoch: int = 0
    epochs_run: int = 1
    best_val_score: float = float("nan")
    global_rank: int = 0


def fit_trees(prepared: PreparedDataset, split: dict, kind: str, members: int = 3,
              seed: int = 0, params: dict[str, Any] | None = None,
              progress: Callable[[str], None] | None = None) -> TreeFit:
    """Fit ``kind`` on the featurized rows of ``split["train"]`` (validation rows are left
    for calibration, conformal prediction and the domain, as for the networks).

    Args:
        prepared: Featurized with a ``vector`` (:data:`~molpred.models.trees.model.TREE_FEATURIZER`).
        split: ``{"train": int64 [n] rows, ...}``.
        kind: ``gbdt`` or ``rf``.
        members, seed, params: As :func:`~molpred.models.trees.model.fit_tree_model`.

    Raises:
        InputError: if the dataset was featurized without vectors or the train part has no
            usable molecule.
    """
    if not prepared.featurizer.vector:
        raise InputError(f"{kind} reads ECFP4 counts and RDKit descriptors; this dataset was "
                         "featurized without them")
    rows = np.asarray(split["train"])
    X, kept = vectors([prepared.data[i] for i in rows])
    if not len(kept):
        raise InputError("the train part of the split has no valid molecule")
    start = time.perf_counter()
    model = fit_tree_model(kind, X, prepared.y[rows[kept]], prepared.tasks, prepared.task_type,
                           members=members, seed=seed, params=params, units=prepared.units,
                           progress=progress, featurizer=prepared.featurizer)
    return TreeFit(model, time.perf_counter() - start)
