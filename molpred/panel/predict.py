"""Predict with several shipped (or trained) models at once: one wide table, one row per input."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

import pandas as pd

from molpred.exceptions import InputError
from molpred.featurizers.featurize import featurize_smiles
from molpred.panel import panel_models
from molpred.predictor import ALERTS_COLUMN, Predictor, _as_frame, _free, error_column, load
from molpred.trust.conformal import check_confidence

SEPARATOR = "."
"""Between a model's name and its column in the panel table (``tox21.NR-AR``)."""


def predict_panel(
    molecules: str | Sequence[str] | pd.Series | pd.DataFrame,
    models: Sequence[str | Path] | None = None,
    smiles_col: str | None = None,
    confidence: float | None = 0.9,
    batch_size: int = 256,
    device: str = "auto",
    workers: int | None = None,
    precision: str = "fp32",
) -> pd.DataFrame:
    """Every endpoint of several models for every molecule.

    Args:
        molecules: One SMILES, a list/Series of SMILES, or a DataFrame with a SMILES column.
        models: Panel model names or model folders (default: the whole panel,
            :func:`~molpred.panel.panel_models`: the shipped ones and those you added).
        smiles_col: SMILES column of a DataFrame.
        confidence: Conformal confidence of the sets/intervals (``None``: none).
        batch_size, device, workers, precision: As for :meth:`molpred.predictor.Predictor.predict`.

    Returns:
        A DataFrame, one row per input row in input order: the input columns; for each
        model ``NAME``, its prediction columns (:meth:`~molpred.predictor.Predictor.predict`)
        prefixed ``NAME.``: ``NAME.TASK``, ``NAME.TASK_std``, ``NAME.TASK_set`` or
        ``NAME.TASK_lower``/``_upper``, ``NAME.max_similarity``,
        ``NAME.embedding_distance``, ``NAME.in_domain``; then ``alerts`` (structural alerts
        of the standardized parent compound; ``alerts_pred`` if the input has ``alerts``) and
        ``error`` (the first model's reason a row failed, ``""`` when fine). ``NAME`` is the
        shipped model's name or the model folder's name. ``table.attrs["panel"]`` records the
        model names, the SMILES and alerts columns, the confidence and each model's output
        columns (``outputs``: name -> its endpoint columns, without the prefix).

    Raises:
        ModelFileError: for a name that is neither shipped nor a model folder, or a corrupt
            model.
        InputError: as for :meth:`~molpred.predictor.Predictor.predict`, or when two models
            would get the same column prefix.
    """
    names = [str(m) for m in (models if models is not None else panel_models())]
    labels = [Path(n).name if Path(n).exists() else n.lower() for n in names]
    repeated = sorted({label for label in labels if labels.count(label) > 1})
    if repeated:
        raise InputError(f"two models would share the column prefix {repeated[0]!r}: give each "
                         "model once, and model folders distinct names")
    if confidence is not None:
        check_confidence(confidence)  # before any model is loaded
    frame, column = _as_frame(molecules, smiles_col)
    smiles = frame[column].tolist()
    out = frame.copy()
    featurized: dict[str, tuple[list, list[str]]] = {}
    errors = [""] * len(frame)
    outputs: dict[str, list[str]] = {}
    for name, label in zip(names, labels, strict=True):
        predictor = load(name)
        outputs[label] = list(predictor.tasks)
        config = predictor.model.config.featurizer_config
        key = json.dumps(config.to_dict(), sort_keys=True)
        if key not in featurized:
            featurized[key] = featurize_smiles(smiles, config, workers=workers, arrays=True)
        data, row_errors = featurized[key]
        table = predictor.predict_with_trust(frame, smiles, data, row_errors, batch_size, device,
                                             precision, confidence=confidence, alerts=False)
        for col in _new_columns(predictor, frame, table):
            out[f"{label}{SEPARATOR}{col}"] = table[col]
        errors = [old or new for old, new in zip(errors, table[error_column(frame.columns)],
                                                  strict=True)]
    from molpred.chem.alerts import alerts_column

    alerts = _free(ALERTS_COLUMN, "", {str(c) for c in out.columns})
    found = alerts_column(smiles, standardize=True)  # the parent compound, as most models see it
    out[alerts] = ["" if error else a for a, error in zip(found, errors, strict=True)]
    out[error_column(frame.columns)] = errors
    out.attrs["panel"] = {"models": labels, "smiles": column, "alerts": alerts,
                          "confidence": confidence, "outputs": outputs}
    return out


def _new_columns(predictor: Predictor, frame: pd.DataFrame, table: pd.DataFrame) -> list[str]:
    """The columns ``predict`` added to ``frame``, without the error column."""
    given = set(frame.columns) | {error_column(frame.columns)}
    return [c for c in table.columns if c not in given]
