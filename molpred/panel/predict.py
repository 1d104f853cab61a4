"""Predict with several shipped (or trained) models at once: one wide table, one row per input."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import pandas as pd

from molpred.panel.runner import SEPARATOR, Panel
from molpred.pipeline.run import RunOptions
from molpred.predictor import _as_frame
from molpred.trust.conformal import check_confidence

__all__ = ["SEPARATOR", "predict_panel"]


def predict_panel(
    molecules: str | Sequence[str] | pd.Series | pd.DataFrame,
    models: Sequence[str | Path] | None = None,
    smiles_col: str | None = None,
    confidence: float | None = 0.9,
    batch_size: int | None = None,
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
    if confidence is not None:
        check_confidence(confidence)  # before any model is loaded
    panel = Panel(models)
    frame, column = _as_frame(molecules, smiles_col)
    options = RunOptions(batch_size, device, precision, confidence)
    out = panel.report(frame, panel.run_rows(frame[column].tolist(), options, workers),
                       confidence)
    out.attrs["panel"]["smiles"] = column
    return out
