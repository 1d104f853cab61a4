"""Conformal prediction through ``crepes`` (Boström 2022): prediction sets for classification
and intervals for regression that hold the true value with a chosen probability
(``confidence``), if test molecules are exchangeable with the validation molecules the
conformal predictor was calibrated on.

- Classification: inductive conformal classification, per task; nonconformity of label c is
  ``1 - P(c)`` from the calibrated probability; a class is in the set when its
  (non-smoothed, so deterministic) p-value exceeds ``1 - confidence`` (Vovk et al. 2005,
  "Algorithmic Learning in a Random World").
- Regression: normalized inductive conformal regression (Papadopoulos et al. 2011), per task;
  nonconformity ``|y - y_hat| / (sigma + beta)`` where ``sigma`` is the ensemble spread and
  ``beta`` the validation median of ``sigma``, so that intervals widen where members disagree.

A scaffold split breaks exchangeability on purpose, so coverage on test is measured, not
assumed (``benchmarks/trust.py``). The calibration map and the conformal scores are fitted on
the same validation molecules; Platt scaling is monotone with two parameters, so its effect
on validity is small, but it is not the textbook split.
"""

from __future__ import annotations

import numpy as np

DEFAULT_CONFIDENCE = 0.9


def check_confidence(confidence: float) -> None:
    """Raise :class:`~molpred.exceptions.InputError` (a ValueError) unless 0 < confidence < 1."""
    from molpred.exceptions import InputError

    if not 0.0 < confidence < 1.0:
        raise InputError(f"confidence must be between 0 and 1 (e.g. 0.9), not {confidence}")


CONFORMAL_KINDS = ("mondrian", "marginal")
"""Binary conformal predictors: class-conditional (the default since trust files record it)
or marginal (what models saved before that were measured with)."""


class ClassConformal:
    """Inductive conformal classifier for one binary task.

    - ``mondrian`` (default): label-conditional (Mondrian by class; Vovk et al. 2005, ch. 4.5;
      Löfström et al. 2015 for imbalanced classes; Norinder & Boyer 2017 for toxicity data):
      the p-value of class c is the share of validation molecules *of class c* at least as
      nonconforming, so coverage holds within each class, the rare actives included, at
      the cost of sets holding both classes more often where actives are few (a class
      with fewer than ``1 / (1 - confidence) - 1`` validation molecules is never excluded).
    - ``marginal``: the p-value of class c is the share of all validation molecules at least
      as nonconforming; coverage holds on average over the classes, so a rare class can be
      covered far less (ClinTox seed 0 test: 0 of 7 minority molecules at 0.9).

    Nonconformity of label c is ``1 - P(c)`` of the calibrated probability; p-values are
    not smoothed, so sets are deterministic.

    Args:
        val_probabilities: ``float [n]`` calibrated probabilities of class 1 on validation
            molecules with a label.
        val_labels: ``[n]`` their 0/1 labels.
        kind: One of :data:`CONFORMAL_KINDS`.

    Raises:
        ValueError: for an unknown ``kind``.
    """

    def __init__(self, val_probabilities: np.ndarray, val_labels: np.ndarray,
                 kind: str = "mondrian") -> None:
        if kind not in CONFORMAL_KINDS:
            raise ValueError(f"unknown conformal predictor {kind!r}; known: {CONFORMAL_KINDS}")
        self.kind = kind
        self.val_probabilities = np.asarray(val_probabilities, dtype=np.float64)
        self.val_labels = np.asarray(val_labels, dtype=np.float64)
        from crepes import ConformalClassifier  # imported on use: crepes imports scikit-learn

        p_true = np.where(self.val_labels == 1, self.val_probabilities, 1 - self.val_probabilities)
        self._conformal = None
        if len(p_true):
            bins = self.val_labels.astype(int) if kind == "mondrian" else None
            self._conformal = ConformalClassifier().fit(1 - p_true, bins=bins)
        self._seen = {int(c) for c in np.unique(self.val_labels)} if len(p_true) else set()

    def p_values(self, probabilities: np.ndarray) -> np.ndarray:
        """``float64 [N, 2]`` p-values of classes 0 and 1 (NaN rows give NaN; without
        validation labels, or of a class without validation molecules in the Mondrian
        predictor, every p-value is 1, so that class is never excluded)."""
        p = np.asarray(probabilities, dtype=np.float64)
        out = np.ones((len(p), 2))
        ok = np.isfinite(p)
        if self._conformal is not None and ok.any():
            alphas = np.stack([p[ok], 1 - p[ok]], axis=1)  # 1 - P(0), 1 - P(1)
            if self.kind == "marginal":
                out[ok] = self._conformal.predict_p(alphas, smoothing=False)
            else:
                for c in (0, 1):
                    if c in self._seen:
                        out[ok, c] = self._conformal.predict_p(
                            alphas[:, [c]], bins=np.full(int(ok.sum()), c), smoothing=False)[:, 0]
        out[~ok] = np.nan
        return out

    def predict_set(self, probabilities: np.ndarray, confidence: float = DEFAULT_CONFIDENCE
                    ) -> np.ndarray:
        """``bool [N, 2]``: whether classes 0 and 1 are in each molecule's prediction set
        (both False for a NaN probability)."""
        check_confidence(confidence)
        with np.errstate(invalid="ignore"):
            return self.p_values(probabilities) > 1 - confidence


class MulticlassConformal:
    """Label-conditional (Mondrian by class) inductive conformal classifier for one
    multiclass target (Vovk et al. 2005, ch. 4.5; Löfström et al. 2015 for its use with
    imbalanced classes).

    The p-value of class c for a molecule is the share of validation molecules *of class c*
    at least as nonconforming (nonconformity ``1 - P(c)``), counting the molecule itself;
    so coverage holds within each class, the rare ones included, at the cost of larger sets
    when a class has few validation molecules. A class without validation molecules is
    never excluded. Computed by crepes' Mondrian ``ConformalClassifier``, the bins being
    the classes: class c's column of nonconformity scores is scored in bin c.

    Args:
        val_probabilities: ``float [n, C]`` calibrated class probabilities of validation
            molecules with a label.
        val_labels: ``[n]`` their class indices.
    """

    def __init__(self, val_probabilities: np.ndarray, val_labels: np.ndarray) -> None:
        probabilities = np.asarray(val_probabilities, dtype=np.float64)
        labels = np.asarray(val_labels).astype(int)
        self.classes = probabilities.shape[1]
        from crepes import ConformalClassifier  # imported on use: crepes imports scikit-learn

        alphas = 1 - probabilities[np.arange(len(labels)), labels]
        self._conformal = ConformalClassifier().fit(alphas, bins=labels) if len(labels) else None

    def p_values(self, probabilities: np.ndarray) -> np.ndarray:
        """``float64 [N, C]`` p-values of each class (NaN rows give NaN; without validation
        labels every p-value is 1)."""
        p = np.asarray(probabilities, dtype=np.float64)
        out = np.ones_like(p)
        ok = np.isfinite(p).all(axis=1)
        if self._conformal is not None and ok.any():
            for c in range(self.classes):  # non-smoothed, so deterministic
                out[ok, c] = self._conformal.predict_p(
                    1 - p[ok][:, [c]], bins=np.full(int(ok.sum()), c), smoothing=False)[:, 0]
        out[~ok] = np.nan
        return out

    def predict_set(self, probabilities: np.ndarray, confidence: float = DEFAULT_CONFIDENCE
                    ) -> np.ndarray:
        """``bool [N, C]``: whether each class is in each molecule's prediction set (all
        False for a NaN row)."""
        check_confidence(confidence)
        with np.errstate(invalid="ignore"):
            return self.p_values(probabilities) > 1 - confidence


class RegressionConformal:
    """Normalized conformal regressor for one task.

    Args:
        val_predictions, val_targets, val_sigmas: ``float [n]`` predictions, measured values
            and ensemble spreads on validation molecules with a value (same units).
    """

    def __init__(self, val_predictions: np.ndarray, val_targets: np.ndarray,
                 val_sigmas: np.ndarray) -> None:
        self.val_predictions = np.asarray(val_predictions, dtype=np.float64)
        self.val_targets = np.asarray(val_targets, dtype=np.float64)
        self.val_sigmas = np.asarray(val_sigmas, dtype=np.float64)
        from crepes import ConformalRegressor

        median = float(np.median(self.val_sigmas)) if len(self.val_sigmas) else 0.0
        self.beta = median if median > 0 else 1.0
        self._conformal = ConformalRegressor().fit(self.val_targets - self.val_predictions,
                                                   sigmas=self.val_sigmas + self.beta)

    def predict_interval(self, predictions: np.ndarray, sigmas: np.ndarray,
                         confidence: float = DEFAULT_CONFIDENCE) -> np.ndarray:
        """``float64 [N, 2]`` lower and upper bounds (units of the predictions; NaN rows stay
        NaN; infinite when the validation part is too small for ``confidence``)."""
        check_confidence(confidence)
        y_hat = np.asarray(predictions, dtype=np.float64)
        sig = np.nan_to_num(np.asarray(sigmas, dtype=np.float64), nan=0.0)
        out = np.full((len(y_hat), 2), np.nan)
        ok = np.isfinite(y_hat)
        if ok.any():
            out[ok] = self._conformal.predict_int(y_hat[ok], sigmas=sig[ok] + self.beta,
                                                  confidence=confidence)
        return out
