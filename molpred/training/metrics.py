"""Benchmark metrics, computed exactly as ``shared/benchmarks/score.py`` does.

* classification: ROC-AUC per task over rows with a label, tasks whose labels hold a single
  class are skipped, mean over scored tasks (MoleculeNet, Wu et al. 2018);
* regression: RMSE per task in the dataset's units, mean over tasks;
* multiclass: one-vs-rest ROC-AUC per class (classes with both sides among the labels),
  macro mean (Hand & Till 2001 discuss the alternatives; OvR macro is scikit-learn's
  ``roc_auc_score(multi_class="ovr")``), and accuracy.
"""

from __future__ import annotations

import numpy as np

from molpred.tasks import HEADS

METRICS = {name: head.metric for name, head in HEADS.items()}
"""Task type -> its benchmark metric (each head's ``metric``)."""
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
    from molpred.tasks import task_head

    return task_head(task_type).score(y_true, y_pred, tasks)
