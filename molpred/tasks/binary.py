"""Binary classification, one sigmoid output per task (MoleculeNet's multi-task sets)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F
from torch import Tensor

from molpred.exceptions import InputError
from molpred.tasks.base import TaskHead, labelled_columns, masked_mean, mean_score


class BinaryHead(TaskHead):
    """0/1 labels per task; outputs are P(class 1); scored by ROC-AUC (tasks with one class
    among the labels are skipped) and PRC-AUC (average precision), as ``score.py``."""

    name = "classification"
    metric = "roc_auc"
    probabilities = True
    weights_classes = True
    trees = True
    error_name = "Brier score"
    error_signals = ("ambiguity",)

    def check_labels(self, y: np.ndarray, frame: Any, targets: Sequence[str], source: str) -> None:
        """Every label 0 or 1.

        Raises:
            InputError: naming the first other cell (column, row, value) and how many more.
        """
        bad = ~np.isnan(y) & ~np.isin(y, (0.0, 1.0))
        if bad.any():
            row, task = (int(i) for i in np.argwhere(bad)[0])
            others = int(bad.sum()) - 1
            col = targets[task]
            cell = frame[col].iloc[row]
            shown = repr(cell) if isinstance(cell, str) else f"{float(cell):g}"
            raise InputError(
                f"{source}: classification targets must be 0/1; target column {col!r}, "
                f"row {row + 1} holds {shown}"
                + (f" ({others} more such cell{'s' if others > 1 else ''})" if others else "")
                + "; continuous values need task type regression")

    def inferred_from(self, classes: Sequence[str] | None) -> str:
        return "inferred from the labels (every value 0 or 1; --task regression to override)"

    def loss(self, raw: Tensor, target: Tensor, pos_weight: Tensor | None = None) -> Tensor:
        """Binary cross-entropy with logits (``BCEWithLogitsLoss(pos_weight=...)``)."""
        known = ~torch.isnan(target)
        filled = torch.where(known, target, torch.zeros_like(target))
        loss = F.binary_cross_entropy_with_logits(raw.float(), filled, reduction="none",
                                                  pos_weight=pos_weight)
        return masked_mean(loss, known)

    def transform(self, raw: Tensor, target_mean: Tensor, target_std: Tensor) -> Tensor:
        """Sigmoid."""
        return torch.sigmoid(raw)

    def score(self, y_true: np.ndarray, y_pred: np.ndarray, tasks: list[str]) -> dict:
        """ROC-AUC per task, their mean, and the mean PRC-AUC (``prc_auc``)."""
        # here, not at the top: scikit-learn's import takes ~1 s that prediction never needs
        from sklearn.metrics import average_precision_score, roc_auc_score

        per_task: dict[str, float] = {}
        prc: list[float] = []
        for task, y, p in labelled_columns(y_true, y_pred, tasks):
            if not np.isfinite(p).all():
                per_task[task] = float("nan")
                prc.append(float("nan"))
            elif len(set(y)) == 2:
                per_task[task] = float(roc_auc_score(y, p))
                prc.append(float(average_precision_score(y, p)))
        return mean_score(self.metric, per_task,
                          prc_auc=float(np.mean(prc)) if prc else float("nan"))

    @property
    def empty_value(self) -> float:
        return 0.5

    def pair_errors(self, values: np.ndarray, labels: np.ndarray) -> np.ndarray:
        """Brier ``(p - y)^2``."""
        return (np.asarray(values, dtype=np.float64) - np.asarray(labels, dtype=np.float64)) ** 2

    def error_ratio(self, errors: np.ndarray, relative: np.ndarray, out: np.ndarray,
                    inside: np.ndarray) -> float:
        """Ratio of mean Brier scores."""
        return float(errors[out].mean() / max(errors[inside].mean(), 1e-12))

    learnable_needs = "2 molecules of each class"

    def unlearnable(self, known: np.ndarray) -> str | None:
        """Why a 0/1 column gives nothing to learn (fewer than 2 molecules of a class, e.g.
        every label 0), or ``None``."""
        positives, negatives = int((known == 1).sum()), int((known == 0).sum())
        if min(positives, negatives) >= 2:
            return None
        return (f"{len(known)} label{'s' if len(known) != 1 else ''}, {positives} of class 1 "
                f"and {negatives} of class 0")

    def has_support(self, y: np.ndarray, min_rows: int, min_minority: int) -> np.ndarray:
        positives = np.nansum(y == 1, axis=0)
        negatives = np.nansum(y == 0, axis=0)
        return np.minimum(positives, negatives) >= min_minority

    sklearn_type = "classifier"

    def sklearn_classes(self, n_tasks: int, classes: Sequence[str] | None) -> np.ndarray | None:
        """``[0, 1]`` for a single task (several tasks: scikit-learn's multi-output has none)."""
        return np.array([0, 1]) if n_tasks == 1 else None

    def sklearn_predict(self, values: np.ndarray, classes: np.ndarray | None) -> np.ndarray:
        return np.where(np.isnan(values), np.nan, (values >= 0.5).astype(np.float64))

    def fit_calibration(self, members: np.ndarray, labels: np.ndarray,
                        mean: np.ndarray | None = None):
        """None, Platt, Venn-ABERS or isotonic per task, as cross-validation chooses
        (:func:`molpred.trust.calibration.fit_calibration`)."""
        from molpred.trust.calibration import calibrate_binary

        return calibrate_binary(members.mean(axis=0) if mean is None else mean, labels)

    def calibrate(self, mean: np.ndarray, platt: np.ndarray,
                  maps: dict[int, np.ndarray]) -> np.ndarray:
        from molpred.trust.calibration import apply_calibration

        return apply_calibration(mean, platt, maps)

    def conformal_predictors(self, val: dict[str, np.ndarray], n_tasks: int, kind: str) -> list:
        """A class-conditional (Mondrian) set predictor per task, by similarity bin for
        ``kind == "similarity"``."""
        from molpred.trust.conformal import ClassConformal

        out = []
        for t in range(n_tasks):
            known = np.isfinite(val["labels"][:, t]) & np.isfinite(val["values"][:, t])
            similarity = val["similarity"][known] if kind == "similarity" else None
            out.append(ClassConformal(val["values"][known, t], val["labels"][known, t], kind,
                                      similarity))
        return out

    def set_membership(self, predictors: list, values: np.ndarray, confidence: float,
                       similarity: np.ndarray | None) -> np.ndarray:
        """``bool [N, T, 2]`` from calibrated probabilities ``[N, T]``."""
        return np.stack([c.predict_set(values[:, t], confidence, similarity)
                         for t, c in enumerate(predictors)], axis=1)

    def set_labels(self, included: np.ndarray, values: np.ndarray,
                   classes: Sequence[str] | None) -> list[list[str]]:
        from molpred.trust.conformal import set_labels

        return [set_labels(included[:, t], np.isfinite(values[:, t]))
                for t in range(included.shape[1])]

    def tree_objective(self, kind: str) -> str:
        """Binary log-loss for boosting; L2 on 0/1 labels for the forest (its leaves then
        hold active fractions)."""
        return "binary" if kind == "gbdt" else "regression"
