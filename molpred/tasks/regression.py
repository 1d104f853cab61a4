"""Regression, one value per task in the dataset's units (trained standardized)."""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import torch
from torch import Tensor

from molpred.tasks.base import TaskHead, labelled_columns, masked_mean, mean_score


class RegressionHead(TaskHead):
    """Real-valued targets; the network predicts standardized values (train mean and std per
    task, stored in the model) and reports them in units; scored by RMSE."""

    name = "regression"
    metric = "rmse"
    higher_is_better = False
    scales_targets = True
    conformal_sets = False
    trees = True
    error_name = "RMSE"
    error_signals = ("extremity",)

    def inferred_from(self, classes: Sequence[str] | None) -> str:
        return "inferred from the labels (not all 0/1; --task classification to override)"

    def label_note(self, y: np.ndarray, tasks: Sequence[str], classes: Sequence[str] | None,
                   carded: bool) -> str:
        """For a file: a target of a few whole numbers may be classes; say how to train so."""
        if carded:
            return ""
        from molpred.tasks.multiclass import INFERRED_MAX_CLASSES

        note = ""
        for t, task in enumerate(tasks):
            values = np.unique(y[:, t][~np.isnan(y[:, t])])
            if 2 < len(values) <= INFERRED_MAX_CLASSES and np.all(values == np.round(values)):
                shown = ", ".join(f"{v:g}" for v in values)
                note += (f"; note: {task} holds only the whole numbers {shown}: trained as a "
                         "number (regression); if they are classes, train it alone "
                         "(--target NAME) or with --task multiclass")
        return note

    def loss(self, raw: Tensor, target: Tensor, pos_weight: Tensor | None = None) -> Tensor:
        """Squared error on standardized values."""
        known = ~torch.isnan(target)
        filled = torch.where(known, target, torch.zeros_like(target))
        return masked_mean((raw.float() - filled) ** 2, known)

    def transform(self, raw: Tensor, target_mean: Tensor, target_std: Tensor) -> Tensor:
        """De-standardize: ``raw * std + mean``."""
        return raw * target_std + target_mean

    def scale_target(self, y: Tensor, target_mean: Tensor, target_std: Tensor) -> Tensor:
        return (y - target_mean) / target_std

    def score(self, y_true: np.ndarray, y_pred: np.ndarray, tasks: list[str]) -> dict:
        """RMSE per task in its units, and their mean."""
        per_task: dict[str, float] = {}
        for task, y, p in labelled_columns(y_true, y_pred, tasks):
            if not np.isfinite(p).all():
                per_task[task] = float("nan")
            elif len(y):
                per_task[task] = math.sqrt(float(np.mean((y - p) ** 2)))
        return mean_score(self.metric, per_task)

    def pair_errors(self, values: np.ndarray, labels: np.ndarray) -> np.ndarray:
        """Absolute error ``|y_hat - y|`` in the task's units."""
        return np.abs(np.asarray(values, dtype=np.float64) - np.asarray(labels, dtype=np.float64))

    def error_ratio(self, errors: np.ndarray, relative: np.ndarray, out: np.ndarray,
                    inside: np.ndarray) -> float:
        """Ratio of RMSEs of the task-relative errors (tasks in different units pool)."""
        return float(np.sqrt((relative[out] ** 2).mean()
                             / max((relative[inside] ** 2).mean(), 1e-12)))

    def has_support(self, y: np.ndarray, min_rows: int, min_minority: int) -> np.ndarray:
        return np.isfinite(y).sum(axis=0) >= min_rows

    sklearn_type = "regressor"

    def fit_calibration(self, members: np.ndarray, labels: np.ndarray,
                        mean: np.ndarray | None = None):
        """No calibration map; the arrays add the members' spread (``sigmas``) when the members
        predicted these molecules held out (no ``mean``). Given out-of-fold ``mean`` values,
        the members trained on most of the molecules, so their spread follows each one's own
        error, not how they disagree on a new molecule: no ``sigmas``, and the intervals are
        not normalized (:class:`~molpred.trust.conformal.RegressionConformal`)."""
        arrays = {"values": members.mean(axis=0) if mean is None else mean, "labels": labels}
        if mean is None:
            arrays["sigmas"] = members.std(axis=0)
        return np.tile([1.0, 0.0], (arrays["values"].shape[1], 1)), arrays, {}

    def calibrate(self, mean: np.ndarray, platt: np.ndarray,
                  maps: dict[int, np.ndarray]) -> np.ndarray:
        """Values are returned unchanged."""
        return mean

    def conformal_predictors(self, val: dict[str, np.ndarray], n_tasks: int, kind: str) -> list:
        """An interval predictor per task (by similarity bin for ``similarity``), normalized by
        the members' spread when the arrays hold it (``sigmas``; a cross-fitted model's do
        not: :class:`~molpred.trust.conformal.RegressionConformal`)."""
        from molpred.trust.conformal import RegressionConformal

        out = []
        for t in range(n_tasks):
            known = np.isfinite(val["labels"][:, t]) & np.isfinite(val["values"][:, t])
            similarity = val["similarity"][known] if kind == "similarity" else None
            sigmas = val["sigmas"][known, t] if "sigmas" in val else None  # None: auto's
            out.append(RegressionConformal(val["values"][known, t], val["labels"][known, t],
                                           sigmas, similarity))
        return out

    def tree_objective(self, kind: str) -> str:
        """L2."""
        return "regression"
