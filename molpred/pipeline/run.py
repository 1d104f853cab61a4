"""Stage 3: inference and trust, from the features of stage 2 to the numbers of a report.

:func:`run_rows` runs stages 1-3 for a list of SMILES (in this process or a pool);
:func:`predict_features` runs stage 3 alone, for a pool worker or a Ray actor that made the
features itself. Both give a :class:`Predicted`, which
:meth:`molpred.predictor.Predictor.table` turns into the output table.
"""

from __future__ import annotations

from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from typing import Protocol

import numpy as np
import pandas as pd

from molpred.featurizers.featurize import PARALLEL_THRESHOLD, default_workers, slices
from molpred.inference import predict_with_embeddings, resolve_device
from molpred.pipeline.columns import ALERTS_COLUMN, DOMAIN_COLUMNS
from molpred.pipeline.features import (
    FeatureRequest,
    RowFeatures,
    concat_features,
    featurize,
)


class Predictor(Protocol):
    """What stage 3 needs of a loaded model (:class:`molpred.predictor.Predictor` is one)."""

    model: object
    """The network, ensemble, tree model or blend; its ``config.featurizer_config`` says
    what stage 2 computes."""
    trust: object | None
    """A :class:`~molpred.trust.model.TrustModel`, or ``None``."""
    ensemble_size: int
    tasks: list[str]
    """Output columns T of ``[N, T]`` predictions."""

    def summarize(self, members: np.ndarray) -> tuple[np.ndarray, np.ndarray | None]:
        """``(values [N, T], spread [N, T] | None)`` of member predictions ``[M, N, T]``."""

    def trust_columns(self, values: np.ndarray, spread: np.ndarray | None,
                      confidence: float | None, similarity: np.ndarray | None = None
                      ) -> dict[str, object]:
        """Conformal columns at ``confidence``, each N long (``similarity`` ``[N]``: the
        molecules' max ECFP4 similarity to the training set)."""


@dataclass(frozen=True)
class RunOptions:
    """How to predict and which trust columns to add.

    Attributes:
        batch_size: Molecules per forward pass; ``None``:
            :func:`~molpred.inference.default_batch_size` for the device (32 on the CPU, 256
            on a GPU), as a screen takes.
        device: ``auto``, ``cpu`` or ``cuda``.
        precision: ``fp32`` or ``bf16`` (:data:`molpred.names.INFERENCE_PRECISIONS`).
        confidence: Conformal sets/intervals at this confidence (e.g. 0.9), ``None`` for none.
        domain: The applicability-domain columns (models with trust files).
        alerts: The ``alerts`` column.
        druglike: The drug-likeness columns (screening).
    """

    batch_size: int | None = None
    device: str = "auto"
    precision: str = "fp32"
    confidence: float | None = None
    domain: bool = True
    alerts: bool = True
    druglike: bool = False

    def request(self, predictor: Predictor) -> FeatureRequest:
        """The features stage 2 must compute for ``predictor`` with these options."""
        trust = predictor.trust
        by_similarity = (trust is not None and trust.conformal == "similarity"
                         and self.confidence is not None)  # sets conditioned on similarity
        return FeatureRequest(predictor.model.config.featurizer_config,
                              fingerprints=trust is not None and (self.domain or by_similarity),
                              alerts=self.alerts, druglike=self.druglike)


@dataclass
class Predicted:
    """Stage 3's output for N rows: numbers and short strings only (cheap to send back from
    a worker).

    Attributes:
        values: ``float64 [N, T]``: calibrated probabilities or values in the dataset's
            units (NaN for failed rows).
        spread: ``float64 [N, T]`` ensemble spread, ``None`` for a single model.
        extra: Trust columns by name, each N long (``TASK_set``, ``TASK_lower``/``_upper``,
            the domain columns, ``alerts``), in the order the report places them.
        errors: N strings, ``""`` or why the row failed.
        druglike: N-row drug-likeness DataFrame, or ``None``.
    """

    values: np.ndarray
    spread: np.ndarray | None
    extra: dict[str, object] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)
    druglike: pd.DataFrame | None = None

    def __len__(self) -> int:
        return len(self.values)


def predict_features(predictor: Predictor, features: RowFeatures, options: RunOptions
                     ) -> Predicted:
    """Stage 3: member predictions (and embeddings for the domain), calibration, spread,
    conformal sets or intervals at ``options.confidence``, the applicability domain and the
    alerts carried from stage 2.

    Raises:
        InputError: for an unknown or unavailable device, an unknown precision or a batch
            size under 1.
    """
    want_domain = (options.domain and predictor.trust is not None
                   and features.fingerprints is not None)
    if len(features):
        members, embeddings = predict_with_embeddings(
            predictor.model, features.arrays, options.batch_size,
            resolve_device(options.device), options.precision, embeddings=want_domain)
    else:  # no rows (a screen's template): the columns, without running the model
        members, embeddings = np.empty((predictor.ensemble_size, 0, len(predictor.tasks))), None
    values, spread = predictor.summarize(members)
    similarity = None  # what the conformal predictors' similarity bins and the domain read
    if predictor.trust is not None and features.fingerprints is not None and len(features):
        similarity = predictor.trust.fingerprints.max_similarity(features.fingerprints)
        similarity[features.failed] = np.nan
    extra = predictor.trust_columns(values, spread, options.confidence, similarity)
    if want_domain:  # failed rows: no similarity, not in the domain (their error says why)
        distance, expected = np.empty(0), np.empty(0)
        inside = np.empty(0, dtype=bool)
        if similarity is None:
            similarity = np.empty(0)
        if embeddings is not None:
            failed = features.failed
            similarity, distance, expected, inside = predictor.trust.domain_of(
                features.fingerprints, embeddings, values, spread, similarity)
            similarity[failed], distance[failed], expected[failed] = np.nan, np.nan, np.nan
            inside[failed] = False
        extra.update(zip(DOMAIN_COLUMNS, (similarity, distance, expected, inside), strict=True))
    if features.alerts is not None:
        extra[ALERTS_COLUMN] = features.alerts
    return Predicted(values, spread, extra, list(features.errors), features.druglike)


def run_rows(predictor: Predictor, smiles: Sequence[object], options: RunOptions,
             workers: int | None = None) -> Predicted:
    """Stages 1-3 for ``smiles``: featurized by a process pool of ``workers`` (default all
    cores) for inputs of :data:`~molpred.featurizers.featurize.PARALLEL_THRESHOLD` rows or
    more, predicted here.

    Raises:
        InputError: as :func:`predict_features`, or for ``MOLPRED_NUM_WORKERS`` that is not a
            whole number.
    """
    request = options.request(predictor)
    workers = default_workers() if workers is None else max(1, workers)
    if workers == 1 or len(smiles) < PARALLEL_THRESHOLD:  # slice by slice: the molecules of
        # one slice at a time are alive, not those of the whole input
        features = concat_features([featurize(part, request) for part in slices(smiles)]
                                   or [featurize([], request)])  # no rows: the columns
    else:
        parts = slices(smiles)
        with ProcessPoolExecutor(max_workers=workers) as pool:
            features = concat_features(list(pool.map(featurize, parts, [request] * len(parts))))
    return predict_features(predictor, features, options)


def concat_predicted(parts: Sequence[Predicted], tasks: int) -> Predicted:
    """Join slices of rows, in order, into one :class:`Predicted` (``tasks`` columns when
    there is no slice)."""
    if not parts:
        return Predicted(np.empty((0, tasks)), None)
    first = parts[0]
    extra: dict[str, object] = {}
    for key, column in first.extra.items():
        if isinstance(column, np.ndarray):
            extra[key] = np.concatenate([p.extra[key] for p in parts])
        else:
            extra[key] = [x for p in parts for x in p.extra[key]]
    return Predicted(
        np.concatenate([p.values for p in parts]),
        np.concatenate([p.spread for p in parts]) if first.spread is not None else None,
        extra, [e for p in parts for e in p.errors],
        (pd.concat([p.druglike for p in parts], ignore_index=True)
         if first.druglike is not None else None))
