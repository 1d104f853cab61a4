"""Expected error: how wrong a prediction is likely to be, learned from held-out errors.

Following Sheridan (2012, "Three useful dimensions for domain applicability in QSAR models
using random forest", J. Chem. Inf. Model. 52, 814), a prediction's error is modelled from
what is known about it at prediction time, here four signals per (molecule, task):

- ``dissimilarity``: 1 - the highest ECFP4 Tanimoto similarity to a training molecule;
- ``distance``: the Mahalanobis distance of the molecule's embedding from the training
  embeddings (:class:`~molpred.trust.domain.EmbeddingDistance`);
- ``spread``: the ensemble members' standard deviation for the task;
- ``ambiguity``: ``p (1 - p)`` of the calibrated probability (classification only): a
  calibrated probability near 0.5 is, by definition, often wrong;
- ``extremity``: how far a predicted value lies from the mean held-out prediction of its task
  (regression only; Sheridan's third dimension, the predicted value: extreme values are
  rarer in training data and predicted worse).

The error of each held-out pair (Brier score ``(p - y)^2`` of a calibrated probability, or the
absolute error ``|y_hat - y|`` of a value) is divided by its task's mean held-out error, so
that tasks of any unit or base rate share one model: a **relative expected error**, 1.0 for
a typical held-out prediction, 2.0 for one expected to be twice as wrong. The model is
linear with non-negative weights (``scipy.optimize.nnls`` on the centred signals) and a free
intercept, the signals shifted to start at 0 and scaled by their spread, so the expected
error never falls as a molecule moves away from the training set or the members disagree
more; it is floored at :data:`MIN_RELATIVE`. The molecule's ``expected_error``
is its mean over the tasks predicted; ``in_domain`` is ``expected_error`` at most the
threshold that keeps :data:`ERROR_KEEP` of the held-out molecules.

Everything is a handful of numbers, saved in ``trust.json`` (:meth:`ErrorModel.to_dict`).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from molpred.tasks import task_head

FEATURES = ("dissimilarity", "distance", "spread", "ambiguity", "extremity")
"""The signals an error model may use, in the order of its weights."""
ERROR_KEEP = 0.8
"""Share of held-out molecules whose expected error ``in_domain`` keeps (the threshold is
this quantile of their expected errors)."""
MIN_RELATIVE = 0.05
"""Floor of a relative expected error (the linear fit may fall below 0 for the molecules
nearest the training set)."""
MIN_PAIRS = 20
"""Fewer labelled held-out (molecule, task) pairs than this: no error model is fitted."""


def signal_matrix(features: tuple[str, ...], similarity: np.ndarray, distance: np.ndarray,
                  values: np.ndarray, spread: np.ndarray | None,
                  centre: np.ndarray | None = None) -> np.ndarray:
    """The raw signals ``float64 [N, T, F]`` of N molecules and T tasks.

    Args:
        features: Names from :data:`FEATURES`, in the order wanted.
        similarity: ``float [N]`` max ECFP4 Tanimoto similarity to the training set.
        distance: ``float [N]`` embedding distance.
        values: ``float [N, T]`` calibrated probabilities or predicted values.
        spread: ``float [N, T]`` ensemble standard deviation, ``None`` for a single model
            (taken as 0).
        centre: ``float [T]`` the mean held-out prediction per task (``extremity``; default 0).

    Raises:
        ValueError: for a name not in :data:`FEATURES`.
    """
    values = np.asarray(values, dtype=np.float64)
    n, t = values.shape
    columns = []
    for name in features:
        if name == "dissimilarity":
            column = np.broadcast_to((1.0 - np.asarray(similarity, dtype=np.float64))[:, None],
                                     (n, t))
        elif name == "distance":
            column = np.broadcast_to(np.asarray(distance, dtype=np.float64)[:, None], (n, t))
        elif name == "spread":
            column = np.zeros((n, t)) if spread is None else np.asarray(spread, dtype=np.float64)
        elif name == "ambiguity":
            column = values * (1.0 - values)
        elif name == "extremity":
            column = np.abs(values - (0.0 if centre is None else np.asarray(centre, float)))
        else:
            raise ValueError(f"unknown error-model signal {name!r}; known: {', '.join(FEATURES)}")
        columns.append(column)
    return np.stack(columns, axis=2) if columns else np.zeros((n, t, 0))


def pair_errors(task_type: str, values: np.ndarray, labels: np.ndarray) -> np.ndarray:
    """Error per (molecule, task) ``float64 [N, T]``: Brier ``(p - y)^2`` (classification) or
    ``|y_hat - y|`` (regression); NaN where the label or the prediction is missing."""
    return task_head(task_type).pair_errors(values, labels)


class ErrorModel:
    """A fitted relative-error model (see the module docstring).

    Attributes:
        features: Signal names, a subset of :data:`FEATURES`.
        offset, scale: ``float64 [F]``: a signal enters as ``max(0, (x - offset) / scale)``.
        weights: ``float64 [F + 1]``: intercept (any sign), then one non-negative weight per
            signal.
        task_scale: ``float64 [T]`` each task's mean held-out error (Brier or absolute error
            in the task's units): a relative error times it is an expected error in those terms.
        threshold: ``in_domain`` keeps molecules whose expected error is at most this.
        centre: ``float64 [T]`` mean held-out prediction per task (the ``extremity`` signal's
            origin).
    """

    def __init__(self, features: tuple[str, ...], offset: np.ndarray, scale: np.ndarray,
                 weights: np.ndarray, task_scale: np.ndarray, threshold: float,
                 centre: np.ndarray | None = None) -> None:
        self.features = tuple(features)
        self.offset = np.asarray(offset, dtype=np.float64)
        self.scale = np.asarray(scale, dtype=np.float64)
        self.weights = np.asarray(weights, dtype=np.float64)
        self.task_scale = np.asarray(task_scale, dtype=np.float64)
        self.threshold = float(threshold)
        self.centre = (np.zeros(len(self.task_scale)) if centre is None
                       else np.asarray(centre, dtype=np.float64))

    @classmethod
    def fit(cls, task_type: str, similarity: np.ndarray, distance: np.ndarray,
            values: np.ndarray, spread: np.ndarray | None, labels: np.ndarray,
            features: tuple[str, ...] | None = None, keep: float = ERROR_KEEP
            ) -> ErrorModel | None:
        """Fit on held-out molecules (a validation part, or out-of-fold predictions).

        Args:
            task_type: ``classification`` (binary tasks) or ``regression``.
            similarity, distance: ``float [n]`` the held-out molecules' domain signals.
            values: ``float [n, T]`` their calibrated probabilities or predicted values.
            spread: ``float [n, T]`` ensemble spread, or ``None``.
            labels: ``float [n, T]`` labels, NaN = missing.
            features: Signals to use (default: every one that applies: ``ambiguity`` only
                for classification, ``extremity`` only for regression, ``spread`` only with an
                ensemble).
            keep: Share of the held-out molecules ``in_domain`` keeps.

        Returns:
            The model, or ``None`` when fewer than :data:`MIN_PAIRS` labelled pairs exist.
        """
        from scipy.optimize import nnls

        if features is None:
            own = task_head(task_type).error_signals  # ambiguity, or extremity
            features = tuple(f for f in FEATURES
                             if (f not in ("ambiguity", "extremity") or f in own)
                             and (f != "spread" or spread is not None))
        values = np.asarray(values, dtype=np.float64)
        predicted = np.isfinite(values)
        centre = np.array([values[predicted[:, t], t].mean() if predicted[:, t].any() else 0.0
                           for t in range(values.shape[1])])
        raw = signal_matrix(features, similarity, distance, values, spread, centre)
        errors = pair_errors(task_type, values, labels)
        known = np.isfinite(errors) & np.isfinite(raw).all(axis=2)
        if known.sum() < MIN_PAIRS:
            return None
        task_scale = task_error_scale(errors, known)
        x = raw[known]  # [pairs, F]
        offset = x.min(axis=0) if len(features) else np.zeros(0)
        scale = np.quantile(x, 0.95, axis=0) - offset if len(features) else np.zeros(0)
        scale = np.where(scale > 1e-12, scale, 1.0)
        design = np.maximum((x - offset) / scale, 0.0)
        target = (errors / task_scale)[known]
        # non-negative weights on the centred signals, a free intercept: the fit's mean is the
        # mean relative error (1.0) whatever weights the constraint zeroes
        middle = design.mean(axis=0)
        slopes, _ = nnls(design - middle, target - target.mean()) if len(features) else (
            np.zeros(0), 0.0)
        weights = np.concatenate([[target.mean() - middle @ slopes], slopes])
        model = cls(features, offset, scale, weights, task_scale, np.inf, centre)
        expected = model.expected(similarity, distance, values, spread)
        held = np.isfinite(expected) & known.any(axis=1)
        model.threshold = float(np.quantile(expected[held], keep)) if held.any() else np.inf
        return model

    def relative(self, similarity: np.ndarray, distance: np.ndarray, values: np.ndarray,
                 spread: np.ndarray | None) -> np.ndarray:
        """Relative expected error ``float64 [N, T]`` per (molecule, task); NaN where a
        signal is missing (a failed row)."""
        raw = signal_matrix(self.features, similarity, distance, values, spread, self.centre)
        scaled = np.maximum((raw - self.offset) / self.scale, 0.0)
        return np.maximum(self.weights[0] + scaled @ self.weights[1:], MIN_RELATIVE)

    def expected(self, similarity: np.ndarray, distance: np.ndarray, values: np.ndarray,
                 spread: np.ndarray | None) -> np.ndarray:
        """``expected_error`` ``float64 [N]``: the relative expected error averaged over the
        tasks predicted (NaN for a row with none)."""
        relative = self.relative(similarity, distance, values, spread)
        predicted = np.isfinite(relative)
        total = np.where(predicted, relative, 0.0).sum(axis=1)
        count = predicted.sum(axis=1)
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.where(count > 0, total / np.maximum(count, 1), np.nan)

    def in_domain(self, expected: np.ndarray) -> np.ndarray:
        """``bool [N]``: expected error at most :attr:`threshold` (False where NaN)."""
        with np.errstate(invalid="ignore"):
            return np.asarray(expected) <= self.threshold

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready numbers (what ``trust.json`` stores)."""
        return {"features": list(self.features), "offset": self.offset.tolist(),
                "scale": self.scale.tolist(), "weights": self.weights.tolist(),
                "task_scale": self.task_scale.tolist(), "threshold": self.threshold,
                "centre": self.centre.tolist(), "keep": ERROR_KEEP}

    @classmethod
    def from_dict(cls, data: dict[str, Any], tasks: int) -> ErrorModel:
        """Read :meth:`to_dict`'s output, checked.

        Raises:
            ValueError: for unknown signals, or arrays of the wrong length or not finite.
        """
        features = tuple(str(f) for f in data["features"])
        if any(f not in FEATURES for f in features) or len(set(features)) != len(features):
            raise ValueError(f"error model signals {features} are not a subset of {FEATURES}")
        offset, scale = np.asarray(data["offset"], float), np.asarray(data["scale"], float)
        weights, task_scale = np.asarray(data["weights"], float), np.asarray(data["task_scale"], float)
        centre = np.asarray(data.get("centre", [0.0] * tasks), float)
        shapes = (offset.shape == scale.shape == (len(features),)
                  and weights.shape == (len(features) + 1,)
                  and task_scale.shape == centre.shape == (tasks,))
        arrays = (offset, scale, weights, task_scale, centre)
        if not shapes or not all(np.isfinite(a).all() for a in arrays):
            raise ValueError("error model arrays have the wrong length or are not finite")
        return cls(features, offset, scale, weights, task_scale, float(data["threshold"]), centre)


def task_error_scale(errors: np.ndarray, known: np.ndarray) -> np.ndarray:
    """``float64 [T]``: each task's mean error over its ``known`` pairs (``errors`` and
    ``known`` ``[N, T]``), what the error model predicts relative to so that tasks of
    different scales share it; a task without pairs or with zero mean error takes the mean
    error over every known pair (1.0 when that is zero too)."""
    scale = np.array([np.mean(errors[known[:, t], t]) if known[:, t].any() else np.nan
                      for t in range(errors.shape[1])])
    fallback = float(np.mean(errors[known])) if known.any() else 0.0
    return np.where(np.isfinite(scale) & (scale > 0), scale, fallback or 1.0)


DOMAIN_FOLDS = 5
"""Folds of the cross-validation on held-out molecules that chooses the ``in_domain`` rule."""


def choose_domain_rule(task_type: str, similarity: np.ndarray, distance: np.ndarray,
                       values: np.ndarray, spread: np.ndarray | None, labels: np.ndarray,
                       features: tuple[str, ...] | None = None, seed: int = 0
                       ) -> dict[str, Any]:
    """Which ``in_domain`` rule separates errors better on these held-out molecules: the
    error model's threshold or the similarity/distance thresholds
    (:func:`~molpred.trust.domain.domain_thresholds`), both cross-fitted on
    :data:`DOMAIN_FOLDS` random folds of the molecules (each fold flagged by a rule fitted on
    the others).

    A rule's score is the error of the molecules it flags divided by the error of those it
    keeps: Brier score (classification) or RMSE of the relative errors (regression), over
    labelled pairs. The error model is chosen unless the thresholds score higher.

    Returns:
        ``{"rule": "error_model" | "thresholds", "ratio_error_model": float,
        "ratio_thresholds": float, "flagged_error_model": float, "flagged_thresholds":
        float}`` (ratios NaN when a side is empty or there are too few molecules).
    """
    from molpred.trust.domain import domain_thresholds, in_domain

    n = len(similarity)
    errors = pair_errors(task_type, values, labels)
    known = np.isfinite(errors)
    order = np.random.default_rng(seed).permutation(n)
    flags = {"error_model": np.zeros(n, dtype=bool), "thresholds": np.zeros(n, dtype=bool)}
    fitted = True
    for k in range(DOMAIN_FOLDS):
        held = np.zeros(n, dtype=bool)
        held[order[k::DOMAIN_FOLDS]] = True
        rest = ~held
        model = ErrorModel.fit(task_type, similarity[rest], distance[rest], values[rest],
                               None if spread is None else spread[rest], labels[rest], features)
        if model is None:
            fitted = False
            break
        expected = model.expected(similarity[held], distance[held], values[held],
                                  None if spread is None else spread[held])
        flags["error_model"][held] = ~model.in_domain(expected)
        low, high = domain_thresholds(similarity[rest], distance[rest])
        flags["thresholds"][held] = ~in_domain(similarity[held], distance[held], low, high)
    relative = errors / task_error_scale(errors, known)
    result: dict[str, Any] = {}
    for rule, flagged in flags.items():
        ratio = np.nan
        if fitted:
            out, inside = known & flagged[:, None], known & ~flagged[:, None]
            if out.any() and inside.any():
                ratio = task_head(task_type).error_ratio(errors, relative, out, inside)
        result[f"ratio_{rule}"] = float(ratio)
        result[f"flagged_{rule}"] = float(flagged.mean()) if fitted else float("nan")
    thresholds_better = (np.isfinite(result["ratio_thresholds"])
                         and not result["ratio_thresholds"] <= result["ratio_error_model"])
    result["rule"] = "thresholds" if (thresholds_better or not fitted) else "error_model"
    return result
