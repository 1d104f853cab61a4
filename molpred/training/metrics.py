"""Benchmark metrics, computed exactly as ``shared/benchmarks/score.py`` does.

* classification: ROC-AUC per task over rows with a label, tasks whose labels hold a single
  class are skipped, mean over scored tasks (MoleculeNet, Wu et al. 2018);
* regression: RMSE per task in the dataset's units, mean over tasks;
* multiclass: one-vs-rest ROC-AUC per class (classes with both sides among the labels),
  macro mean (Hand & Till 2001 discuss the alternatives; OvR macro is scikit-learn's
  ``roc_auc_score(multi_class="ovr")``), and accuracy.
"""

from __future__ import annotations

import math

import numpy as np
from sklearn.metrics import average_precision_score, roc_auc_score

METRICS = {"classification": "roc_auc", "regression": "rmse", "multiclass": "roc_auc"}
HIGHER_IS_BETTER = {"roc_auc": True, "prc_auc": True, "rmse": False}


def score_predictions(
    y_true: np.ndarray, y_pred: np.ndarray, tasks: list[str], task_type: str
) -> dict:
    """Score predictions against labels.

    Args:
        y_true: ``float [N, T]`` labels with NaN for missing (multiclass: ``[N, 1]`` class
            indices).
        y_pred: ``float [N, T]`` probabilities of class 1, or values in dataset units
            (multiclass: ``[N, C]`` class probabilities).
        tasks: T task names.
        task_type: ``"classification"``, ``"regression"`` or ``"multiclass"``.

    Returns:
        ``{"metric": "roc_auc"|"rmse", "score": float (NaN if no task could be scored),
        "tasks": {task: value}, "tasks_scored": int}``; for classification also
        ``"prc_auc"`` (mean average precision over the same tasks). A task with a NaN or
        infinite prediction on a labelled row scores NaN, and so does the mean: score.py
        refuses such predictions, and a diverged model must not look good on the rest.
    """
    if task_type == "multiclass":
        return _score_multiclass(y_true, y_pred, tasks[0])
    metric = METRICS[task_type]
    per_task: dict[str, float] = {}
    prc: list[float] = []
    for j, task in enumerate(tasks):
        y = np.asarray(y_true[:, j], dtype=float)
        p = np.asarray(y_pred[:, j], dtype=float)
        known = ~np.isnan(y)
        if not np.isfinite(p[known]).all():
            per_task[task] = float("nan")
            prc.append(float("nan"))
        elif task_type == "regression":
            if known.any():
                per_task[task] = math.sqrt(float(np.mean((y[known] - p[known]) ** 2)))
        elif len(set(y[known])) == 2:
            per_task[task] = float(roc_auc_score(y[known], p[known]))
            prc.append(float(average_precision_score(y[known], p[known])))
    score = float(np.mean(list(per_task.values()))) if per_task else float("nan")
    result = {"metric": metric, "score": score, "tasks_scored": len(per_task), "tasks": per_task}
    if task_type == "classification":
        result["prc_auc"] = float(np.mean(prc)) if prc else float("nan")
    return result


def _score_multiclass(y_true: np.ndarray, y_pred: np.ndarray, task: str) -> dict:
    """:func:`score_predictions` of one multiclass target: ``score`` is the macro mean of the
    one-vs-rest ROC-AUCs (``classes`` holds each, by class index), plus ``prc_auc`` (macro
    average precision) and ``accuracy`` (arg-max class)."""
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
