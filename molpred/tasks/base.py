"""What every task head provides (:class:`TaskHead`)."""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from typing import Any

import numpy as np
from torch import Tensor

from molpred.exceptions import InputError


def masked_mean(loss: Tensor, known: Tensor) -> Tensor:
    """Mean of ``loss`` over the ``known`` entries (0 with gradient when none is)."""
    return (loss * known).sum() / known.sum().clamp_min(1)


def labelled_columns(y_true: np.ndarray, y_pred: np.ndarray, tasks: Sequence[str]):
    """``(task, labels, predictions)`` per task, ``float64`` over the rows with a label."""
    for j, task in enumerate(tasks):
        y = np.asarray(y_true[:, j], dtype=float)
        known = ~np.isnan(y)
        yield task, y[known], np.asarray(y_pred[:, j], dtype=float)[known]


def mean_score(metric: str, per_task: dict[str, float], **more: float) -> dict:
    """The score record of :meth:`TaskHead.score`: the mean over the scored tasks (NaN
    when none could be)."""
    score = float(np.mean(list(per_task.values()))) if per_task else float("nan")
    return {"metric": metric, "score": score, "tasks_scored": len(per_task), "tasks": per_task,
            **more}


class TaskHead:
    """The meaning of one task type: loss, output transform, metric, prior, error.

    Attributes:
        name: The task type's name as saved in model configs (``classification``, ...).
        metric: The benchmark metric (``roc_auc`` or ``rmse``).
        higher_is_better: Whether a larger ``metric`` is better.
        probabilities: The outputs are probabilities (rather than values in units).
        scales_targets: Targets are standardized for training (regression).
        weights_classes: ``--class-weight balanced`` applies (binary classification).
        trees: Tree models (``gbdt``/``rf``) and blends can learn it.
        error_name: What :meth:`pair_errors` measures, for reports (``Brier score``, ``RMSE``).
        error_signals: The error-model signals that exist only for this task type
            (``ambiguity`` for probabilities of class 1, ``extremity`` for values).
        error_model: An expected-error model can be fitted (not for a multiclass target).
        conformal_sets: Conformal prediction gives sets of classes (``False``: intervals).
        outputs_independent: Each output column is calibrated on its own (binary tasks,
            regression); a multiclass target's C probabilities are calibrated together.
    """

    name: str = ""
    metric: str = ""
    higher_is_better: bool = True
    probabilities: bool = False
    scales_targets: bool = False
    weights_classes: bool = False
    trees: bool = False
    error_name: str = ""
    error_signals: tuple[str, ...] = ()
    error_model: bool = True
    conformal_sets: bool = True
    outputs_independent: bool = True

    def output_names(self, tasks: Sequence[str], classes: Sequence[str] | None) -> list[str]:
        """The model's output columns: one per task (a multiclass head: one per class)."""
        return list(tasks)

    def check_targets(self, tasks: Sequence[str], classes: Sequence[str] | None) -> None:
        """Refuse targets this task type cannot have.

        Raises:
            InputError: class names given to a binary or regression model.
        """
        if classes is not None:
            raise InputError(f"classes are for multiclass models, not {self.name}")

    def check_labels(self, y: np.ndarray, frame: Any, targets: Sequence[str], source: str) -> None:
        """Refuse labels this task type cannot learn (``y`` ``float [N, T]`` as read from
        ``frame``'s ``targets`` columns; NaN = missing).

        Raises:
            InputError: naming the column, the row and the value.
        """

    def encode_labels(self, y: np.ndarray, source: str, task: str,
                      classes: Sequence[str] | None = None) -> tuple[np.ndarray, list[str] | None]:
        """Labels as the model learns them, and class names (multiclass; else ``None``)."""
        return y, None

    def inferred_from(self, classes: Sequence[str] | None) -> str:
        """Why the labels were read as this task type, for the line training prints."""
        raise NotImplementedError

    def label_note(self, y: np.ndarray, tasks: Sequence[str], classes: Sequence[str] | None,
                   carded: bool) -> str:
        """More about the labels for that line (``""`` for nothing; ``carded``: the task
        type came from a dataset card)."""
        return ""

    def loss(self, raw: Tensor, target: Tensor, pos_weight: Tensor | None = None) -> Tensor:
        """Mean loss over the labelled entries of a batch (NaN labels contribute nothing).

        Args:
            raw: ``float32 [B, T]`` model outputs (``[B, C]`` for a multiclass target).
            target: ``float32 [B, T]`` labels, as :meth:`scale_target` gives them, NaN where
                missing (``[B, 1]`` class indices for a multiclass target).
            pos_weight: ``float32 [T]`` positive-label weights (binary only; ``None`` = 1).

        Returns:
            A scalar tensor; 0 (with gradient) for a batch without labels.
        """
        raise NotImplementedError

    def transform(self, raw: Tensor, target_mean: Tensor, target_std: Tensor) -> Tensor:
        """Raw outputs -> probabilities or values in the task's units (same shape)."""
        raise NotImplementedError

    def scale_target(self, y: Tensor, target_mean: Tensor, target_std: Tensor) -> Tensor:
        """Labels as the loss reads them (regression: standardized; others unchanged)."""
        return y

    def score(self, y_true: np.ndarray, y_pred: np.ndarray, tasks: list[str]) -> dict:
        """Benchmark scores; see :func:`molpred.training.metrics.score_predictions`."""
        raise NotImplementedError

    def prior(self, y: np.ndarray, n_outputs: int | None = None) -> np.ndarray:
        """The fallback prediction per output from training labels ``y`` (NaN = missing),
        ``float64 [outputs]``: for rows RDKit cannot read; see
        :func:`molpred.training.evaluate.label_prior`."""
        with np.errstate(all="ignore"), warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)  # a task without labels: NaN
            prior = np.nanmean(y, axis=0) if y.size else np.zeros(y.shape[1])
        return np.nan_to_num(prior, nan=self.empty_value)

    def fallback(self, n_outputs: int) -> np.ndarray:
        """``float64 [n_outputs]``: the prediction a trained model alone can give without
        its training labels (0.5 per binary task; uniform over classes; regression models
        use their stored target means instead)."""
        return np.full(n_outputs, self.empty_value)

    @property
    def empty_value(self) -> float:
        """The prediction of a task without any label (0.5, or 0.0 in units)."""
        return 0.0

    def pair_errors(self, values: np.ndarray, labels: np.ndarray) -> np.ndarray:
        """Error per (molecule, task), ``float64 [N, T]``, NaN where either is missing."""
        raise NotImplementedError

    def error_ratio(self, errors: np.ndarray, relative: np.ndarray, out: np.ndarray,
                    inside: np.ndarray) -> float:
        """Error of the ``out`` pairs over that of the ``inside`` pairs (``bool`` masks of
        ``errors`` ``[n, T]``, :meth:`pair_errors`; ``relative``: the same divided by each
        task's mean error)."""
        raise NotImplementedError

    learnable_needs = "3 labels, not all equal"
    """What :meth:`unlearnable` asks of a target column, for messages."""

    def unlearnable(self, known: np.ndarray) -> str | None:
        """Why a target column whose labels are ``known`` (``float [n]``, no NaN) gives
        nothing to learn (fewer than 3 labels, or one value), or ``None``."""
        values = np.unique(known)
        if len(known) >= 3 and values.size >= 2:
            return None
        plural = "s" if len(known) != 1 else ""
        return f"{len(known)} label{plural}" + (f", every one {values[0]:g}"
                                                 if values.size == 1 else "")

    def has_support(self, y: np.ndarray, min_rows: int, min_minority: int) -> np.ndarray:
        """``bool [T]``: tasks whose labels ``y`` ``[N, T]`` can carry a setting of their own:
        at least ``min_rows`` labels (regression) or ``min_minority`` of the rarer class."""
        raise NotImplementedError

    def tree_objective(self, kind: str) -> str:
        """LightGBM objective of a ``gbdt`` or ``rf`` model for this task type."""
        raise NotImplementedError

    def extra_columns(self, values: np.ndarray, targets: Sequence[str],
                      classes: Sequence[str] | None) -> dict[str, list]:
        """Columns a prediction table adds from the outputs ``values`` ``[N, outputs]``
        before the trust columns (a multiclass target: its most probable class)."""
        return {}

    # --- scikit-learn (molpred.sklearn) ---

    sklearn_type: str = ""
    """scikit-learn's estimator type: ``classifier`` or ``regressor``."""

    def sklearn_classes(self, n_tasks: int, classes: Sequence[str] | None) -> np.ndarray | None:
        """``classes_`` of a fitted estimator (``None``: it has none)."""
        return None

    def sklearn_predict(self, values: np.ndarray, classes: np.ndarray | None) -> np.ndarray:
        """``predict``'s answer from the outputs ``float64 [N, outputs]``: values, 0/1 labels
        at probability 0.5, or the most probable class (NaN rows stay NaN)."""
        return values

    # --- trust: calibration and conformal prediction (molpred.trust) ---

    def fit_calibration(
        self, members: np.ndarray, labels: np.ndarray, mean: np.ndarray | None = None,
    ) -> tuple[np.ndarray, dict[str, np.ndarray], dict[int, np.ndarray]]:
        """``(Platt or temperature parameters, validation arrays, monotone calibration maps)`` from
        held-out member predictions ``float [M, n, T]`` (or a held-out ``mean`` ``[n, T]``,
        e.g. out-of-fold predictions, beside members that saw the molecules) and held-out
        labels ``[n, T]``; the arrays (``values``, ``labels``, and for intervals ``sigmas``,
        the held-out members' spread) feed :meth:`conformal_predictors`."""
        raise NotImplementedError

    def calibrate(self, mean: np.ndarray, platt: np.ndarray,
                  maps: dict[int, np.ndarray]) -> np.ndarray:
        """Calibrated outputs ``float64`` from the members' mean (same shape)."""
        raise NotImplementedError

    def conformal_predictors(self, val: dict[str, np.ndarray], n_tasks: int, kind: str) -> list:
        """One conformal predictor per task from the validation arrays of
        :meth:`fit_calibration` (``kind``: ``similarity``, ``mondrian`` or ``marginal``, as
        :data:`molpred.trust.conformal.CONFORMAL_KINDS`)."""
        raise NotImplementedError

    def set_membership(self, predictors: list, values: np.ndarray, confidence: float,
                       similarity: np.ndarray | None) -> np.ndarray:
        """``bool [N, T, C]``: whether each class is in each molecule's conformal set."""
        raise ValueError(f"a {self.name} model gives conformal intervals, not sets")

    def set_labels(self, included: np.ndarray, values: np.ndarray,
                   classes: Sequence[str] | None) -> list[list[str]]:
        """:meth:`set_membership` as text per output column (``"0,1"``, ``"empty"``, ``""``)."""
        raise ValueError(f"a {self.name} model gives conformal intervals, not sets")

    def __repr__(self) -> str:
        return f"{type(self).__name__}()"
