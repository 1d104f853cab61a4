"""Tree models on molecule vectors: gradient-boosted trees and random forests (LightGBM).

Both read the ``vector`` array of :mod:`molpred.featurizers.featurize`: ECFP4 counts (2048)
and the RDKit 2D descriptors (raw), ``float32 [N, V]``. One LightGBM booster per task and
member, fitted on that task's labelled rows only (multi-task with missing labels).

* ``gbdt``: gradient boosting (Friedman 2001) as LightGBM implements it (Ke et al. 2017,
  "LightGBM: A highly efficient gradient boosting decision tree"), binary log-loss or L2.
* ``rf``: a random forest (Breiman 2001) in LightGBM's ``rf`` boosting mode: bootstrap-like
  bagging (63.2 % of rows per tree), a random subset of features per node, deep trees. It is
  fitted with the L2 loss on 0/1 labels for classification too, so a leaf holds the share of
  actives among its molecules and the forest's output is a probability (a "probability
  forest", Malley et al. 2012), as scikit-learn's ``RandomForestClassifier.predict_proba``.

An ensemble of M members uses seeds ``seed + k``; ``rf`` splits its trees among the members,
so M members of 500/M trees are one forest of 500 trees whose spread is still reported. The
members' spread (``TASK_std``) measures how much the bagging seed matters; it is smaller
than a deep ensemble's spread for the same molecule.
"""

from __future__ import annotations

import math
import os
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np

from molpred.exceptions import InputError
from molpred.featurizers.featurize import FeaturizerConfig
from molpred.featurizers.vector import DESCRIPTOR_NAMES, ECFP_BITS
from molpred.names import TREE_MODELS, VECTOR_FEATURES
from molpred.tasks import task_head

TREE_FEATURIZER = FeaturizerConfig(graph=False, vector=VECTOR_FEATURES, standardize=True)
"""What tree models read: ECFP4 counts + RDKit 2D descriptors of the standardized molecule."""

RF_TREES = 500
"""Trees of a random forest in total (over all members), as the project's RF baseline."""

DEFAULT_PARAMS: dict[str, dict[str, Any]] = {
    "gbdt": {"boosting": "gbdt", "learning_rate": 0.05, "num_iterations": 400,
             "num_leaves": 31, "min_data_in_leaf": 5, "feature_fraction": 0.3,
             "bagging_fraction": 0.8, "bagging_freq": 1, "lambda_l2": 1.0, "max_bin": 63},
    "rf": {"boosting": "rf", "num_iterations": RF_TREES, "num_leaves": 2048,
           "min_data_in_leaf": 1, "bagging_fraction": 0.632, "bagging_freq": 1,
           "feature_fraction": 0.1, "feature_fraction_bynode": 0.3, "max_bin": 63,
           "lambda_l2": 0.0},
}
"""LightGBM settings per family (``num_iterations`` of ``rf`` is the forest's total, split
among members). A forest tree draws 10 % of the features and each of its nodes 30 % of
those, about 68 of 2,265 per split (scikit-learn's ``max_features="sqrt"`` would be 48): LightGBM
builds histograms for every feature a tree may use, so drawing per tree keeps the forest
about 8x faster than drawing per node alone (``feature_fraction_bynode = "sqrt"`` gives the
per-node rule). Overrides come from ``--tree-params`` or ``molpred tune``."""

TUNABLE = frozenset({"learning_rate", "num_iterations", "num_leaves", "min_data_in_leaf",
                     "feature_fraction", "feature_fraction_bynode", "bagging_fraction",
                     "lambda_l1", "lambda_l2", "max_bin", "max_depth", "min_gain_to_split"})
"""Parameters a user may override; anything else (objective, threads, seeds) is molpred's."""

DESCRIPTOR_SLICE = slice(ECFP_BITS, ECFP_BITS + len(DESCRIPTOR_NAMES))
"""Columns of ``vector`` holding the RDKit 2D descriptors (the domain's embedding)."""


@dataclass
class TreeConfig:
    """Everything needed to rebuild a tree model; saved in its ``config.json``.

    Attributes:
        encoder: ``gbdt`` or ``rf`` (named like a network's encoder so tables and cards
            treat every family alike).
        tasks: Task names, length T.
        task_type: ``classification`` or ``regression``.
        featurizer: :class:`FeaturizerConfig` as a dict (``vector`` features).
        params: LightGBM parameters (:data:`DEFAULT_PARAMS` with overrides).
        units: Unit of regression targets, or ``None``.
        extra_features: Always empty (kept so code reading ``config.extra_features`` works).

    Raises:
        InputError: for an unknown family or task type, no tasks, or unknown parameters.
    """

    encoder: str
    tasks: list[str]
    task_type: str
    featurizer: dict[str, Any] = field(default_factory=lambda: TREE_FEATURIZER.to_dict())
    params: dict[str, Any] = field(default_factory=dict)
    units: str | None = None
    extra_features: list[str] = field(default_factory=list)

    @property
    def outputs(self) -> list[str]:
        """Output columns: one per task (tree models and blends are binary or regression)."""
        return list(self.tasks)

    @property
    def classes(self) -> None:
        """No class names: tree models and blends are binary or regression (a network
        config's ``classes`` names a multiclass target's classes)."""
        return None

    def __post_init__(self) -> None:
        if self.encoder not in TREE_MODELS:
            raise InputError(f"unknown tree model {self.encoder!r}; choose {', '.join(TREE_MODELS)}")
        if not task_head(self.task_type).trees:  # InputError too for an unknown task type
            raise InputError(f"task type must be classification or regression, not {self.task_type!r}")
        if not self.tasks or not all(isinstance(t, str) and t for t in self.tasks):
            raise InputError(f"tasks must be a non-empty list of column names, not {self.tasks!r}")
        unknown = sorted(set(self.params) - TUNABLE - set(DEFAULT_PARAMS[self.encoder]))
        if unknown:
            raise InputError(f"unknown tree parameter(s) {unknown}; settable: {sorted(TUNABLE)}")
        self.params = {**DEFAULT_PARAMS[self.encoder], **self.params}

    def to_dict(self) -> dict[str, Any]:
        """The config as JSON-serializable values."""
        return asdict(self)

    @property
    def featurizer_config(self) -> FeaturizerConfig:
        """The featurizer settings, as a :class:`FeaturizerConfig`."""
        return FeaturizerConfig.from_dict(self.featurizer)


def vectors(data: Sequence[Any]) -> tuple[np.ndarray, np.ndarray]:
    """``(X float32 [n, V], rows int64 [n])``: the ``vector`` arrays of the featurized rows of
    ``data`` (``Data`` objects, array dicts or ``None``) and their positions in ``data``."""
    rows = [i for i, d in enumerate(data) if d is not None]
    if not rows:
        return np.zeros((0, 0), dtype=np.float32), np.zeros(0, dtype=np.int64)
    parts = []
    for i in rows:
        d = data[i]
        v = d["vector"] if isinstance(d, dict) else d.vector
        parts.append(np.asarray(v, dtype=np.float32).reshape(1, -1))
    return np.concatenate(parts), np.asarray(rows, dtype=np.int64)


class TreeModel:
    """M members x T tasks of LightGBM boosters (or a constant for a task that had a single
    class or no label), with the descriptor scaler the applicability domain reads.

    Behaves like a network model wherever molpred predicts: ``config`` (a
    :class:`TreeConfig`), ``members`` (length M) and :meth:`predict_with_embeddings`.

    Args:
        config: The model's :class:`TreeConfig`.
        members: ``members[k][t]`` is a ``lightgbm.Booster`` or a float (the constant
            prediction of task t: its positive rate or mean label).
        descriptor_mean, descriptor_std: ``float32 [D]`` scaler of the RDKit 2D descriptor
            block over the training molecules (the domain's embedding space).
    """

    family = "trees"
    """How :func:`molpred.models.checkpoint.save_model` stores it."""

    def __init__(self, config: TreeConfig, members: list[list[Any]],
                 descriptor_mean: np.ndarray, descriptor_std: np.ndarray) -> None:
        if not members or any(len(m) != len(config.tasks) for m in members):
            raise InputError("a tree model needs at least one member with one entry per task")
        self.config = config
        self.members = members
        self.descriptor_mean = np.asarray(descriptor_mean, dtype=np.float32)
        self.descriptor_std = np.asarray(descriptor_std, dtype=np.float32)

    def __repr__(self) -> str:
        return (f"TreeModel({self.config.encoder!r}, tasks={len(self.config.tasks)}, "
                f"members={len(self.members)})")

    def __len__(self) -> int:
        return len(self.members)

    def eval(self) -> TreeModel:
        """No-op (a network's ``eval()``), so callers treat every family alike."""
        return self

    def to(self, *_: object, **__: object) -> TreeModel:
        """No-op: trees run on the CPU (LightGBM threads)."""
        return self

    def predict_matrix(self, X: np.ndarray) -> np.ndarray:
        """Every member's predictions, ``float64 [M, n, T]``, for vectors ``X`` ``[n, V]``:
        probabilities of class 1 (classification) or values in the targets' units."""
        out = np.empty((len(self.members), len(X), len(self.config.tasks)), dtype=np.float64)
        classification = task_head(self.config.task_type).probabilities
        threads = _threads()
        for k, member in enumerate(self.members):
            for t, booster in enumerate(member):
                if isinstance(booster, float):
                    out[k, :, t] = booster
                elif len(X):
                    out[k, :, t] = booster.predict(X, num_threads=threads)
        if classification:
            np.clip(out, 0.0, 1.0, out=out)
        return out

    def embed(self, X: np.ndarray) -> np.ndarray:
        """The scaled RDKit 2D descriptors, ``float32 [n, D]`` (clipped to ±10 standard
        deviations): the space the applicability domain measures distances in."""
        z = (X[:, DESCRIPTOR_SLICE] - self.descriptor_mean) / self.descriptor_std
        return np.clip(z, -10, 10).astype(np.float32)

    def predict_with_embeddings(self, data: Sequence[Any], batch_size: int = 256,
                                device: object = "cpu", precision: str = "fp32",
                                embeddings: bool = True) -> tuple[np.ndarray, np.ndarray | None]:
        """:func:`molpred.inference.predict_with_embeddings` for trees.

        Returns:
            ``(float64 [M, N, T], float32 [1, N, D] or None)``; NaN rows where ``data``
            holds ``None``. ``batch_size``, ``device`` and ``precision`` are accepted and
            ignored (LightGBM predicts on CPU threads in float64).
        """
        X, rows = vectors(data)
        out = np.full((len(self.members), len(data), len(self.config.tasks)), np.nan)
        hidden = None
        if embeddings:
            hidden = np.full((1, len(data), len(DESCRIPTOR_NAMES)), np.nan, dtype=np.float32)
        if len(rows):
            out[:, rows] = self.predict_matrix(X)
            if hidden is not None:
                hidden[0, rows] = self.embed(X)
        return out, hidden


def _threads() -> int:
    """LightGBM threads: ``MOLPRED_TREE_THREADS`` (screening workers set 1), else
    ``MOLPRED_NUM_WORKERS`` or the usable cores."""
    from molpred.featurizers.featurize import default_workers

    env = os.environ.get("MOLPRED_TREE_THREADS", "")
    return int(env) if env.isdigit() and int(env) > 0 else default_workers()


def _objective(kind: str, task_type: str) -> str:
    """LightGBM objective: binary log-loss for boosted classification, L2 otherwise (the
    forest averages 0/1 labels into probabilities); :meth:`TaskHead.tree_objective`."""
    return task_head(task_type).tree_objective(kind)


class OutOfTime(Exception):
    """:func:`fit_tree_model` would miss its deadline (``--model auto`` then drops the family)."""


PROJECT_AFTER = 3
"""Boosters fitted before :func:`fit_tree_model` projects its end from their mean time."""


def _check_time(start: float, deadline: float, done: int, total: int) -> None:
    """Raise :class:`OutOfTime` if ``deadline`` has passed, or if ``done`` of ``total``
    boosters, fitted since ``start``, project the rest past it."""
    now = time.perf_counter()
    if now > deadline:
        raise OutOfTime(f"out of time after {done:,} of {total:,} boosters")
    if done >= PROJECT_AFTER:
        projected = (now - start) / done * total
        if start + projected > deadline:
            raise OutOfTime(f"{total:,} boosters would take about {projected:.0f} s "
                            f"({done:,} took {now - start:.1f} s)")


def fit_tree_model(
    kind: str,
    X: np.ndarray,
    y: np.ndarray,
    tasks: Sequence[str],
    task_type: str,
    members: int = 3,
    seed: int = 0,
    params: dict[str, Any] | None = None,
    units: str | None = None,
    progress: Callable[[str], None] | None = None,
    featurizer: FeaturizerConfig = TREE_FEATURIZER,
    deadline: float | None = None,
) -> TreeModel:
    """Fit one booster per member and task on the labelled rows of each task.

    Args:
        kind: ``gbdt`` or ``rf``.
        X: ``float32 [n, V]`` vectors of the training molecules (``TREE_FEATURIZER``).
        y: ``float [n, T]`` labels, NaN = missing.
        tasks, task_type, units: As the dataset's.
        members: Ensemble members M (seeds ``seed + k``).
        seed: Base random seed.
        params: Overrides of :data:`DEFAULT_PARAMS` (keys in :data:`TUNABLE`).
        progress: Called with a short message after each member.
        featurizer: How ``X`` was computed (saved with the model, so prediction computes
            the same vectors; e.g. without standardization).
        deadline: A ``time.perf_counter()`` value the fit must end by (``--model auto``'s
            time budget): after :data:`PROJECT_AFTER` boosters, the mean time per booster so
            far projects the rest, and a fit that would end after ``deadline`` stops at once
            (:class:`OutOfTime`); none is started after it.

    Returns:
        The fitted :class:`TreeModel`.

    Raises:
        InputError: for an unknown family, bad parameters, ``members`` < 1, or shapes that
            do not match.
        OutOfTime: when the fit would end, or is still running, after ``deadline`` (the
            boosters fitted so far are dropped).
    """
    import lightgbm as lgb

    if members < 1:
        raise InputError(f"members must be at least 1, not {members}")
    y = np.asarray(y, dtype=np.float64)
    if X.ndim != 2 or y.ndim != 2 or len(X) != len(y) or y.shape[1] != len(tasks):
        raise InputError(f"vectors {X.shape} and labels {y.shape} do not match {len(tasks)} tasks")
    config = TreeConfig(kind, list(tasks), task_type, featurizer.to_dict(),
                        params=dict(params or {}), units=units)
    base = _booster_params(config, X.shape[1], members)
    descriptors = X[:, DESCRIPTOR_SLICE].astype(np.float64)
    mean, std = descriptors.mean(axis=0), descriptors.std(axis=0)
    std = np.where(std > 1e-6, std, 1.0)
    full = lgb.Dataset(X, free_raw_data=False, params={"max_bin": base["max_bin"],
                                                       "verbose": -1}).construct()
    fitted: list[list[Any]] = []
    start, total = time.perf_counter(), members * len(tasks)
    for k in range(members):
        member: list[Any] = []
        for t in range(len(tasks)):
            if deadline is not None:
                _check_time(start, deadline, k * len(tasks) + t, total)
            rows = np.flatnonzero(np.isfinite(y[:, t]))
            labels = y[rows, t]
            if len(rows) < 2 or np.ptp(labels) == 0:  # one class, or one value
                prior = float(labels.mean()) if len(rows) else task_head(task_type).empty_value
                member.append(prior)
                continue
            part = lgb.Dataset(X[rows], label=labels, reference=full,  # full's bins
                               params={"verbose": -1})
            member.append(lgb.train({**base, "seed": seed + k}, part))
        fitted.append(member)
        if progress is not None:
            progress(f"{kind}: member {k + 1} of {members} fitted")
    return TreeModel(config, fitted, mean.astype(np.float32), std.astype(np.float32))


def _booster_params(config: TreeConfig, width: int, members: int) -> dict[str, Any]:
    """LightGBM parameter dict for one member's boosters."""
    p = dict(config.params)
    if p.get("feature_fraction_bynode") == "sqrt":
        p["feature_fraction_bynode"] = max(1.0 / width, math.sqrt(width) / width)
    if config.encoder == "rf":
        p["num_iterations"] = max(1, math.ceil(int(p["num_iterations"]) / members))
    p.update(objective=_objective(config.encoder, config.task_type), verbose=-1,
             num_threads=_threads(), deterministic=True, force_col_wise=True)
    return p
