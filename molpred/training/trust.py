"""Fit a trained model's :class:`~molpred.trust.model.TrustModel` on its split."""

from __future__ import annotations

import numpy as np

from molpred.inference import predict_with_embeddings, resolve_device
from molpred.models.ensemble import Ensemble
from molpred.models.model import MoleculeModel
from molpred.tasks import task_head
from molpred.training.prepare import PreparedDataset
from molpred.trust.calibration import expected_calibration_error
from molpred.trust.conformal import DEFAULT_CONFIDENCE
from molpred.trust.model import TrustModel, fit_error_model


def fit_trust(model: MoleculeModel | Ensemble, prepared: PreparedDataset, split: dict,
              device: str = "auto", batch_size: int = 256) -> TrustModel:
    """Calibration, conformal predictors and domain thresholds from the validation part,
    the domain's reference set from the training part.

    Args:
        model: The trained model or ensemble.
        prepared: The featurized dataset ``split`` indexes into.
        split: ``{"train": rows, "val": rows, ...}``, ``int64`` 0-based row indices.
        device: ``auto``, ``cpu`` or ``cuda``.

    Returns:
        The fitted :class:`~molpred.trust.model.TrustModel`.
    """
    where = resolve_device(device)
    smiles = prepared.table.frame[prepared.table.smiles_col].tolist()
    train, val = np.asarray(split["train"]), np.asarray(split["val"])
    _, train_embeddings = predict_with_embeddings(model, [prepared.data[i] for i in train],
                                                  batch_size, where)
    val_members, val_embeddings = predict_with_embeddings(model, [prepared.data[i] for i in val],
                                                          batch_size, where)
    return TrustModel.fit(prepared.task_type, [smiles[i] for i in train], train_embeddings,
                          [smiles[i] for i in val], val_members, val_embeddings,
                          prepared.y[val].astype(np.float64), prepared.featurizer.standardize,
                          prepared.classes)


def trust_report(trust: TrustModel, model: MoleculeModel | Ensemble, prepared: PreparedDataset,
                 rows: np.ndarray, confidence: float = DEFAULT_CONFIDENCE, device: str = "auto",
                 batch_size: int = 256) -> dict:
    """How well the trust estimates hold on a part (e.g. test): what the benchmark reports.

    Args:
        trust: The model's fitted :class:`~molpred.trust.model.TrustModel`.
        model: The model or ensemble.
        prepared: The featurized dataset ``rows`` index into.
        rows: ``int64 [n]`` 0-based row indices of the part.
        confidence: Conformal confidence to measure coverage at.

    Returns:
        A JSON-ready dict. Classification: ``ece_raw`` and ``ece_calibrated`` (expected
        calibration error, 10 bins, over all labelled (molecule, task) pairs), ``coverage``
        (share of labelled pairs whose label is in the conformal set), ``mean_set_size``;
        regression: ``coverage`` (share inside the interval) and ``mean_width`` (units of the
        task). Both: ``in_domain_share``, and ``error_in``/``error_out``, the error of
        molecules inside/outside the domain over labelled pairs: Brier score of the
        calibrated probability (classification; also ``roc_auc_in``/``roc_auc_out``, the
        mean ROC-AUC over tasks with both classes on that side) or RMSE (regression); NaN
        when a side is empty; ``domain_rule`` and its cross-validated figures
        (``domain_cv_*``); both rules side by side whichever is used: ``thresholds_error_in``
        / ``_out`` / ``_pairs_*`` / ``thresholds_in_domain_share`` and the same with
        ``error_model_``, and ``expected_error_spearman`` (rank correlation of a molecule's
        expected error with its error over its labelled tasks). Multiclass:
        ``ece_raw``/``ece_calibrated`` over (molecule, class) pairs, ``coverage``,
        ``class_coverage`` (per class name: share of its
        molecules whose set holds it), ``mean_set_size``, and the multiclass Brier score
        (sum over classes) inside and outside the domain.
    """
    rows = np.asarray(rows)
    smiles = prepared.table.frame[prepared.table.smiles_col].tolist()
    members, embeddings = predict_with_embeddings(model, [prepared.data[i] for i in rows],
                                                  batch_size, resolve_device(device))
    y = prepared.y[rows].astype(np.float64)
    mean = members.mean(axis=0)
    values = trust.calibrated(mean)
    known = np.isfinite(y) & np.isfinite(values)
    spread = trust.member_spread(members)  # of calibrated members, as predict reports it
    similarity, distance, expected, inside = trust.domain([smiles[i] for i in rows], embeddings,
                                                          values, spread)
    report: dict = {"confidence": confidence, "molecules": int(len(rows)),
                    "in_domain_share": float(inside.mean()) if len(inside) else float("nan"),
                    "domain_rule": trust.domain_rule,
                    **{f"domain_cv_{k}": v for k, v in trust.domain_cv.items() if k != "rule"}}
    head = trust.head
    if not head.error_model:  # a multiclass target: class sets, no error model
        return _multiclass_report(report, trust, mean, values, y[:, 0], inside, confidence)
    if head.conformal_sets:
        sets = trust.set_membership(values, confidence, similarity)  # bool [n, T, 2]
        label = np.where(known, y, 0).astype(int)
        hit = np.take_along_axis(sets, label[..., None], axis=2)[..., 0]
        report.update(
            ece_raw=expected_calibration_error(mean, y),
            ece_calibrated=expected_calibration_error(values, y),
            coverage=float(hit[known].mean()),
            mean_set_size=float(sets.sum(axis=2)[known].mean()),
        )
        wrong = (values - np.where(known, y, 0)) ** 2  # Brier score per pair
        for side, mask in (("in", inside), ("out", ~inside)):
            report[f"roc_auc_{side}"] = _mean_roc_auc(y[mask], values[mask])
    else:
        bounds = trust.intervals(values, spread, confidence, similarity)
        with np.errstate(invalid="ignore"):
            hit = (y >= bounds[..., 0]) & (y <= bounds[..., 1])
        report.update(coverage=float(hit[known].mean()),
                      mean_width=float((bounds[..., 1] - bounds[..., 0])[known].mean()))
        wrong = (values - y) ** 2
    regression = not head.probabilities  # RMSE of values, else mean Brier score
    report.update(_sides(wrong, known, inside, "", regression))
    # both rules side by side, whichever the model uses
    from molpred.trust.domain import in_domain

    by_thresholds = in_domain(similarity, distance, trust.min_similarity, trust.max_distance)
    report.update(_sides(wrong, known, by_thresholds, "thresholds_", regression))
    report["thresholds_in_domain_share"] = float(by_thresholds.mean()) if len(rows) else np.nan
    if trust.error_model is not None:
        by_model = trust.error_model.in_domain(expected)
        report.update(_sides(wrong, known, by_model, "error_model_", regression))
        report["error_model_in_domain_share"] = float(by_model.mean()) if len(rows) else np.nan
        report["expected_error_spearman"] = _spearman(expected, wrong, known)
    report["error"] = head.error_name
    return report


def _sides(wrong: np.ndarray, known: np.ndarray, inside: np.ndarray, prefix: str,
           regression: bool) -> dict:
    """``{prefix}error_in`` / ``_out`` (mean Brier, or RMSE) and pair counts of the molecules
    kept and flagged by ``inside`` ``bool [n]``."""
    out = {}
    for side, mask in (("in", inside), ("out", ~inside)):
        pairs = known & mask[:, None]
        err = float(wrong[pairs].mean()) if pairs.any() else float("nan")
        out[f"{prefix}error_{side}"] = float(np.sqrt(err)) if regression else err
        out[f"{prefix}pairs_{side}"] = int(pairs.sum())
    return out


def _spearman(expected: np.ndarray, wrong: np.ndarray, known: np.ndarray) -> float:
    """Rank correlation of a molecule's expected error with its mean squared error / Brier
    over its labelled tasks (NaN with fewer than 3 molecules)."""
    from scipy.stats import spearmanr

    count = known.sum(axis=1)
    rows = (count > 0) & np.isfinite(expected)
    if rows.sum() < 3:
        return float("nan")
    actual = np.where(known, wrong, 0.0).sum(axis=1)[rows] / count[rows]
    return float(spearmanr(expected[rows], actual).statistic)


def _multiclass_report(report: dict, trust: TrustModel, mean: np.ndarray, values: np.ndarray,
                       y: np.ndarray, inside: np.ndarray, confidence: float) -> dict:
    """:func:`trust_report`'s multiclass figures, from raw and calibrated probabilities
    ``[n, C]``, class indices ``y`` ``[n]`` (NaN = missing) and the domain flags."""
    known = np.isfinite(y) & np.isfinite(values).all(axis=1)
    label = np.where(known, y, 0).astype(int)
    onehot = np.eye(values.shape[1])[label]
    sets = trust.set_membership(values, confidence)[:, 0, :]  # bool [n, C]
    hit = sets[np.arange(len(label)), label]
    names = trust.classes or [str(c) for c in range(values.shape[1])]
    report.update(
        ece_raw=expected_calibration_error(mean[known], onehot[known]),
        ece_calibrated=expected_calibration_error(values[known], onehot[known]),
        coverage=float(hit[known].mean()) if known.any() else float("nan"),
        class_coverage={names[c]: float(hit[known & (label == c)].mean())
                        for c in range(values.shape[1]) if (known & (label == c)).any()},
        mean_set_size=float(sets.sum(axis=1)[known].mean()) if known.any() else float("nan"),
        error="Brier score (multiclass)",
    )
    brier = ((values - onehot) ** 2).sum(axis=1)
    for side, mask in (("in", inside), ("out", ~inside)):
        rows = known & mask
        report[f"error_{side}"] = float(brier[rows].mean()) if rows.any() else float("nan")
        report[f"pairs_{side}"] = int(rows.sum())
    return report


def _mean_roc_auc(y: np.ndarray, p: np.ndarray) -> float:
    """Mean ROC-AUC over tasks with both classes among ``y`` ``[n, T]``; NaN if none."""
    from sklearn.metrics import roc_auc_score

    scores = []
    for t in range(y.shape[1]):
        known = np.isfinite(y[:, t]) & np.isfinite(p[:, t])
        if len(np.unique(y[known, t])) == 2:
            scores.append(roc_auc_score(y[known, t], p[known, t]))
    return float(np.mean(scores)) if scores else float("nan")



def fit_cross_trust(model, prepared: PreparedDataset, pool: np.ndarray, fold_rows: list[np.ndarray],
                    oof: np.ndarray, labels: np.ndarray, device: str = "auto",
                    batch_size: int = 256,
                    predicted: tuple[np.ndarray, np.ndarray] | None = None) -> TrustModel:
    """A :class:`TrustModel` for a model cross-fitted on K folds (``--model auto``), fitted on
    its out-of-fold (OOF) predictions instead of a held-out validation part.

    - Calibration (none, Platt, Venn-ABERS or isotonic per task, as cross-validation chooses:
      :meth:`~molpred.tasks.base.TaskHead.fit_calibration`) and the conformal scores: OOF
      predictions ``oof`` against ``labels``. Regression intervals are not normalized by the
      members' spread: each train+val molecule was seen by K-1 of the K final members, so
      its spread follows its own OOF error instead of saying how much members disagree on a
      new molecule (normalized scores gave 90 % intervals that held 66-86 % of ESOL,
      FreeSolv and lipophilicity test molecules); they are plain split-conformal intervals,
      Mondrian by similarity bin.
    - Domain: the reference set is every train+val molecule; the similarity threshold keeps
      90 % of each fold's molecules by their similarity to the other folds (as a new molecule
      relates to the training set); the embedding distances the threshold and the error
      model are fitted on are out-of-fold too (:func:`~molpred.trust.domain.out_of_fold_distance`:
      each molecule measured by the fold model that did not train on it), not the in-sample
      distances of molecules K-1 of the K members trained on. A new molecule's distance is
      the mean over the K members, which varies a little less than one member's: the
      threshold keeps somewhat more than 90 % of new molecules if the members disagree.

    Args:
        model: The final model (all folds' members).
        prepared: The featurized dataset.
        pool: ``int64 [n]`` train+val rows; ``fold_rows`` partition them.
        oof: ``float64 [n, T]`` OOF predictions (probabilities or values).
        labels: ``float64 [n, T]`` labels of ``pool``, NaN = missing.
        predicted: The model's ``(members [K, n, T], embeddings [K, n, H])`` of ``pool`` if
            already computed (:func:`~molpred.inference.predict_with_embeddings`).

    Returns:
        The fitted :class:`~molpred.trust.model.TrustModel`.
    """
    from molpred.trust.domain import (
        EmbeddingDistance,
        FingerprintIndex,
        domain_thresholds,
        ecfp4_bits,
        out_of_fold_distance,
    )

    smiles = prepared.table.frame[prepared.table.smiles_col].tolist()
    pool_smiles = [smiles[i] for i in pool]
    members, embeddings = predicted or predict_with_embeddings(
        model, [prepared.data[i] for i in pool], batch_size, resolve_device(device))
    head = task_head(prepared.task_type)
    platt, val, maps = head.fit_calibration(members, labels, mean=oof)
    standardize = prepared.featurizer.standardize
    bits = ecfp4_bits(pool_smiles, standardize)
    fold = fold_of(pool, fold_rows)
    similarity = np.full(len(pool), np.nan)
    for k in range(len(fold_rows)):
        inside = fold == k
        others = FingerprintIndex([b for b, h in zip(bits, inside, strict=True) if not h])
        similarity[inside] = others.max_similarity([b for b, h in zip(bits, inside, strict=True)
                                                    if h])
    embedding = [EmbeddingDistance.fit(e) for e in embeddings]
    if getattr(model, "network", None) is not None and len(embeddings) == len(fold_rows):
        # a network member per fold (member k = fold k's model): as a new molecule's
        distance = out_of_fold_distance(embedding, embeddings, fold)
    else:  # the trees' input vectors (one "member"), which no training changed
        distance = embedding[0].distance(embeddings[0])
    min_similarity, max_distance = domain_thresholds(similarity, distance)
    # the members' spread on molecules they were trained on says little: not a signal here;
    # the task type's own signal (p(1-p), or a value's extremity) is, as for an ensemble
    signals = ("dissimilarity", "distance") + tuple(head.error_signals)
    error_model, rule, cv = fit_error_model(prepared.task_type, similarity, distance,
                                            val["values"], None, labels, signals)
    return TrustModel(prepared.task_type, platt,
                      {k: np.asarray(v, dtype=np.float64) for k, v in val.items()}
                      | {"similarity": similarity},
                      FingerprintIndex(bits), embedding, min_similarity, max_distance, standardize,
                      None, error_model, rule, cv, conformal="similarity", maps=maps)


def refit_cross_trust(trust: TrustModel, model, prepared: PreparedDataset, pool: np.ndarray,
                      fold_rows: list[np.ndarray], device: str = "auto",
                      batch_size: int = 256) -> TrustModel:
    """A saved cross-fitted (``auto``) model's trust fitted again as :func:`fit_cross_trust`
    fits it today, without retraining: for models saved before a change of the trust rules
    (e.g. out-of-fold embedding distances, Venn-ABERS calibration).

    Member k of such a model is fold k's model (a blend's member k mixes fold k's network
    and trees with the saved weights), so its predictions of fold k's molecules are the
    out-of-fold predictions ``auto`` fitted its trust on, up to the stored precision (the
    panel keeps network weights as float16): those are refitted on.

    Args:
        trust: The model's saved :class:`~molpred.trust.model.TrustModel` (its ``val`` arrays
            in ``pool`` order, as :func:`fit_cross_trust` saved them).
        model, prepared, pool, fold_rows: As for :func:`fit_cross_trust`, re-created as the
            training run made them (same data, featurizer, split, folds and seed:
            :func:`~molpred.training.auto.cross_validation_rows`).

    Returns:
        A new :class:`~molpred.trust.model.TrustModel`.

    Raises:
        ValueError: if ``pool`` and ``fold_rows`` are not the ones the trust file was fitted
            on (its labels or out-of-fold similarities differ), or the model has not one
            member per fold.
    """
    labels = prepared.y[pool].astype(np.float64)
    saved = trust.val.get("labels")
    if saved is None or saved.shape != labels.shape or not np.allclose(saved, labels,
                                                                         equal_nan=True):
        raise ValueError("these train+val rows are not the ones the trust file was fitted on "
                         "(their labels differ)")
    members, embeddings = predict_with_embeddings(model, [prepared.data[i] for i in pool],
                                                  batch_size, resolve_device(device))
    if members.shape[0] != len(fold_rows):
        raise ValueError(f"{members.shape[0]} members for {len(fold_rows)} folds: not a model "
                         "cross-fitted on these folds")
    oof = members[fold_of(pool, fold_rows), np.arange(len(pool))]
    refit = fit_cross_trust(model, prepared, pool, fold_rows, oof, labels, device, batch_size,
                            (members, embeddings))
    if not np.allclose(refit.val["similarity"], trust.val["similarity"], equal_nan=True):
        raise ValueError("these folds are not the ones the trust file was fitted on (the "
                         "out-of-fold similarities differ)")
    return refit


def fold_of(pool: np.ndarray, fold_rows: list[np.ndarray]) -> np.ndarray:
    """``int64 [n]``: the fold (0..K-1) of each of the ``pool`` rows ``fold_rows`` partition."""
    fold = np.zeros(len(pool), dtype=np.int64)
    for k, held in enumerate(fold_rows):
        fold[np.isin(pool, held)] = k
    return fold
