"""Everything that says how far to believe a model's prediction, fitted once on the
validation part and saved beside the weights (``trust.json`` + ``trust.safetensors``):

- calibration of classification probabilities (:mod:`molpred.trust.calibration`);
- conformal prediction sets / intervals at any confidence (:mod:`molpred.trust.conformal`);
- the applicability domain: ECFP4 similarity to the training set and distance in embedding
  space (:mod:`molpred.trust.domain`), and the expected error a small model learns from
  those, the ensemble spread and the probability itself on validation molecules
  (:mod:`molpred.trust.error_model`). ``in_domain`` thresholds whichever of the two separates
  validation errors better in cross-validation.

Nothing here is pickled: arrays go to safetensors, numbers to JSON.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

import numpy as np
from safetensors import SafetensorError
from safetensors.numpy import load_file, save_file

from molpred.exceptions import ModelFileError
from molpred.tasks import TaskHead, task_head
from molpred.trust.calibration import (
    MAP_KEYS,
    calibrate_binary,  # noqa: F401 - re-exported
)
from molpred.trust.conformal import (  # noqa: F401 - re-exported
    CONFORMAL_KINDS,
    EMPTY_SET,
    set_labels,
)
from molpred.trust.domain import (
    EmbeddingDistance,
    FingerprintIndex,
    domain_thresholds,
    ecfp4_bits,
    in_domain,
)
from molpred.trust.error_model import ErrorModel, choose_domain_rule

TRUST_JSON = "trust.json"
TRUST_WEIGHTS = "trust.safetensors"
TRUST_FORMAT = "molpred-trust"
TRUST_FORMAT_VERSION = 2
"""``trust.json``'s ``format_version``, written since 2026-12-06 (2: the format with Venn-ABERS
tables); a file without the field (the shipped models', some holding Venn-ABERS tables) reads
as version 1 the same way. :meth:`TrustModel.load` refuses a version above this one, so a file
of a newer molpred is refused rather than read in part."""
KNOWN_ARRAY_PREFIXES = ("val_", "embedding_mean_", "embedding_components_",
                        *(f"{name}_" for name in MAP_KEYS.values()))
"""Besides ``platt`` and the fingerprint arrays, the names ``trust.safetensors`` may hold;
:meth:`TrustModel.load` refuses any other (a newer molpred's part, which it cannot apply)."""



class TrustModel:
    """Calibration, conformal predictors and applicability domain of one trained model.

    Build with :meth:`fit`, save with :meth:`save`, read back with :meth:`load`.

    Attributes:
        task_type: ``classification``, ``regression`` or ``multiclass``.
        platt: ``float64 [T, 2]`` Platt parameters (classification; identity for regression);
            for a multiclass target ``[1, 2]``: ``(1 / temperature, 0)``.
        val: Validation arrays the conformal predictors are built from: ``values``
            (calibrated probabilities or predictions, ``[n, T]``; multiclass ``[n, C]``),
            ``labels`` ``[n, T]`` (NaN = missing; multiclass ``[n, 1]`` class indices),
            for regression ``sigmas`` ``[n, T]`` (the members' spread; absent for a model
            cross-fitted on K folds, whose intervals are then not normalized by it), and
            ``similarity`` ``[n]`` (max ECFP4 similarity to the training set; trust files
            since the ``similarity`` kind).
        classes: Class names of a multiclass target (what its sets list), else ``None``.
        fingerprints: :class:`~molpred.trust.domain.FingerprintIndex` of training molecules.
        embedding: One :class:`~molpred.trust.domain.EmbeddingDistance` per ensemble member.
        min_similarity, max_distance: The in-domain thresholds, chosen on validation.
        standardize: Whether fingerprints are taken of standardized molecules (as the model
            sees them).
        error_model: The :class:`~molpred.trust.error_model.ErrorModel` giving
            ``expected_error``, or ``None`` (too few validation labels; models saved before it).
        domain_rule: ``"error_model"`` (``in_domain`` = expected error at most its threshold)
            or ``"thresholds"`` (similarity and distance thresholds), chosen by
            :func:`~molpred.trust.error_model.choose_domain_rule` on validation.
        domain_cv: That choice's cross-validated figures (JSON-ready), or ``{}``.
        maps: ``{task index: table}`` monotone calibration maps of the binary tasks whose
            calibration cross-validation chose one (their Platt row is the identity):
            isotonic breakpoints ``float64 [2, K]`` or a Venn-ABERS table ``float64 [3, K + 1]``
            (:func:`~molpred.trust.calibration.apply_map`).
        conformal: How the conformal predictors are conditioned
            (:data:`~molpred.trust.conformal.CONFORMAL_KINDS`): ``"similarity"`` (by similarity
            bin and, binary tasks, by class; needs ``val["similarity"]``), ``"mondrian"``
            (binary tasks by class) or ``"marginal"`` (trust files saved before the kind was
            recorded).
    """

    def __init__(self, task_type: str, platt: np.ndarray, val: dict[str, np.ndarray],
                 fingerprints: FingerprintIndex, embedding: list[EmbeddingDistance],
                 min_similarity: float, max_distance: float, standardize: bool = False,
                 classes: Sequence[str] | None = None, error_model: ErrorModel | None = None,
                 domain_rule: str = "thresholds", domain_cv: dict | None = None,
                 conformal: str = "mondrian", maps: dict[int, np.ndarray] | None = None
                 ) -> None:
        self.task_type = task_type
        self.classes = list(classes) if classes is not None else None
        self.standardize = standardize
        self.platt = platt
        self.val = val
        self.fingerprints = fingerprints
        self.embedding = embedding
        self.min_similarity = min_similarity
        self.max_distance = max_distance
        self.error_model = error_model
        self.domain_rule = domain_rule
        self.domain_cv = dict(domain_cv or {})
        self.conformal = conformal
        self.maps = dict(maps or {})
        self._conformal: list | None = None  # built on first use: crepes takes ~1 s to import

    @property
    def head(self) -> TaskHead:
        """The task type's head (:mod:`molpred.tasks`): calibrator and conformal predictors."""
        return task_head(self.task_type)

    def _conformal_predictors(self) -> list:
        """One conformal predictor per task, from the validation arrays."""
        if self._conformal is None:
            self._conformal = self.head.conformal_predictors(self.val, self.platt.shape[0],
                                                             self.conformal)
        return self._conformal

    @classmethod
    def fit(cls, task_type: str, train_smiles: Sequence[str], train_embeddings: np.ndarray,
            val_smiles: Sequence[str], val_members: np.ndarray, val_embeddings: np.ndarray,
            val_labels: np.ndarray, standardize: bool = False,
            classes: Sequence[str] | None = None) -> TrustModel:
        """Fit on a model's training and validation molecules.

        Args:
            task_type: ``classification`` or ``regression``.
            train_smiles: SMILES of the training molecules (for ECFP4 similarity).
            train_embeddings: ``float [M, n_train, H]`` member embeddings of the training
                molecules (NaN rows for failed molecules).
            val_smiles: SMILES of the validation molecules.
            val_members: ``float [M, n_val, T]`` member predictions on validation molecules.
            val_embeddings: ``float [M, n_val, H]`` member embeddings of validation molecules.
            val_labels: ``float [n_val, T]`` labels, NaN = missing.
            standardize: Fingerprint standardized molecules (the model's featurizer setting).
            classes: Class names of a multiclass target.

        Returns:
            The fitted :class:`TrustModel`.
        """
        platt, val, maps = _calibration(task_type, val_members, val_labels)
        fingerprints = FingerprintIndex(ecfp4_bits(train_smiles, standardize))
        embedding = [EmbeddingDistance.fit(e) for e in train_embeddings]
        similarity = fingerprints.max_similarity(ecfp4_bits(val_smiles, standardize))
        distance = _mean_distance(embedding, val_embeddings)
        min_similarity, max_distance = domain_thresholds(similarity, distance)
        model = cls(task_type, platt,
                    {k: np.asarray(v, dtype=np.float64) for k, v in val.items()}
                    | {"similarity": np.asarray(similarity, dtype=np.float64)},
                    fingerprints, embedding, min_similarity, max_distance, standardize, classes,
                    conformal="similarity", maps=maps)
        spread = model.member_spread(val_members)  # as predict computes it
        model.error_model, model.domain_rule, model.domain_cv = fit_error_model(
            task_type, similarity, distance, val["values"], spread, val_labels)
        return model

    def member_spread(self, members: np.ndarray) -> np.ndarray | None:
        """``float64 [N, T]`` population std of the members' calibrated predictions
        ``[M, N, T]`` (what ``TASK_std`` and the error model's ``spread`` are); ``None`` for a
        single model."""
        if members.shape[0] < 2:
            return None
        return np.stack([self.calibrated(m) for m in members]).std(axis=0)

    def recalibrated(self, members: np.ndarray, labels: np.ndarray,
                     similarity: np.ndarray | None = None) -> TrustModel:
        """A copy whose calibration and conformal predictors are refitted on new labelled
        molecules (their member predictions ``float [M, n, T]``, labels ``[n, T]``, NaN =
        missing, and max similarity ``[n]`` to the training set, without which the conformal
        predictors are not conditioned on similarity); the applicability domain (training
        set, thresholds) is kept. What Morger et al. (2021, J. Cheminform. 13, 35) showed
        repairs calibration and coverage when the data drift from the training set.
        """
        platt, val, maps = _calibration(self.task_type, members, labels)
        val = {k: np.asarray(v, dtype=np.float64) for k, v in val.items()}
        conformal = self.conformal
        if similarity is not None:
            val["similarity"], conformal = np.asarray(similarity, dtype=np.float64), "similarity"
        elif conformal == "similarity":
            conformal = "mondrian"
        return TrustModel(self.task_type, platt, val, self.fingerprints, self.embedding,
                          self.min_similarity, self.max_distance, self.standardize, self.classes,
                          self.error_model, self.domain_rule, self.domain_cv, conformal, maps)

    def calibrated(self, mean: np.ndarray) -> np.ndarray:
        """Calibrated probabilities ``float64 [N, T]`` from the members' mean ``[N, T]``
        (classification; multiclass ``[N, C]``); regression values are returned unchanged."""
        return self.head.calibrate(mean, self.platt, self.maps)

    def set_membership(self, values: np.ndarray, confidence: float,
                       similarity: np.ndarray | None = None) -> np.ndarray:
        """Classification: ``bool [N, T, 2]``, whether classes 0 and 1 are in each molecule's
        conformal set for each task, from calibrated probabilities ``[N, T]`` (both False for
        failed rows); multiclass: ``bool [N, 1, C]`` from ``[N, C]``. ``similarity`` ``[N]``
        (max ECFP4 similarity to the training set) picks each molecule's bin where the
        predictors are conditioned on it; without it they are not.

        Raises:
            InputError: if ``confidence`` is not between 0 and 1.
        """
        return self.head.set_membership(self._conformal_predictors(), values, confidence,
                                        similarity)

    def prediction_sets(self, values: np.ndarray, confidence: float,
                        similarity: np.ndarray | None = None) -> list[list[str]]:
        """:meth:`set_membership` as text, per task: ``"0"``, ``"1"``, ``"0,1"`` (both
        plausible), ``"empty"`` (no class reaches the confidence) or ``""`` (a failed row).

        Raises:
            InputError: if ``confidence`` is not between 0 and 1.
        """
        members = self.set_membership(values, confidence, similarity)
        return self.head.set_labels(members, values, self.classes)

    def intervals(self, values: np.ndarray, spread: np.ndarray | None, confidence: float,
                  similarity: np.ndarray | None = None) -> np.ndarray:
        """Regression: ``float64 [N, T, 2]`` conformal lower/upper bounds around predictions
        ``[N, T]`` with ensemble spread ``[N, T]`` (``None``: zero, a single model) and
        ``similarity`` ``[N]`` as for :meth:`set_membership`.

        Raises:
            InputError: if ``confidence`` is not between 0 and 1.
        """
        spread = np.zeros_like(values) if spread is None else spread
        return np.stack([c.predict_interval(values[:, t], spread[:, t], confidence, similarity)
                         for t, c in enumerate(self._conformal_predictors())], axis=1)

    def domain(self, smiles: Sequence[str | None], embeddings: np.ndarray,
               values: np.ndarray | None = None, spread: np.ndarray | None = None
               ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """``(max_similarity float64 [N], embedding_distance float64 [N], expected_error
        float64 [N], in_domain bool [N])`` for N molecules given as SMILES with member
        embeddings ``float [M, N, H]``, their calibrated predictions ``values`` ``[N, T]`` and
        ensemble ``spread`` ``[N, T]`` (``None``: a single model). ``expected_error`` is NaN
        without an error model or without ``values``."""
        return self.domain_of(ecfp4_bits(smiles, self.standardize), embeddings, values, spread)

    def domain_of(self, bits: Sequence[np.ndarray | None], embeddings: np.ndarray,
                  values: np.ndarray | None = None, spread: np.ndarray | None = None,
                  similarity: np.ndarray | None = None
                  ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """:meth:`domain` from ECFP4 on-bits already computed on the molecules the model sees
        (:func:`~molpred.trust.domain.ecfp4_bits_of`; ``None`` for a failed row), or from
        their max similarity ``[N]`` to the training set where already computed."""
        if similarity is None or len(similarity) != len(bits):
            similarity = self.fingerprints.max_similarity(bits)
        distance = _mean_distance(self.embedding, embeddings)
        expected = np.full(len(similarity), np.nan)
        if self.error_model is not None and values is not None and self.head.error_model:
            expected = self.error_model.expected(similarity, distance, values, spread)
        if self.domain_rule == "error_model" and self.error_model is not None and values is not None:
            inside = self.error_model.in_domain(expected)
        else:
            inside = in_domain(similarity, distance, self.min_similarity, self.max_distance)
        return similarity, distance, expected, inside

    def save(self, directory: str | Path) -> None:
        """Write ``trust.json`` and ``trust.safetensors`` into a model directory."""
        out = Path(directory)
        arrays = {"platt": self.platt, **{f"val_{k}": v for k, v in self.val.items()},
                  **{f"{MAP_KEYS[b.shape[0]]}_{t}": b for t, b in self.maps.items()},
                  **self.fingerprints.arrays()}
        for k, e in enumerate(self.embedding):
            arrays[f"embedding_mean_{k}"] = e.mean
            arrays[f"embedding_components_{k}"] = e.components
        save_file({k: np.ascontiguousarray(v) for k, v in arrays.items()}, str(out / TRUST_WEIGHTS),
                  metadata={"format": TRUST_FORMAT})
        from molpred.models.digest import file_sha256

        (out / TRUST_JSON).write_text(json.dumps({
            "format": TRUST_FORMAT, "format_version": TRUST_FORMAT_VERSION,
            "sha256": file_sha256(out / TRUST_WEIGHTS),
            "task_type": self.task_type, "members": len(self.embedding),
            "min_similarity": self.min_similarity, "max_distance": self.max_distance,
            "standardize": self.standardize, "classes": self.classes,
            "error_model": None if self.error_model is None else self.error_model.to_dict(),
            "domain_rule": self.domain_rule, "domain_cv": self.domain_cv,
            "conformal": self.conformal,
        }, indent=2))

    @classmethod
    def load(cls, directory: str | Path) -> TrustModel | None:
        """Read a model directory's trust files; ``None`` when it has none (models trained
        before molpred saved them).

        Raises:
            ModelFileError: if the files are corrupt or not molpred's.
        """
        path = Path(directory)
        if not (path / TRUST_JSON).is_file():
            return None
        try:
            meta = json.loads((path / TRUST_JSON).read_text())
            if meta.get("format") != TRUST_FORMAT:
                raise ValueError(f"no format {TRUST_FORMAT!r}")
            version = meta.get("format_version", 1)  # files before the field: version 1
            if not isinstance(version, int) or isinstance(version, bool) or not (
                    1 <= version <= TRUST_FORMAT_VERSION):
                raise ValueError(f"trust format version {version!r}; this molpred reads versions "
                                 f"1-{TRUST_FORMAT_VERSION} (saved by a newer molpred?)")
            if "sha256" in meta:  # files saved before the hash was recorded have none
                from molpred.models.digest import check_sha256

                check_sha256(path / TRUST_WEIGHTS, meta["sha256"], TRUST_JSON)
            arrays = load_file(str(path / TRUST_WEIGHTS))
            val = {k[4:]: arrays[k] for k in arrays if k.startswith("val_")}
            embedding = [EmbeddingDistance(arrays[f"embedding_mean_{k}"],
                                           arrays[f"embedding_components_{k}"])
                         for k in range(int(meta["members"]))]
            error_model = None
            if meta.get("error_model") is not None:
                error_model = ErrorModel.from_dict(meta["error_model"], arrays["platt"].shape[0])
            rule = meta.get("domain_rule", "thresholds")
            if rule not in ("thresholds", "error_model"):
                raise ValueError(f"unknown domain rule {rule!r}")
            cv = meta.get("domain_cv") or {}
            if not isinstance(cv, dict):
                raise ValueError("domain_cv must be an object")
            unknown = sorted(k for k in arrays if k not in ("platt", "fp_indices", "fp_offsets")
                             and not k.startswith(KNOWN_ARRAY_PREFIXES))
            if unknown:  # e.g. a calibration map of a newer molpred: never silently dropped
                raise ValueError(f"arrays this molpred does not know: {', '.join(unknown[:3])} "
                                 "(saved by a newer version?)")
            maps = {}
            for rows, prefix in MAP_KEYS.items():
                for key in (k for k in arrays if k.startswith(prefix + "_")):
                    t, b = int(key[len(prefix) + 1:]), arrays[key]
                    if not (0 <= t < arrays["platt"].shape[0] and t not in maps and b.ndim == 2
                            and b.shape[0] == rows and b.shape[1] >= 2
                            and np.isfinite(b).all() and (np.diff(b[0]) >= 0).all()):
                        raise ValueError(f"malformed {prefix} calibration of task {t}")
                    maps[t] = b
            conformal = meta.get("conformal", "marginal")  # files before it: marginal
            if conformal not in CONFORMAL_KINDS:
                raise ValueError(f"unknown conformal predictor {conformal!r}")
            if conformal == "similarity" and val.get("similarity", np.empty((0, 0))).ndim != 1:
                raise ValueError("conformal predictors by similarity without the validation "
                                 "molecules' similarity")
            return cls(meta["task_type"], arrays["platt"], val,
                       FingerprintIndex.from_arrays(arrays["fp_indices"], arrays["fp_offsets"]),
                       embedding, float(meta["min_similarity"]), float(meta["max_distance"]),
                       bool(meta.get("standardize", False)), _class_names(meta.get("classes")),
                       error_model, rule, cv, conformal, maps)
        except (OSError, ValueError, KeyError, TypeError, SafetensorError) as exc:
            raise ModelFileError(f"{path} has corrupt uncertainty files ({TRUST_JSON}, "
                                 f"{TRUST_WEIGHTS}): {exc}") from None


def fit_error_model(task_type: str, similarity: np.ndarray, distance: np.ndarray,
                    values: np.ndarray, spread: np.ndarray | None, labels: np.ndarray,
                    features: tuple[str, ...] | None = None
                    ) -> tuple[ErrorModel | None, str, dict]:
    """``(error model, domain rule, its CV figures)`` from held-out molecules' signals
    (``[n]``), calibrated predictions, spread and labels (``[n, T]``); no error model for a
    multiclass target or too few labels (the rule is then ``"thresholds"``)."""
    if not task_head(task_type).error_model:
        return None, "thresholds", {}
    model = ErrorModel.fit(task_type, similarity, distance, values, spread, labels, features)
    if model is None:
        return None, "thresholds", {}
    cv = choose_domain_rule(task_type, similarity, distance, values, spread, labels, features)
    return model, cv["rule"], cv


def _mean_distance(embedding: list[EmbeddingDistance], members: np.ndarray) -> np.ndarray:
    return np.mean([e.distance(m) for e, m in zip(embedding, members, strict=True)], axis=0)


def _class_names(value) -> list[str] | None:
    """``trust.json``'s class list, checked: ``None`` or a list of short strings.

    Raises:
        ValueError: for anything else.
    """
    if value is None:
        return None
    if not isinstance(value, list) or not all(isinstance(v, str) and len(v) <= 64 for v in value):
        raise ValueError("classes must be a list of class names")
    return value


def _calibration(task_type: str, members: np.ndarray, labels: np.ndarray
                 ) -> tuple[np.ndarray, dict[str, np.ndarray], dict[int, np.ndarray]]:
    """``(Platt/temperature parameters, validation arrays, monotone maps)`` from member
    predictions ``float [M, n, T]`` and labels ``[n, T]``: none, Platt, Venn-ABERS or isotonic
    per binary task as cross-validation chooses
    (:func:`~molpred.trust.calibration.fit_calibration`), temperature for a multiclass
    target, identity for regression (whose arrays add the members' spread)."""
    return task_head(task_type).fit_calibration(members, labels)
