"""Several models run as one through the pipeline: the panel table of ``molpred predict``
with no ``-m``, and ``molpred screen`` with no ``-m``.

Each SMILES is parsed once, as given; models that standardize read standardized copies of
those molecules (:func:`molpred.pipeline.prepare.standardized`); models sharing a featurizer
share its features. Each model then runs stage 3 (:func:`molpred.pipeline.run.predict_features`)
and :meth:`Panel.report` lays out one wide table with ``MODEL.COLUMN`` names.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

import pandas as pd

from molpred.exceptions import InputError
from molpred.featurizers.featurize import SLICE_ROWS, DescriptorMemo, default_workers, slices
from molpred.names import PARALLEL_THRESHOLD
from molpred.pipeline.columns import ALERTS_COLUMN
from molpred.pipeline.features import RowFeatures, compute_features
from molpred.pipeline.prepare import prepare, standardized
from molpred.pipeline.run import Predicted, RunOptions, concat_predicted, predict_features
from molpred.predictor import Predictor, _free, error_column, load

SEPARATOR = "."
"""Between a model's name and its column in the panel table (``tox21.NR-AR``)."""


def pool_slice_rows(rows: int, workers: int) -> int:
    """Rows per pool task for ``rows`` input rows on ``workers`` processes: about four
    slices per worker, so that a worker given a slice of slow molecules does not leave the
    others idle at the end; at least 32 rows (each task pays a round trip) and at most
    :data:`~molpred.featurizers.featurize.SLICE_ROWS`."""
    return max(32, min(SLICE_ROWS, -(-rows // (4 * max(1, workers)))))


@dataclass
class PanelPredicted:
    """Stage 3's output of every panel model for N rows.

    Attributes:
        parts: Per model label, its :class:`~molpred.pipeline.run.Predicted` (no alerts).
        alerts: N alert strings of the standardized parent compound, or ``None``.
        druglike: N-row drug-likeness DataFrame of the parent compound, or ``None``.
    """

    parts: dict[str, Predicted] = field(default_factory=dict)
    alerts: list[str] | None = None
    druglike: pd.DataFrame | None = None


class Panel:
    """Several loaded models, run as one.

    Args:
        models: Panel model names (shipped or added with ``molpred models add``) or model
            folders; default: the whole panel (:func:`~molpred.panel.panel_models`).

    Attributes:
        labels: The column prefix of each model: a shipped model's name or a folder's name.
        predictors: The loaded models, in the same order.
        path: ``None`` (several folders; see :meth:`fingerprint`).

    Raises:
        ModelFileError: for a name that is neither a panel model nor a model folder, or a
            corrupt model.
        InputError: when two models would get the same column prefix.
    """

    path = None

    def __init__(self, models: Sequence[str | Path] | None = None) -> None:
        from molpred.panel import panel_models

        names = [str(m) for m in (models if models is not None else panel_models())]
        self.labels = [Path(n).name if Path(n).exists() else n.lower() for n in names]
        repeated = sorted({label for label in self.labels if self.labels.count(label) > 1})
        if repeated:
            raise InputError(f"two models would share the column prefix {repeated[0]!r}: give "
                             "each model once, and model folders distinct names")
        self.predictors: list[Predictor] = [load(name) for name in names]

    def fingerprint(self) -> str:
        """SHA-256 over the labels and every model's files (a screen's resume check)."""
        from molpred.screening.resume import model_fingerprint

        digest = hashlib.sha256()
        for label, predictor in zip(self.labels, self.predictors, strict=True):
            digest.update(label.encode())
            digest.update(model_fingerprint(predictor.path, predictor.model).encode())
        return digest.hexdigest()

    def run_rows(self, smiles: Sequence[object], options: RunOptions,
                 workers: int | None = None) -> PanelPredicted:
        """Stages 1-3 of every model for ``smiles``, slice by slice (so only one slice's
        molecules are alive at a time). When rows times models reach
        :data:`~molpred.names.PARALLEL_THRESHOLD` (a panel of 6 models from 334 rows), the
        rows go to a pool of ``workers`` processes that each hold the panel
        (:mod:`molpred.screening.workers`), as a screen's chunks do, in slices small enough
        to keep every worker busy to the end (:func:`pool_slice_rows`).

        Raises:
            InputError: as :func:`~molpred.pipeline.run.predict_features`, or for
                ``MOLPRED_NUM_WORKERS`` that is not a whole number.
        """
        workers = default_workers() if workers is None else max(1, workers)
        if workers > 1 and len(smiles) * len(self.predictors) >= PARALLEL_THRESHOLD:
            from molpred.screening.workers import predicting_pool, start_prediction

            pool = predicting_pool(self, workers)
            try:
                return self.concat(list(start_prediction(
                    smiles, replace(options, device="cpu"), pool,
                    pool_slice_rows(len(smiles), workers))))
            finally:
                pool.shutdown(cancel_futures=True)
        return self.concat([self._run_slice(part, options) for part in slices(smiles)]
                           or [self._run_slice([], options)])  # no rows: the columns

    def _run_slice(self, smiles: Sequence[object], options: RunOptions) -> PanelPredicted:
        """Stages 1-3 of every model for one slice, in this process."""
        given = prepare(smiles, standardize=False)
        parents = None
        if options.alerts or options.druglike or any(
                p.model.config.featurizer_config.standardize for p in self.predictors):
            parents = standardized(given)
        features: dict[str, RowFeatures] = {}
        memo = DescriptorMemo(limit=2 * len(smiles) + 1)  # once per molecule, given and standardized
        out = PanelPredicted()
        model_options = replace(options, alerts=False, druglike=False)
        for label, predictor in zip(self.labels, self.predictors, strict=True):
            request = model_options.request(predictor)
            key = json.dumps(request.config.to_dict(), sort_keys=True) + str(request.fingerprints)
            if key not in features:
                features[key] = compute_features(
                    parents if request.config.standardize else given, request, memo)
            out.parts[label] = predict_features(predictor, features[key], model_options)
        if options.alerts:
            from molpred.chem.alerts import alerts_of

            out.alerts = alerts_of(parents.mols)  # the parent compound, as most models see it
        if options.druglike:
            from molpred.chem.druglike import druglike_rows

            out.druglike = druglike_rows(parents.mols)
        return out

    def concat(self, parts: Sequence[PanelPredicted]) -> PanelPredicted:
        """Join slices of rows, in order."""
        if not parts:
            return PanelPredicted({label: concat_predicted([], len(p.tasks)) for label, p in
                                   zip(self.labels, self.predictors, strict=True)})
        first = parts[0]
        return PanelPredicted(
            {label: concat_predicted([p.parts[label] for p in parts], 0) for label in first.parts},
            [a for p in parts for a in p.alerts] if first.alerts is not None else None,
            (pd.concat([p.druglike for p in parts], ignore_index=True)
             if first.druglike is not None else None))

    def report(self, frame: pd.DataFrame, predicted: PanelPredicted,
               confidence: float | None = None) -> pd.DataFrame:
        """The panel table for ``frame`` (N input rows): the input columns; per model
        ``NAME``, its prediction and trust columns prefixed ``NAME.``; ``alerts`` (when
        computed); ``error`` (the first model's reason a row failed); the drug-likeness
        columns (when computed). ``attrs["panel"]`` records the model names, the alerts
        column, the confidence and each model's output columns (``outputs``)."""
        frame = frame.reset_index(drop=True)
        out = frame.copy()
        errors = [""] * len(frame)
        outputs: dict[str, list[str]] = {}
        added: dict[str, pd.Series] = {}  # joined once: a column at a time fragments the
        for label, predictor in zip(self.labels, self.predictors, strict=True):  # frame
            outputs[label] = list(predictor.tasks)
            table = predictor.report(frame, predicted.parts[label])
            given = set(frame.columns) | {error_column(frame.columns)}
            for column in (c for c in table.columns if c not in given):
                added[f"{label}{SEPARATOR}{column}"] = table[column]
            errors = [old or new for old, new in zip(errors, table[error_column(frame.columns)],
                                                      strict=True)]
        for name in [n for n in added if n in out.columns]:  # an input column of that name
            out[name] = added.pop(name)
        out = pd.concat([out, pd.DataFrame(added, index=out.index)], axis=1)
        alerts = None
        if predicted.alerts is not None:
            alerts = _free(ALERTS_COLUMN, "", {str(c) for c in out.columns})
            out[alerts] = pd.Series(["" if error else a for a, error in
                                     zip(predicted.alerts, errors, strict=True)], dtype=object)
        out[error_column(frame.columns)] = pd.Series(errors, dtype=object)
        if predicted.druglike is not None:
            out = pd.concat([out, predicted.druglike.set_axis(out.index)], axis=1)
        out.attrs["panel"] = {"models": list(self.labels), "alerts": alerts,
                              "confidence": confidence, "outputs": outputs}
        return out
