"""Probability calibration: Platt scaling fitted on validation molecules, and the expected
calibration error that measures it.

Platt scaling (Platt 1999; as in Guo et al. 2017, "On calibration of modern neural networks")
maps a predicted probability ``p`` to ``sigmoid(a * logit(p) + b)``, one ``(a, b)`` per task,
fitted by logistic regression on the validation part's labels, and kept only for tasks where
cross-validation on those labels says it helps. It keeps the ranking (and so
ROC-AUC) of each task unless ``a`` < 0, which is refused (``a`` is clipped at a small
positive value).
"""

from __future__ import annotations

import numpy as np

EPS = 1e-6
ECE_BINS = 10


def _logit(p: np.ndarray) -> np.ndarray:
    p = np.clip(p, EPS, 1 - EPS)
    return np.log(p) - np.log1p(-p)


def fit_platt(probabilities: np.ndarray, labels: np.ndarray, folds: int = 5) -> np.ndarray:
    """Fit Platt scaling per task, where it helps.

    A task keeps its raw probabilities unless Platt scaling lowers the log-loss in
    ``folds``-fold stratified cross-validation on these (validation) molecules: with a few
    hundred validation molecules and a handful of positives a two-parameter fit can make
    calibration worse, and this decides it on validation data alone.

    Args:
        probabilities: ``float [N, T]`` predicted probabilities of class 1 (NaN = no prediction).
        labels: ``float [N, T]`` 0/1 labels, NaN where missing.
        folds: Cross-validation folds.

    Returns:
        ``float64 [T, 2]``: ``(a, b)`` per task; ``(1, 0)`` (no change) where scaling does not
        lower the cross-validated log-loss, or the task's labels hold fewer than ``folds``
        molecules of either class.
    """
    params = np.tile([1.0, 0.0], (probabilities.shape[1], 1))
    for t in range(probabilities.shape[1]):
        known = np.isfinite(labels[:, t]) & np.isfinite(probabilities[:, t])
        x, y = _logit(probabilities[known, t]), labels[known, t]
        if min((y == 0).sum(), (y == 1).sum()) < folds:
            continue
        if _cv_log_loss(x, y, folds, platt=True) < _cv_log_loss(x, y, folds, platt=False):
            params[t] = _platt(x, y)
    return params


def _platt(x: np.ndarray, y: np.ndarray) -> list[float]:
    """``[a, b]`` of a logistic regression of labels ``y`` on logits ``x`` (``a`` >= 1e-3)."""
    from sklearn.linear_model import LogisticRegression  # here: a 1-2 s import predict never needs

    fit = LogisticRegression(C=1e4).fit(x[:, None], y)
    return [max(float(fit.coef_[0, 0]), 1e-3), float(fit.intercept_[0])]


def _cv_log_loss(x: np.ndarray, y: np.ndarray, folds: int, platt: bool) -> float:
    """Mean held-out log-loss of Platt scaling (or of the raw logits) over stratified folds."""
    from sklearn.model_selection import StratifiedKFold

    losses = []
    for fit_rows, test_rows in StratifiedKFold(folds, shuffle=True, random_state=0).split(x, y):
        a, b = _platt(x[fit_rows], y[fit_rows]) if platt else (1.0, 0.0)
        p = np.clip(1 / (1 + np.exp(-(a * x[test_rows] + b))), EPS, 1 - EPS)
        losses.append(-np.mean(y[test_rows] * np.log(p) + (1 - y[test_rows]) * np.log1p(-p)))
    return float(np.mean(losses))


def apply_platt(probabilities: np.ndarray, params: np.ndarray) -> np.ndarray:
    """Calibrated probabilities ``float64 [N, T]`` from ``probabilities`` ``[N, T]`` and
    :func:`fit_platt` ``params`` ``[T, 2]``; NaN stays NaN."""
    z = params[:, 0] * _logit(probabilities) + params[:, 1]
    with np.errstate(over="ignore"):
        out = 1.0 / (1.0 + np.exp(-z))
    return np.where(np.isfinite(probabilities), out, np.nan)


def expected_calibration_error(probabilities: np.ndarray, labels: np.ndarray,
                               bins: int = ECE_BINS) -> float:
    """Expected calibration error (Naeini et al. 2015) over all known (molecule, task) pairs.

    The probabilities are grouped in ``bins`` equal-width bins; the error is the mean over
    bins, weighted by their size, of |mean predicted probability - fraction of positives|.

    Args:
        probabilities, labels: ``float [N, T]`` (or ``[N]``); pairs with a NaN are skipped.

    Returns:
        The error, in [0, 1]; NaN when no pair is known.
    """
    p, y = np.ravel(probabilities), np.ravel(labels)
    known = np.isfinite(p) & np.isfinite(y)
    p, y = p[known], y[known]
    if not len(p):
        return float("nan")
    which = np.minimum((p * bins).astype(int), bins - 1)
    error = 0.0
    for b in range(bins):
        inside = which == b
        if inside.any():
            error += inside.mean() * abs(p[inside].mean() - y[inside].mean())
    return float(error)
