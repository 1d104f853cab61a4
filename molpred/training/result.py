"""What training returns: :class:`TrainResult` (shared by :mod:`molpred.training.api` and
:mod:`molpred.training.auto`, so neither imports the other for it)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from molpred.models.ensemble import Ensemble
from molpred.models.model import MoleculeModel
from molpred.trust.model import TrustModel


@dataclass
class TrainResult:
    """Outcome of :func:`train`.

    Attributes:
        model: The trained model (best validation epoch), on CPU, in eval mode; an
            :class:`~molpred.models.ensemble.Ensemble` when ``ensemble_size > 1``.
        metrics: ``{"val": score, "test": score, "best_epoch", "epochs_run",
            "train_seconds", "rows": {...}}`` where each score is a
            :func:`molpred.training.metrics.score_predictions` dict of the model (the
            ensemble mean for ensembles, whose ``members`` list holds each member's
            ``seed``, ``best_epoch``, ``epochs_run``, ``train_seconds`` and ``val_score``).
            ``best_epoch`` and ``epochs_run`` are the first member's; ``train_seconds``
            is the sum over members.
        model_dir: Where the model was saved, or ``None`` (also on non-zero ranks of a
            data-parallel run).
        predictions: ``{"val": frame, "test": frame}`` for the parts scored: the
            :func:`~molpred.training.evaluate.predict_part` frames (``row``, one column per
            task, ``error``) the scores were computed from, in ``score.py`` format.
        trust: Calibration, conformal predictors and applicability domain fitted on the
            split's validation part (saved with the model); ``metrics["trust"]`` says how
            they hold on test (:func:`~molpred.training.trust.trust_report`).
    """

    model: MoleculeModel | Ensemble
    metrics: dict[str, Any]
    model_dir: Path | None
    predictions: dict[str, Any] = field(default_factory=dict)
    trust: TrustModel | None = None
