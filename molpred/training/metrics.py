"""Benchmark metrics, computed exactly as ``shared/benchmarks/score.py`` does.

* classification: ROC-AUC per task over rows with a label, tasks whose labels hold a single
  class are skipped, mean over scored tasks (MoleculeNet, Wu et al. 2018);
* regression: RMSE per task in the dataset's units, mean over tasks.
"""

from __future__ import annotations

import math

import numpy as np
from sklearn.metrics import average_precision_score, roc_auc_score

METRICS = {"classification": "roc_auc", "regression": "rmse"}
HIGHER_IS_BETTER = {"roc_auc": True, "prc_auc": True, "rmse": False}


def score_predictions(
    y_true: np.ndarray, y_pred: np.ndarray, tasks: list[str], task_type: str
) -> dict:
    """Score predictions against labels.

    Args:
        y_true: ``float [N, T]`` labels with NaN for missing.
        y_pred: ``float [N, T]`` probabilities of class 1, or values in dataset units.
        tasks: T task names.
        task_type: ``"classification"`` or ``"regression"``.

    Returns:
        ``{"metric": "roc_auc"|"rmse", "score": float (NaN if no task could be scored),
        "tasks": {task: value}, "tasks_scored": int}``; for classification also
        ``"prc_auc"`` (mean average precision over the same tasks). A task with a NaN or
        infinite prediction on a labelled row scores NaN, and so does the mean: score.py
        refuses such predictions, and a diverged model must not look good on the rest.
    """
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
