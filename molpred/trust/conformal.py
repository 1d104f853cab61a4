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
  ``beta`` the validation median of ``sigma``, so that intervals widen where members disagree;
  plain ``|y - y_hat|`` for models cross-fitted on K folds (``auto``), whose calibration
  molecules' spread is not a new molecule's (:class:`RegressionConformal`).

A scaffold split breaks exchangeability on purpose, so coverage on test is measured, not
assumed (``benchmarks/trust.py``). The calibration map and the conformal scores are fitted on
the same validation molecules; Platt scaling is monotone with two parameters, so its effect
on validity is small, but it is not the textbook split.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

DEFAULT_CONFIDENCE = 0.9


def check_confidence(confidence: float) -> None:
    """Raise :class:`~molpred.exceptions.InputError` (a ValueError) unless 0 < confidence < 1."""
    from molpred.exceptions import InputError

    if not 0.0 < confidence < 1.0:
        raise InputError(f"confidence must be between 0 and 1 (e.g. 0.9), not {confidence}")


CONFORMAL_KINDS = ("similarity", "mondrian", "marginal")
"""How a model's conformal predictors are conditioned, as ``trust.json`` records it:

- ``similarity`` (the default since trust files store the validation molecules' similarity):
  Mondrian by similarity bin (:func:`similarity_edges`) and, for binary tasks, by class;
- ``mondrian``: binary tasks by class only, regression unconditioned;
- ``marginal``: unconditioned (models saved before the kind was recorded)."""
SIMILARITY_BIN_MOLECULES = 100
"""Fewest validation molecules (of each class, for a binary task) a similarity bin holds: a
bin's 90 % quantile rests on at least this many molecules, so it is not much wider than the
pooled one from noise alone."""
MAX_SIMILARITY_BINS = 3


def similarity_edges(similarity: np.ndarray) -> np.ndarray:
    """Inner edges ``float64 [k - 1]`` of ``k`` equal-count bins of validation molecules'
    max ECFP4 similarity to the training set, ``k = min(3, n // 100)`` (at least 1: no edge).

    A Mondrian conformal predictor by these bins (Vovk et al. 2005, ch. 4.5; Boström et al.
    2021 for difficulty bins in regression) holds its coverage within each bin, so near and
    far from the training set alike, instead of only on average over the validation mix."""
    s = np.asarray(similarity, dtype=np.float64)
    s = s[np.isfinite(s)]
    k = max(1, min(MAX_SIMILARITY_BINS, len(s) // SIMILARITY_BIN_MOLECULES))
    if k == 1:
        return np.empty(0)
    edges = np.unique(np.quantile(s, np.arange(1, k) / k))
    counts = np.bincount(similarity_bin(s, edges), minlength=len(edges) + 1)
    if counts.min() < SIMILARITY_BIN_MOLECULES // 2:  # tied similarities: a bin stays empty
        return np.empty(0)
    return edges


def similarity_bin(similarity: np.ndarray, edges: np.ndarray) -> np.ndarray:
    """``int64 [N]`` bin index of each similarity (NaN: the lowest bin)."""
    s = np.nan_to_num(np.asarray(similarity, dtype=np.float64), nan=0.0)
    return np.searchsorted(edges, s, side="right").astype(np.int64)


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
                 kind: str = "mondrian", val_similarity: np.ndarray | None = None) -> None:
        if kind not in CONFORMAL_KINDS:
            raise ValueError(f"unknown conformal predictor {kind!r}; known: {CONFORMAL_KINDS}")
        if kind == "similarity" and val_similarity is None:
            raise ValueError("a conformal predictor by similarity needs the validation "
                             "molecules' similarity")
        self.kind = kind
        self.val_probabilities = np.asarray(val_probabilities, dtype=np.float64)
        self.val_labels = np.asarray(val_labels, dtype=np.float64)
        from crepes import ConformalClassifier  # imported on use: crepes imports scikit-learn

        p_true = np.where(self.val_labels == 1, self.val_probabilities, 1 - self.val_probabilities)
        self._conformal = self._by_similarity = None
        self.edges = [np.empty(0), np.empty(0)]  # per class
        if len(p_true):
            bins = self.val_labels.astype(int) if kind != "marginal" else None
            self._conformal = ConformalClassifier().fit(1 - p_true, bins=bins)
        if len(p_true) and kind == "similarity":
            sim = np.asarray(val_similarity, dtype=np.float64)
            labels = self.val_labels.astype(int)
            self.edges = [similarity_edges(sim[labels == c]) for c in (0, 1)]
            cells = np.empty(len(labels), dtype=np.int64)
            for c in (0, 1):
                cells[labels == c] = (c * MAX_SIMILARITY_BINS
                                      + similarity_bin(sim[labels == c], self.edges[c]))
            self._by_similarity = ConformalClassifier().fit(1 - p_true, bins=cells)
        self._seen = {int(c) for c in np.unique(self.val_labels)} if len(p_true) else set()

    def p_values(self, probabilities: np.ndarray, similarity: np.ndarray | None = None
                 ) -> np.ndarray:
        """``float64 [N, 2]`` p-values of classes 0 and 1 (NaN rows give NaN; without
        validation labels, or of a class without validation molecules in the Mondrian
        predictor, every p-value is 1, so that class is never excluded). ``similarity``
        ``[N]``: the molecules' max similarity to the training set, which picks their bin in
        a predictor by similarity (without it, the class-conditional predictor answers)."""
        p = np.asarray(probabilities, dtype=np.float64)
        out = np.ones((len(p), 2))
        ok = np.isfinite(p)
        if self._conformal is not None and ok.any():
            alphas = np.stack([p[ok], 1 - p[ok]], axis=1)  # 1 - P(0), 1 - P(1)
            if self.kind == "marginal":
                out[ok] = self._conformal.predict_p(alphas, smoothing=False)
            else:
                for c in (0, 1):
                    if c not in self._seen:
                        continue
                    if self._by_similarity is not None and similarity is not None:
                        bins = c * MAX_SIMILARITY_BINS + similarity_bin(
                            np.asarray(similarity)[ok], self.edges[c])
                        out[ok, c] = self._by_similarity.predict_p(
                            alphas[:, [c]], bins=bins, smoothing=False)[:, 0]
                    else:
                        out[ok, c] = self._conformal.predict_p(
                            alphas[:, [c]], bins=np.full(int(ok.sum()), c), smoothing=False)[:, 0]
        out[~ok] = np.nan
        return out

    def predict_set(self, probabilities: np.ndarray, confidence: float = DEFAULT_CONFIDENCE,
                    similarity: np.ndarray | None = None) -> np.ndarray:
        """``bool [N, 2]``: whether classes 0 and 1 are in each molecule's prediction set
        (both False for a NaN probability); ``similarity`` as for :meth:`p_values`."""
        check_confidence(confidence)
        with np.errstate(invalid="ignore"):
            return self.p_values(probabilities, similarity) > 1 - confidence


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
    """Conformal regressor for one task, Mondrian by similarity bin when given the validation
    molecules' similarity (:func:`similarity_edges`; one bin below 200 molecules).

    Normalized (Papadopoulos et al. 2011) when given the validation molecules' ensemble
    spreads: nonconformity ``|y - y_hat| / (sigma + beta)``, so intervals widen where members
    disagree. Without them (``val_sigmas=None``) it is the plain split-conformal regressor
    (nonconformity ``|y - y_hat|``) and a prediction's spread is not read: what a model
    cross-fitted on K folds (``auto``) takes, because its calibration molecules were seen by
    K-1 of its K members, so their spread is not the spread of a new molecule (it follows
    the out-of-fold error itself, and normalized scores then give intervals narrower than
    new molecules need).

    Args:
        val_predictions, val_targets: ``float [n]`` predictions and measured values on
            validation molecules with a value (same units).
        val_sigmas: ``float [n]`` their ensemble spreads, or ``None`` (not normalized).
        val_similarity: ``float [n]`` their max ECFP4 similarity to the training set, or
            ``None`` (unconditioned, as models saved before it).
    """

    def __init__(self, val_predictions: np.ndarray, val_targets: np.ndarray,
                 val_sigmas: np.ndarray | None, val_similarity: np.ndarray | None = None
                 ) -> None:
        self.val_predictions = np.asarray(val_predictions, dtype=np.float64)
        self.val_targets = np.asarray(val_targets, dtype=np.float64)
        self.normalized = val_sigmas is not None
        self.val_sigmas = (np.asarray(val_sigmas, dtype=np.float64) if self.normalized
                           else np.zeros_like(self.val_predictions))
        from crepes import ConformalRegressor

        median = float(np.median(self.val_sigmas)) if len(self.val_sigmas) else 0.0
        self.beta = median if median > 0 else 1.0
        residuals = self.val_targets - self.val_predictions
        self._conformal = ConformalRegressor().fit(residuals, sigmas=self.val_sigmas + self.beta)
        self.edges = np.empty(0)
        self._by_similarity = None
        if val_similarity is not None:
            self.edges = similarity_edges(val_similarity)
            if len(self.edges):
                self._by_similarity = ConformalRegressor().fit(
                    residuals, sigmas=self.val_sigmas + self.beta,
                    bins=similarity_bin(val_similarity, self.edges))

    def predict_interval(self, predictions: np.ndarray, sigmas: np.ndarray,
                         confidence: float = DEFAULT_CONFIDENCE,
                         similarity: np.ndarray | None = None) -> np.ndarray:
        """``float64 [N, 2]`` lower and upper bounds (units of the predictions; NaN rows stay
        NaN; infinite when the validation part is too small for ``confidence``).
        ``similarity`` ``[N]`` picks each molecule's bin in a predictor by similarity (without
        it, the unconditioned predictor answers)."""
        check_confidence(confidence)
        y_hat = np.asarray(predictions, dtype=np.float64)
        sig = (np.nan_to_num(np.asarray(sigmas, dtype=np.float64), nan=0.0) if self.normalized
               else np.zeros_like(y_hat))
        out = np.full((len(y_hat), 2), np.nan)
        ok = np.isfinite(y_hat)
        if ok.any() and self._by_similarity is not None and similarity is not None:
            bins = similarity_bin(np.asarray(similarity)[ok], self.edges)
            out[ok] = self._by_similarity.predict_int(y_hat[ok], sigmas=sig[ok] + self.beta,
                                                      bins=bins, confidence=confidence)
        elif ok.any():
            out[ok] = self._conformal.predict_int(y_hat[ok], sigmas=sig[ok] + self.beta,
                                                  confidence=confidence)
        return out


EMPTY_SET = "empty"
"""A prediction set with no class (neither class reaches the confidence: the molecule is
unlike the validation molecules), written as a word so that pandas, KNIME and spreadsheets
do not read it as a missing value, as they would an empty cell."""


def set_labels(included: np.ndarray, predicted: np.ndarray,
                classes: Sequence[str] | None = None) -> list[str]:
    """``"0"``, ``"1"``, ``"0,1"`` (the ``classes`` in each set, ``included`` ``bool [N, C]``),
    :data:`EMPTY_SET`, or ``""`` for a row not predicted."""
    classes = list(classes) if classes is not None else ["0", "1"]
    names = []
    for inside, ok in zip(included, predicted, strict=True):
        label = ",".join(c for c, hit in zip(classes, inside, strict=True) if hit)
        names.append(label or (EMPTY_SET if ok else ""))
    return names
