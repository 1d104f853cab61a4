"""Probability calibration: Platt scaling, Venn-ABERS or isotonic regression (binary; chosen
per task by cross-validation) or temperature scaling (multiclass), fitted on validation
molecules, and the expected calibration error that measures it.

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
ISOTONIC_CLIP = (0.001, 0.999)
"""The output range of isotonic regression and Venn-ABERS: a calibrated probability of 0 or 1
would claim certainty a few hundred validation molecules cannot give."""
MIN_ISOTONIC_CLASS = 20
"""Isotonic regression and Venn-ABERS are tried only for tasks with this many validation
molecules of each class (a step function over fewer is mostly noise; Niculescu-Mizil &
Caruana 2005 found isotonic regression overfits small calibration sets, where Platt scaling
does better)."""


MAP_ORDER = ("none", "platt", "venn_abers", "isotonic")
"""Calibration maps from the simplest to the most flexible: the one-standard-error rule of
:func:`fit_calibration` keeps the first within a standard error of the best."""
MAP_KEYS = {2: "isotonic", 3: "venn_abers"}
"""A monotone map's kind by its table's number of rows: isotonic breakpoints ``[2, K]``, a
Venn-ABERS table ``[3, K + 1]`` (also its array name in ``trust.safetensors``,
``KIND_TASK``)."""


def _logit(p: np.ndarray) -> np.ndarray:
    p = np.clip(p, EPS, 1 - EPS)
    return np.log(p) - np.log1p(-p)


def _platt(x: np.ndarray, y: np.ndarray) -> list[float]:
    """``[a, b]`` of a logistic regression of labels ``y`` on logits ``x`` (``a`` >= 1e-3)."""
    from sklearn.linear_model import LogisticRegression  # here: a 1-2 s import predict never needs

    fit = LogisticRegression(C=1e4).fit(x[:, None], y)
    return [max(float(fit.coef_[0, 0]), 1e-3), float(fit.intercept_[0])]


def fit_calibration(probabilities: np.ndarray, labels: np.ndarray, folds: int = 5
                    ) -> tuple[np.ndarray, dict[int, np.ndarray]]:
    """Choose and fit each binary task's calibration map by cross-validation: none, Platt
    scaling (``sigmoid(a * logit(p) + b)``), inductive Venn-ABERS (Vovk, Petej & Fedorova
    2015; the ``venn-abers`` package) or isotonic regression (Zadrozny & Elkan 2002;
    scikit-learn), by held-out Brier score over ``folds`` stratified folds of these
    (validation) molecules, with the one-standard-error rule (Breiman et al. 1984, CART
    ch. 3.4): the simplest map (in :data:`MAP_ORDER`) whose held-out Brier score is within one
    standard error of the best one's is kept, the error being that of the per-molecule
    difference between the two maps. A map must therefore beat leaving the probabilities
    alone by more than the noise of the validation part, so calibration that only fits noise
    is not applied (it made ECE worse on test where it was). Venn-ABERS comes before isotonic
    regression: both are monotone step maps, but Venn-ABERS shrinks each step towards what one
    more molecule of either class would do to it, so it claims less on few molecules. Both
    are tried only with :data:`MIN_ISOTONIC_CLASS` molecules of each class, Platt with
    ``folds``.

    Args:
        probabilities: ``float [N, T]`` predicted probabilities of class 1 (NaN = none).
        labels: ``float [N, T]`` 0/1 labels, NaN where missing.
        folds: Cross-validation folds.

    Returns:
        ``(platt float64 [T, 2], maps)``: Platt parameters (``(1, 0)`` where Platt is not
        chosen) and ``{task index: table}`` of the tasks that take a monotone map instead:
        isotonic breakpoints ``float64 [2, K]`` or a Venn-ABERS table ``float64 [3, K + 1]``
        (:func:`apply_map`).
    """
    params = np.tile([1.0, 0.0], (probabilities.shape[1], 1))
    maps: dict[int, np.ndarray] = {}
    for t in range(probabilities.shape[1]):
        known = np.isfinite(labels[:, t]) & np.isfinite(probabilities[:, t])
        p, y = probabilities[known, t], labels[known, t]
        smaller = min((y == 0).sum(), (y == 1).sum())
        if smaller < folds:
            continue
        kinds = [k for k in MAP_ORDER if k in ("none", "platt") or smaller >= MIN_ISOTONIC_CLASS]
        errors = {kind: _held_out_squared_errors(p, y, folds, kind) for kind in kinds}
        best = one_standard_error_choice(errors)
        if best == "platt":
            params[t] = _platt(_logit(p), y)
        elif best == "isotonic":
            maps[t] = _isotonic(p, y)
        elif best == "venn_abers":
            maps[t] = _venn_abers(p, y)
    return params, maps


def _isotonic(p: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Breakpoints ``float64 [2, K]`` of an isotonic regression of ``y`` on ``p``."""
    from sklearn.isotonic import IsotonicRegression

    fit = IsotonicRegression(y_min=ISOTONIC_CLIP[0], y_max=ISOTONIC_CLIP[1],
                             out_of_bounds="clip").fit(p, y)
    return np.stack([fit.X_thresholds_, fit.y_thresholds_]).astype(np.float64)


def _venn_abers(p: np.ndarray, y: np.ndarray) -> np.ndarray:
    """The table ``float64 [3, K + 1]`` of an inductive Venn-ABERS predictor fitted on
    calibration probabilities ``p`` ``[n]`` and 0/1 labels ``y`` ``[n]`` by the ``venn-abers``
    package (Vovk, Petej & Fedorova 2015, "Large-scale probabilistic predictors with and
    without guarantees of validity", NeurIPS; algorithms 1-4): row 0 is 0 then the K distinct
    calibration probabilities, rows 1 and 2 the isotonic fits ``p0`` and ``p1`` with a new
    molecule labelled 0 and 1, for a new probability in each gap between them."""
    import warnings

    state = np.geterr()
    from venn_abers import VennAbers  # its import sets NumPy's error state for the process

    np.seterr(**state)
    fit = VennAbers()
    with np.errstate(divide="ignore", invalid="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # its all-NaN slopes at the ends
        fit.fit(np.column_stack([1.0 - p, p]), np.asarray(y, dtype=np.int64))
    return np.stack([fit.p0[:, 0], fit.p0[:, 1], fit.p1[:, 1]]).astype(np.float64)


def apply_venn_abers(probabilities: np.ndarray, table: np.ndarray) -> np.ndarray:
    """Probabilities ``float64 [N]`` through a Venn-ABERS ``table`` ``[3, K + 1]``
    (:func:`_venn_abers`): ``p1 / (1 - p0 + p1)`` of the new probability's ``(p0, p1)``, the
    merged probability of Vovk et al. (2015, algorithms 5-6; ``venn-abers``'
    ``predict_proba``), kept within :data:`ISOTONIC_CLIP` like isotonic regression's (a few
    thousand negatives below every positive would otherwise give 0.0003); NaN stays NaN."""
    p = np.asarray(probabilities, dtype=np.float64)
    q = np.where(np.isfinite(p), p, 0.0)
    scores = table[0, 1:]
    p0 = table[1, np.searchsorted(scores, q, "right")]
    p1 = table[2, np.searchsorted(scores, q, "left")]
    merged = np.clip(p1 / (1.0 - p0 + p1), *ISOTONIC_CLIP)
    return np.where(np.isfinite(p), merged, np.nan)


def apply_map(probabilities: np.ndarray, table: np.ndarray) -> np.ndarray:
    """Probabilities ``float64 [N]`` through a task's non-parametric calibration map: isotonic
    breakpoints ``[2, K]`` (:func:`apply_isotonic`) or a Venn-ABERS table ``[3, K + 1]``
    (:func:`apply_venn_abers`)."""
    apply = {"isotonic": apply_isotonic, "venn_abers": apply_venn_abers}[MAP_KEYS[table.shape[0]]]
    return apply(probabilities, table)


def apply_isotonic(probabilities: np.ndarray, breakpoints: np.ndarray) -> np.ndarray:
    """Probabilities ``float64 [N]`` through isotonic breakpoints ``[2, K]`` (linear between
    them, constant beyond; NaN stays NaN)."""
    p = np.asarray(probabilities, dtype=np.float64)
    out = np.interp(p, breakpoints[0], breakpoints[1])
    return np.where(np.isfinite(p), out, np.nan)


def apply_calibration(probabilities: np.ndarray, platt: np.ndarray,
                      maps: dict[int, np.ndarray]) -> np.ndarray:
    """Calibrated probabilities ``float64 [N, T]`` from :func:`fit_calibration`'s output:
    Platt parameters ``[T, 2]`` everywhere, a monotone map (isotonic or Venn-ABERS,
    :func:`apply_map`) on the tasks that have one (NaN stays NaN)."""
    out = apply_platt(probabilities, platt)
    for t, table in maps.items():
        out[:, t] = apply_map(probabilities[:, t], table)
    return out


def _held_out_squared_errors(p: np.ndarray, y: np.ndarray, folds: int, kind: str
                             ) -> np.ndarray:
    """``float64 [n]`` squared error of each molecule's probability after a calibration map
    (one of :data:`MAP_ORDER`) fitted on the other stratified folds."""
    from sklearn.model_selection import StratifiedKFold

    errors = np.empty(len(p))
    for fit_rows, test_rows in StratifiedKFold(folds, shuffle=True, random_state=0).split(p, y):
        q = p[test_rows]
        if kind == "platt":
            a, b = _platt(_logit(p[fit_rows]), y[fit_rows])
            q = 1 / (1 + np.exp(-(a * _logit(q) + b)))
        elif kind == "isotonic":
            q = apply_isotonic(q, _isotonic(p[fit_rows], y[fit_rows]))
        elif kind == "venn_abers":
            q = apply_venn_abers(q, _venn_abers(p[fit_rows], y[fit_rows]))
        errors[test_rows] = (q - y[test_rows]) ** 2
    return errors


def one_standard_error_choice(errors: dict[str, np.ndarray]) -> str:
    """The simplest option whose mean held-out error is within one standard error of the best.

    Args:
        errors: option name -> ``float [n]`` held-out error of each molecule, simplest option
            first (dict order).

    Returns:
        The chosen option's name. The standard error is that of the per-molecule difference
        between an option and the best one (paired, as the molecules are the same).
    """
    means = {kind: float(e.mean()) for kind, e in errors.items()}
    best = min(means, key=means.get)
    for kind, e in errors.items():
        difference = e - errors[best]
        se = float(difference.std(ddof=1) / np.sqrt(len(e))) if len(e) > 1 else 0.0
        if means[kind] <= means[best] + se:
            return kind
    return best


def apply_platt(probabilities: np.ndarray, params: np.ndarray) -> np.ndarray:
    """Calibrated probabilities ``float64 [N, T]`` from ``probabilities`` ``[N, T]`` and
    Platt ``params`` ``[T, 2]`` (:func:`fit_calibration`); NaN stays NaN."""
    z = params[:, 0] * _logit(probabilities) + params[:, 1]
    with np.errstate(over="ignore"):
        out = 1.0 / (1.0 + np.exp(-z))
    return np.where(np.isfinite(probabilities), out, np.nan)


def fit_temperature(probabilities: np.ndarray, labels: np.ndarray, folds: int = 5) -> np.ndarray:
    """Temperature scaling of a multiclass target (Guo et al. 2017), where it helps.

    Calibrated probabilities are ``softmax(log(p) / T)``: one parameter, which keeps the
    arg-max class and every one-vs-rest ranking. T is fitted by minimizing the log-loss; it
    is kept only when it lowers the log-loss in ``folds``-fold stratified cross-validation on
    these (validation) molecules.

    Args:
        probabilities: ``float [N, C]`` class probabilities (NaN rows: no prediction).
        labels: ``float [N, 1]`` class indices, NaN where missing.
        folds: Cross-validation folds.

    Returns:
        ``float64 [1, 2]``: ``(1 / T, 0)``; ``(1, 0)`` (no change) when scaling does not
        lower the cross-validated log-loss or a class has fewer than ``folds`` molecules.
    """
    y = labels[:, 0]
    known = np.isfinite(y) & np.isfinite(probabilities).all(axis=1)
    logp, y = np.log(np.clip(probabilities[known], EPS, 1.0)), y[known].astype(int)
    counts = np.bincount(y, minlength=probabilities.shape[1])
    if not len(y) or counts[counts > 0].min() < folds:
        return np.array([[1.0, 0.0]])
    from sklearn.model_selection import StratifiedKFold

    held_out = {True: [], False: []}
    for fit_rows, test_rows in StratifiedKFold(folds, shuffle=True, random_state=0).split(logp, y):
        inverse = _inverse_temperature(logp[fit_rows], y[fit_rows])
        for scaled, a in ((True, inverse), (False, 1.0)):
            held_out[scaled].append(_multiclass_log_loss(a * logp[test_rows], y[test_rows]))
    if np.mean(held_out[True]) >= np.mean(held_out[False]):
        return np.array([[1.0, 0.0]])
    return np.array([[_inverse_temperature(logp, y), 0.0]])


def _multiclass_log_loss(scores: np.ndarray, y: np.ndarray) -> float:
    """Mean ``-log softmax(scores)[y]``."""
    shifted = scores - scores.max(axis=1, keepdims=True)
    log_norm = np.log(np.exp(shifted).sum(axis=1))
    return float(np.mean(log_norm - shifted[np.arange(len(y)), y]))


def _inverse_temperature(logp: np.ndarray, y: np.ndarray) -> float:
    """``1 / T`` minimizing the log-loss of ``softmax(logp / T)`` (bounded search, T in
    [0.05, 20])."""
    from scipy.optimize import minimize_scalar

    fit = minimize_scalar(lambda a: _multiclass_log_loss(a * logp, y), bounds=(0.05, 20.0),
                          method="bounded")
    return float(fit.x)


def apply_temperature(probabilities: np.ndarray, params: np.ndarray) -> np.ndarray:
    """Calibrated class probabilities ``float64 [N, C]`` from ``probabilities`` ``[N, C]``
    and :func:`fit_temperature` ``params`` ``[1, 2]``; NaN rows stay NaN."""
    ok = np.isfinite(probabilities).all(axis=1)
    out = np.full(probabilities.shape, np.nan)
    scores = params[0, 0] * np.log(np.clip(probabilities[ok], EPS, 1.0))
    scores = np.exp(scores - scores.max(axis=1, keepdims=True))
    out[ok] = scores / scores.sum(axis=1, keepdims=True)
    return out


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


def calibrate_binary(mean: np.ndarray, labels: np.ndarray
                     ) -> tuple[np.ndarray, dict[str, np.ndarray], dict[int, np.ndarray]]:
    """``(Platt parameters, validation arrays, monotone maps)`` of binary tasks from
    held-out probabilities ``[n, T]`` (a validation part's ensemble mean, or out-of-fold
    predictions) and labels: the map :func:`fit_calibration` chooses per task, applied
    (:meth:`molpred.tasks.BinaryHead.fit_calibration`)."""
    platt, maps = fit_calibration(mean, labels)
    return platt, {"values": apply_calibration(mean, platt, maps), "labels": labels}, maps
