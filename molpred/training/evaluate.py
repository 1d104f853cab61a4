"""Score a trained model on a part of a dataset, the way ``shared/benchmarks/score.py`` does."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from molpred.inference import predict_data, resolve_device
from molpred.models.ensemble import Ensemble, members_of
from molpred.models.model import MoleculeModel
from molpred.predictor import NON_FINITE, with_non_finite
from molpred.training.metrics import score_predictions
from molpred.training.prepare import PreparedDataset, prepare_dataset

ALL_ROWS = "all"


def label_prior(y: np.ndarray, task_type: str, n_classes: int | None = None) -> np.ndarray:
    """Per-task fallback prediction: positive rate or mean label, ``float64 [T]``; for a
    multiclass target the class frequencies, ``float64 [C]``.

    Args:
        y: Training labels, ``float [N, T]``, NaN where a label is missing (multiclass:
            ``[N, 1]`` class indices).
        task_type: ``classification`` (the prior is the positive rate; 0.5 for a task with no
            label), ``regression`` (the mean label, in the task's units; 0.0 without labels)
            or ``multiclass`` (uniform without labels).
        n_classes: C, for ``multiclass``.

    Used only for rows RDKit cannot read, so that every row of a benchmark part has a score
    (the reference scorer refuses missing predictions); such rows are flagged in ``error``.
    """
    from molpred.tasks import task_head

    return task_head(task_type).prior(y, n_classes)


def model_prior(model: MoleculeModel | Ensemble) -> np.ndarray:
    """Fallback prediction per task known to a trained model alone, ``float64 [T]``.

    What :func:`evaluate` uses without a split file, when the model's training rows are not
    known: the training-label mean the model stores for regression (its target scaler, in the
    task's units; the members' mean for an ensemble), and 0.5 for classification, where the
    model keeps no positive rate. Never derived from the labels being scored.
    """
    from molpred.tasks import task_head

    head = task_head(model.config.task_type)
    family = getattr(model, "family", "network")  # a blend's network part holds the scaler;
    network = {"network": model, "blend": getattr(model, "network", None)}.get(family)  # trees
    if not head.scales_targets or network is None:  # keep no label mean
        return head.fallback(len(model.config.outputs))
    return np.mean([m.target_mean.detach().cpu().double().numpy() for m in members_of(network)],
                   axis=0)


def predict_part(
    model: MoleculeModel | Ensemble, prepared: PreparedDataset, rows: np.ndarray, prior: np.ndarray,
    device: str = "auto", batch_size: int = 256,
) -> pd.DataFrame:
    """Predictions for ``rows`` in ``score.py`` format.

    Args:
        model: Trained model or ensemble (an ensemble predicts its members' mean).
        prepared: The featurized dataset ``rows`` index into.
        rows: 0-based row indices into ``prepared``, ``int64 [n]``.
        prior: Fallback prediction per task, ``float64 [T]`` (:func:`label_prior`), used for
            rows RDKit could not read.
        device: ``auto``, ``cpu`` or ``cuda``.
        batch_size: Molecules per forward pass.

    Returns:
        DataFrame with ``row`` (0-based data row), one float column per task, and ``error``
        (empty, why the row fell back to ``prior``, or :data:`NON_FINITE` where the model
        itself gave NaN or infinity: those stay as they are, so the part scores NaN).
    """
    data = [prepared.data[i] for i in rows]
    preds = predict_data(model, data, batch_size, resolve_device(device))
    unread = np.array([d is None for d in data], dtype=bool)
    preds[unread] = prior
    errors = with_non_finite([f"{prepared.errors[i]}; predicted the fallback prior" if u else ""
                              for i, u in zip(rows, unread)], preds)
    frame = pd.DataFrame(preds, columns=model.config.outputs)
    frame.insert(0, "row", np.asarray(rows, dtype=np.int64))
    frame["error"] = errors
    return frame


def evaluate(
    model: str | Path | MoleculeModel | Ensemble,
    data: str | Path,
    *,
    smiles_col: str | None = None,
    targets: Sequence[str] | None = None,
    splits: str | Path | None = None,
    split_key: str = "seed0",
    part: str = "test",
    predictions_out: str | Path | None = None,
    device: str = "auto",
    workers: int | None = None,
) -> dict:
    """Score ``model`` on one part of ``data``.

    Args:
        model: A model directory, or what :func:`molpred.load` returns, or a loaded model or
            ensemble (ensembles are scored on the members' mean).
        data: Dataset name or file; for a file, ``targets`` default to the model's task names.
        smiles_col: SMILES column of a file (default: :func:`~molpred.data.formats.default_smiles_column`).
        splits, split_key, part: Which rows to score (``part`` = ``train``/``val``/``test``,
            any case; ``valid``/``validation`` mean ``val``);
            without ``splits`` every row is scored (``part`` is then ``"all"``).
        predictions_out: Write the predictions (``row`` + one column per task + ``error``)
            as CSV, in the format ``score.py`` reads.
        device: ``auto``, ``cpu`` or ``cuda``.
        workers: Featurization processes (default: one per usable core).

    Returns:
        ``score_predictions`` output plus ``"part"``, ``"rows"`` (number scored) and
        ``"non_finite_rows"`` (rows the model predicted as NaN or infinity, which make the
        score NaN) and ``"invalid_rows"`` (rows RDKit rejected, scored with a fallback prediction: the
        training-label prior of the split's train part, or without ``splits``
        :func:`model_prior`).

    Raises:
        ModelFileError: if ``model`` is a path that does not hold a molpred model.
        DatasetError: for an unknown dataset name or a missing file.
        InputError: if ``data`` cannot be read (corrupt, unknown format),
            lacks a column for one of the model's tasks, the SMILES column
            is missing, the split file or key is unusable, or ``part`` is not a part.
    """
    from molpred.data.splits import part_name as checked_part
    from molpred.models.checkpoint import load_model
    from molpred.predictor import Predictor
    from molpred.training.splitting import resolve_split

    if splits is not None:
        part = checked_part(part)
    if isinstance(model, Predictor):
        model = model.model
    if isinstance(model, (str, Path)):  # else a loaded network, ensemble, tree model or blend
        from molpred.panel import resolve_model

        model = load_model(resolve_model(model))[0]
    net = model
    cfg = net.config
    is_file = Path(str(data)).exists()
    prepared = prepare_dataset(
        data, cfg.featurizer_config, smiles_col=smiles_col,
        targets=targets if targets or not is_file else cfg.tasks,
        task_type=cfg.task_type, workers=workers, classes=cfg.classes, learnable=False,
    )
    from molpred.panel import renamed_columns

    columns = renamed_columns(cfg.tasks, str(data), prepared.tasks) or list(cfg.tasks)
    missing = [t for t in columns if t not in prepared.tasks]
    if missing:
        from molpred.exceptions import InputError

        raise InputError(f"{data} has no column for the model's task(s) {missing[:5]}")
    y = prepared.y[:, [prepared.tasks.index(t) for t in columns]]
    if splits is None:  # the training rows are unknown: the model's own prior, not these labels
        rows, part_name, prior = np.arange(len(prepared.data)), ALL_ROWS, model_prior(net)
    else:
        split = resolve_split(prepared, splits, split_key)
        rows, part_name = split[part], part
        prior = label_prior(y[split["train"]], cfg.task_type, len(cfg.outputs))
    frame = predict_part(net, prepared, rows, prior, device)
    result = score_predictions(y[rows], frame[cfg.outputs].to_numpy(), cfg.tasks, cfg.task_type)
    fell_back = frame["error"].str.endswith("fallback prior")
    result.update(part=part_name, rows=int(len(rows)), invalid_rows=int(fell_back.sum()),
                  non_finite_rows=int((frame["error"] == NON_FINITE).sum()))
    if predictions_out is not None:
        Path(predictions_out).parent.mkdir(parents=True, exist_ok=True)
        frame.to_csv(predictions_out, index=False)
    return result
