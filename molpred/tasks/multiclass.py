"""One target of C >= 3 classes, a softmax over C outputs (Chemprop's ``multiclass``)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import torch
import torch.nn.functional as F
from torch import Tensor

from molpred.exceptions import InputError
from molpred.tasks.base import TaskHead

MAX_CLASSES = 20
"""Most classes a multiclass target may have; a target with more whole-number values is a
number (regression) unless ``--task multiclass`` says otherwise."""
INFERRED_MAX_CLASSES = 10
"""Most distinct whole numbers a target may hold to be inferred multiclass."""
CLASS_PREFIX = "_p"
"""Infix of a class-probability column: ``TARGET_pCLASS``."""
CLASS_SUFFIX = ""
"""Suffix of the predicted-class column of a multiclass target: none, the column takes the
target's name (``_pred`` is added where the input has a column of that name)."""


def class_name(value: float) -> str:
    """How a numeric class label is written: ``2.0`` -> ``"2"``, ``1000001.0`` ->
    ``"1000001"``, ``0.5`` -> ``"0.5"`` (whole numbers in full, others as Python's shortest
    round-trip repr, so distinct labels keep distinct names)."""
    value = float(value)
    return str(int(value)) if value.is_integer() else repr(value)


def class_indices(y: np.ndarray, source: str, task: str,
                  classes: Sequence[str] | None = None) -> tuple[np.ndarray, list[str]]:
    """A multiclass target's labels as class indices.

    Args:
        y: ``float [N, 1]`` labels as read, NaN = missing.
        source, task: For messages.
        classes: The class names to map onto (a trained model's); default: the distinct
            values of ``y``, ascending.

    Returns:
        ``(float32 [N, 1] indices with NaN kept, class names)``.

    Raises:
        InputError: with more than one target column, fewer than 3 or more than
            :data:`MAX_CLASSES` classes, or a label outside
            ``classes`` (naming its row).
    """
    if y.shape[1] != 1:
        raise InputError(f"{source}: a multiclass model takes one target column, not "
                         f"{y.shape[1]}; train one model per multiclass target (--target NAME)")
    column = y[:, 0]
    known = ~np.isnan(column)
    names = [class_name(v) for v in column[known]]
    if classes is None:
        classes = [class_name(v) for v in np.unique(column[known])]
        if not 3 <= len(classes) <= MAX_CLASSES:
            raise InputError(f"{source}: target {task!r} holds {len(classes)} distinct value(s); "
                             f"multiclass takes 3 to {MAX_CLASSES} classes (two classes: "
                             "--task classification with 0/1 labels)")
    position = {c: i for i, c in enumerate(classes)}
    out = np.full((len(column), 1), np.nan, dtype=np.float32)
    rows = np.flatnonzero(known)
    for row, name in zip(rows, names, strict=True):
        if name not in position:
            raise InputError(f"{source}: target {task!r}, row {row + 1} holds {name}, not one of "
                             f"the classes {', '.join(classes)}")
        out[row, 0] = position[name]
    return out, list(classes)


class MulticlassHead(TaskHead):
    """Labels are class indices 0..C-1 (``[N, 1]``); outputs are C class probabilities;
    scored by the macro mean of one-vs-rest ROC-AUCs (scikit-learn's
    ``roc_auc_score(multi_class="ovr")``; Hand & Till 2001 discuss the alternatives), with
    PRC-AUC and accuracy beside it."""

    name = "multiclass"
    metric = "roc_auc"
    probabilities = True
    error_name = "Brier score"
    error_model = False
    outputs_independent = False

    def output_names(self, tasks: Sequence[str], classes: Sequence[str] | None) -> list[str]:
        """``TARGET_pCLASS`` per class, in class order (``toxicity_class_p2``)."""
        return [f"{tasks[0]}{CLASS_PREFIX}{c}" for c in classes or ()]

    def check_targets(self, tasks: Sequence[str], classes: Sequence[str] | None) -> None:
        """One target of 3 to :data:`MAX_CLASSES` distinct classes.

        Raises:
            InputError: otherwise.
        """
        classes = list(classes or [])
        if len(tasks) != 1:
            raise InputError(f"a multiclass model has one target, not {len(tasks)}")
        if not 3 <= len(set(classes)) == len(classes) <= MAX_CLASSES:
            raise InputError(f"a multiclass target needs 3 to {MAX_CLASSES} distinct "
                             f"classes, not {classes!r}")

    def encode_labels(self, y: np.ndarray, source: str, task: str,
                      classes: Sequence[str] | None = None) -> tuple[np.ndarray, list[str] | None]:
        """Class indices and names (:func:`class_indices`)."""
        return class_indices(y, source, task, classes)

    def inferred_from(self, classes: Sequence[str] | None) -> str:
        return (f"inferred from the labels ({len(classes or ())} whole-number classes; "
                "--task regression to treat them as a number)")

    def label_note(self, y: np.ndarray, tasks: Sequence[str], classes: Sequence[str] | None,
                   carded: bool) -> str:
        """How many labels each class has."""
        counts = np.bincount(y[:, 0][~np.isnan(y[:, 0])].astype(int), minlength=len(classes or ()))
        return "; classes " + ", ".join(f"{c} ({n:,})" for c, n in
                                         zip(classes or (), counts, strict=True))

    def loss(self, raw: Tensor, target: Tensor, pos_weight: Tensor | None = None) -> Tensor:
        """Softmax cross-entropy over the labelled rows."""
        known = ~torch.isnan(target[:, 0])
        if not known.any():
            return raw.float().sum() * 0.0
        return F.cross_entropy(raw.float()[known], target[known, 0].long())

    def transform(self, raw: Tensor, target_mean: Tensor, target_std: Tensor) -> Tensor:
        """Softmax over the C outputs."""
        return torch.softmax(raw, dim=1)

    def score(self, y_true: np.ndarray, y_pred: np.ndarray, tasks: list[str]) -> dict:
        """``score``: macro one-vs-rest ROC-AUC (``classes`` holds each, by class index),
        ``prc_auc`` (macro average precision) and ``accuracy`` (arg-max class)."""
        task = tasks[0]
        y = np.asarray(y_true, dtype=float).reshape(len(y_true), -1)[:, 0]
        p = np.asarray(y_pred, dtype=float)
        known = ~np.isnan(y)
        result = {"metric": "roc_auc", "score": float("nan"), "tasks_scored": 0, "tasks": {},
                  "classes": {}, "prc_auc": float("nan"), "accuracy": float("nan")}
        if not known.any():
            return result
        if not np.isfinite(p[known]).all():
            result["tasks"] = {task: float("nan")}
            return result
        from sklearn.metrics import average_precision_score, roc_auc_score  # ~1 s import

        label, prob = y[known].astype(int), p[known]
        aucs, prcs = {}, []
        for c in range(p.shape[1]):
            hit = label == c
            if 0 < hit.sum() < len(hit):
                aucs[str(c)] = float(roc_auc_score(hit, prob[:, c]))
                prcs.append(float(average_precision_score(hit, prob[:, c])))
        if aucs:
            score = float(np.mean(list(aucs.values())))
            result.update(score=score, tasks_scored=1, tasks={task: score}, classes=aucs,
                          prc_auc=float(np.mean(prcs)))
        result["accuracy"] = float((prob.argmax(axis=1) == label).mean())
        return result

    def prior(self, y: np.ndarray, n_outputs: int | None = None) -> np.ndarray:
        """The training class frequencies (uniform without labels)."""
        known = y[:, 0][~np.isnan(y[:, 0])].astype(int)
        counts = np.bincount(known, minlength=n_outputs or 0).astype(np.float64)
        return counts / counts.sum() if counts.sum() else np.full(len(counts), 1 / len(counts))

    def fallback(self, n_outputs: int) -> np.ndarray:
        return np.full(n_outputs, 1 / n_outputs)

    @property
    def empty_value(self) -> float:
        return float("nan")  # no single value: see prior

    def pair_errors(self, values: np.ndarray, labels: np.ndarray) -> np.ndarray:
        """Not defined per output: a multiclass model has no error model."""
        raise ValueError("a multiclass target has no per-output error")

    def has_support(self, y: np.ndarray, min_rows: int, min_minority: int) -> np.ndarray:
        return np.isfinite(y).sum(axis=0) >= min_rows

    sklearn_type = "classifier"

    def sklearn_classes(self, n_tasks: int, classes: Sequence[str] | None) -> np.ndarray | None:
        """The class labels as numbers (whole numbers as ``int64``)."""
        values = np.array([float(c) for c in classes or ()])
        return values.astype(np.int64) if np.all(values == np.round(values)) else values

    def sklearn_predict(self, values: np.ndarray, classes: np.ndarray | None) -> np.ndarray:
        """``[N, 1]``: the most probable of ``classes`` (NaN for a row without outputs)."""
        best, ok = _most_probable(values)
        return np.where(ok, np.asarray(classes)[best].astype(np.float64), np.nan)[:, None]

    def fit_calibration(self, members: np.ndarray, labels: np.ndarray,
                        mean: np.ndarray | None = None):
        """Temperature scaling (Guo et al. 2017) of the members' mean probabilities."""
        from molpred.trust.calibration import apply_temperature, fit_temperature

        mean = members.mean(axis=0) if mean is None else mean
        platt = fit_temperature(mean, labels)
        return platt, {"values": apply_temperature(mean, platt), "labels": labels}, {}

    def calibrate(self, mean: np.ndarray, platt: np.ndarray,
                  maps: dict[int, np.ndarray]) -> np.ndarray:
        from molpred.trust.calibration import apply_temperature

        return apply_temperature(mean, platt)

    def conformal_predictors(self, val: dict[str, np.ndarray], n_tasks: int, kind: str) -> list:
        """One class-conditional set predictor over the C classes (not by similarity)."""
        from molpred.trust.conformal import MulticlassConformal

        known = np.isfinite(val["labels"][:, 0]) & np.isfinite(val["values"]).all(axis=1)
        return [MulticlassConformal(val["values"][known], val["labels"][known, 0])]

    def extra_columns(self, values: np.ndarray, targets: Sequence[str],
                      classes: Sequence[str] | None) -> dict[str, list]:
        """``TARGET``: the arg-max class name per row (``""`` for a row without outputs)."""
        best, ok = _most_probable(values)
        names = list(classes or ())
        return {targets[0] + CLASS_SUFFIX: [names[b] if good else "" for b, good in
                                            zip(best, ok, strict=True)]}

    def set_membership(self, predictors: list, values: np.ndarray, confidence: float,
                       similarity: np.ndarray | None) -> np.ndarray:
        """``bool [N, 1, C]`` from class probabilities ``[N, C]``."""
        return predictors[0].predict_set(values, confidence)[:, None, :]

    def set_labels(self, included: np.ndarray, values: np.ndarray,
                   classes: Sequence[str] | None) -> list[list[str]]:
        """One column: the classes in each set, e.g. ``"0,2"``."""
        from molpred.trust.conformal import set_labels

        return [set_labels(included[:, 0], np.isfinite(values).all(axis=1), classes)]

    def tree_objective(self, kind: str) -> str:
        raise ValueError("tree models take binary and regression tasks, not multiclass")


def _most_probable(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``(int64 [N] arg-max class index, bool [N] row has every probability)`` of class
    probabilities ``float [N, C]``; a row with a NaN gets index 0 and ``False``."""
    ok = np.isfinite(values).all(axis=1)
    return np.argmax(np.where(ok[:, None], values, -1.0), axis=1), ok
