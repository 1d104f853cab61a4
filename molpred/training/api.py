"""``molpred.train``: dataset in, trained and scored model directory out."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, replace
from pathlib import Path
from typing import Any

from molpred.exceptions import InputError, TrainingError
from molpred.featurizers.featurize import FeaturizerConfig
from molpred.models.checkpoint import save_model
from molpred.models.ensemble import Ensemble
from molpred.models.model import ModelConfig
from molpred.names import AUTO_MODEL, DEFAULT_MODEL, MODEL_FAMILIES, TREE_MODELS, VECTOR_FEATURES
from molpred.predictor import NON_FINITE
from molpred.pretraining.backbone import fine_tune_encoder_params
from molpred.tasks import task_head
from molpred.training.evaluate import label_prior, predict_part
from molpred.training.fit import FitSettings, check_settings, fit_model
from molpred.training.metrics import HIGHER_IS_BETTER, METRICS, score_predictions
from molpred.training.prepare import (
    PreparedDataset,
    describe_tasks,
    load_labelled,
    prepare_dataset,
)
from molpred.training.progress import EpochProgress, EpochReport
from molpred.training.recommended import with_recommended
from molpred.training.result import TrainResult
from molpred.training.settings import TrainSettings
from molpred.training.splitting import resolve_split
from molpred.training.trees import fit_trees
from molpred.training.trust import fit_trust, trust_report

TREE_MEMBERS = 3
"""Default members of a ``gbdt``/``rf`` model (their spread is ``TASK_std``)."""


def default_model(data: str | Path) -> str:
    """The family ``molpred train DATA`` uses without ``--model``: ``dmpnn`` (with the card's
    settings, chosen on validation data) for a MoleculeNet name with a card, ``auto`` for a
    file, whose data nobody has tuned on."""
    from molpred.data.cards import get_card
    from molpred.exceptions import UnknownNameError

    if isinstance(data, Path):
        return AUTO_MODEL
    try:
        get_card(str(data))
    except UnknownNameError:
        return AUTO_MODEL
    return DEFAULT_MODEL


def train_prepared(
    prepared: PreparedDataset,
    split: dict,
    model: str = DEFAULT_MODEL,
    settings: FitSettings | None = None,
    encoder_params: dict[str, Any] | None = None,
    head_params: dict[str, Any] | None = None,
    out: str | Path | None = None,
    split_info: dict[str, Any] | None = None,
    ensemble_size: int = 1,
    tree_params: dict[str, Any] | None = None,
    epoch_progress: Callable[[EpochReport], None] | None = None,
) -> TrainResult:
    """Train and score on an already featurized dataset (what benchmarks call in a loop).

    ``prepared.featurizer`` must match what ``model`` needs (see ``Encoder.featurizer_config``).
    With ``ensemble_size`` M > 1, members are trained with seeds ``settings.seed + k``
    (k = 0..M-1) on the same split and predictions are their mean (a deep ensemble,
    Lakshminarayanan et al. 2017).

    Args:
        prepared: The featurized dataset (:func:`~molpred.training.prepare.prepare_dataset`).
        split: ``{"train": rows, "val": rows, "test": rows}``, each an ``int64 [n]`` array of
            0-based row indices into ``prepared`` (``test`` may be empty or absent).
        model: Encoder name (see ``molpred.models.encoders.ENCODERS``).
        settings: Optimization settings (default :class:`FitSettings`).
        encoder_params, head_params: Overrides of the encoder's and the head's defaults,
            e.g. ``{"hidden_size": 300, "depth": 3}``.
        out: Save the trained model directory here (``None``: do not save).
        split_info: Extra provenance written to the saved model's training record (e.g. the
            split file and key).
        ensemble_size: Members M (1 = a single model). For ``gbdt``/``rf`` the members are
            boosters from seeds ``seed + k`` (a forest's trees are split among them).
        tree_params: LightGBM overrides for ``gbdt``/``rf``
            (:data:`molpred.models.trees.model.TUNABLE`).
        epoch_progress: Networks: called after every epoch of every member with an
            :class:`~molpred.training.progress.EpochReport` (``report.line()`` is one
            printable line).

    Returns:
        A :class:`TrainResult`: the model (or ensemble), its ``metrics`` (validation and test
        scores, best epoch, epochs run, training seconds of wall time, row counts, and the
        rows RDKit rejected: ``invalid_rows``, 0-based, and ``invalid_reasons``, row -> why) and the
        saved directory.

    Raises:
        InputError: if ``ensemble_size`` < 1, ``settings`` are invalid (e.g. an unknown
            precision or device), ``settings.class_weight`` is not ``none`` for a regression
            dataset (class weighting applies to classification only), or the split has no
            usable train/val rows.
        UnknownNameError: for an unknown encoder name.
        TrainingError: if the trained model predicts NaN or infinity (it diverged); nothing
            is saved then.
    """
    if ensemble_size < 1:
        raise InputError(f"ensemble size must be at least 1, not {ensemble_size}")
    settings = settings or FitSettings()
    head = task_head(prepared.task_type)
    if settings.class_weight != "none" and not head.weights_classes:
        raise InputError(f"class weighting ({settings.class_weight}) applies to binary "
                         f"classification only; this dataset is {prepared.task_type}: drop "
                         "--class-weight")
    if not head.trees and model.lower() in TREE_MODELS:
        raise InputError(f"--model {model.lower()} trains binary and regression tasks; a "
                         "multiclass target needs a network (e.g. --model dmpnn)")
    if model.lower() in TREE_MODELS:
        fits = [fit_trees(prepared, split, model.lower(), ensemble_size, settings.seed,
                          tree_params)]
        trained = fits[0].model
    else:
        if settings.pretrained is not None:
            encoder_params = fine_tune_encoder_params(model, settings.pretrained, encoder_params)
        config = ModelConfig.build(
            model, prepared.tasks, prepared.task_type, encoder_params, head_params,
            extra_features=prepared.featurizer.extra_features,
            standardize=prepared.featurizer.standardize, units=prepared.units,
            classes=prepared.classes,
        )
        metric = METRICS[prepared.task_type]
        fits = [fit_model(prepared, split, config, replace(settings, seed=settings.seed + k),
                          EpochProgress(epoch_progress, metric, HIGHER_IS_BETTER[metric],
                                        settings.patience, k, ensemble_size)
                          if epoch_progress is not None else None)
                for k in range(ensemble_size)]
        trained = fits[0].model if ensemble_size == 1 else Ensemble([f.model for f in fits])
    fit = fits[0]
    prior = label_prior(prepared.y[split["train"]], prepared.task_type, len(prepared.outputs))
    metrics: dict[str, Any] = {}
    predictions = {}
    for part in ("val", "test"):
        if len(split.get(part, ())) == 0:
            continue
        frame = predictions[part] = predict_part(trained, prepared, split[part], prior,
                                                 settings.device)
        diverged = int((frame["error"] == NON_FINITE).sum())
        if diverged:  # nothing is saved: such a model predicts nothing
            raise TrainingError(
                f"training diverged: the model predicts NaN or infinity for {diverged:,} of "
                f"{len(frame):,} {part} molecules; train again with a lower learning rate "
                f"(--lr, now {settings.lr:g})")
        metrics[part] = score_predictions(
            prepared.y[split[part]], frame[prepared.outputs].to_numpy(), prepared.tasks,
            prepared.task_type,
        )
    trust = fit_trust(trained, prepared, split, settings.device)
    if len(split.get("test", ())):
        metrics["trust"] = trust_report(trust, trained, prepared, split["test"],
                                        device=settings.device)
    metrics.update(
        best_epoch=fit.best_epoch, epochs_run=fit.epochs_run,
        train_seconds=round(sum(f.seconds for f in fits), 2),
        rows={k: int(len(v)) for k, v in split.items()},
        invalid_rows=[i for i, d in enumerate(prepared.data) if d is None],
        invalid_reasons={str(i): prepared.errors[i] for i, d in enumerate(prepared.data)
                         if d is None},
    )
    if ensemble_size > 1 and model.lower() not in TREE_MODELS:
        metrics["members"] = [
            {"seed": settings.seed + k, "best_epoch": f.best_epoch, "epochs_run": f.epochs_run,
             "train_seconds": round(f.seconds, 2), "val_score": f.best_val_score}
            for k, f in enumerate(fits)]
    model_dir = None
    if out is not None and fit.global_rank == 0:
        training = {**asdict(settings), "ensemble_size": ensemble_size, "dataset": prepared.source,
                    **(split_info or {})}
        model_dir = save_model(trained, out, training=training, metrics=metrics)
        trust.save(model_dir)
    return TrainResult(trained, metrics, model_dir, predictions, trust)


def train(data: str | Path, settings: TrainSettings | None = None,
          **keywords: Any) -> TrainResult:
    """Train a model on a dataset and score it on validation and test rows.

    A registry dataset whose card recommends settings for it (chosen on validation data,
    :mod:`molpred.training.recommended`; e.g. RDKit 2D descriptors on Tox21) is trained with
    them wherever the caller leaves a setting ``None``; ``recommended=False`` trains with the
    plain defaults instead. The settings taken from the card are in
    ``result.metrics["recommended"]`` and in the saved model's training record.

    Args:
        data: A registry dataset name (``tox21``; read from ``MOLPRED_DATA_DIR`` or the
            download cache) or a CSV/TSV/SMI/SDF/Parquet file.
        settings: Every other setting, grouped (:class:`~molpred.training.settings.TrainSettings`:
            ``data``, ``split``, ``model``, ``optim``, ``auto``, ``run``; each field is
            documented there). Default: molpred's defaults.
        **keywords: Single fields of ``settings`` by name, which win over ``settings``:
            ``model="dmpnn"``, ``out="runs/x"``, ``splits=..., split_key="seed1"``,
            ``extra_features=["rdkit2d_fast"]``, ``time_budget=600``, ...

    Returns:
        A :class:`TrainResult`.

    Raises:
        DatasetError: for an unknown dataset name, a missing file, or a dataset that can be
            neither found locally nor downloaded.
        UnknownNameError: for an unknown encoder.
        TypeError: for a keyword that names no setting (the message names the closest).
        InputError: for a file that cannot be read (corrupt, unknown format), missing
            columns, labels that do not fit ``task_type``, a missing or unusable split file
            or key, invalid optimization settings, or ``ensemble_size`` < 1.
        TrainingError: if training diverged (the model predicts NaN or infinity). All are
            :class:`~molpred.exceptions.MolpredError`.
    """
    s = (settings or TrainSettings()).with_keywords(**keywords)
    smiles_col, targets, task_type = s.data.smiles_col, s.data.targets, s.data.task_type
    splits, split_key, split, split_sizes = (s.split.splits, s.split.split_key, s.split.split,
                                             s.split.split_sizes)
    m = s.model
    model, hidden_size, depth, dropout = m.model, m.hidden_size, m.depth, m.dropout
    extra_features, standardize, ensemble_size = m.extra_features, m.standardize, m.ensemble_size
    recommended, tree_params, pretrained = m.recommended, m.tree_params, m.pretrained
    o = s.optim
    epochs, patience, batch_size, lr, seed = o.epochs, o.patience, o.batch_size, o.lr, o.seed
    class_weight, precision, min_epochs = o.class_weight, o.precision, o.min_epochs
    encoder_lr_ratio, freeze_encoder = o.encoder_lr_ratio, o.freeze_encoder
    folds = s.auto.folds
    r = s.run
    out, device, devices, num_nodes, strategy = r.out, r.device, r.devices, r.num_nodes, r.strategy
    workers, progress, featurize_progress = r.workers, r.progress, r.featurize_progress
    progress_message = r.progress_message
    no_backbone = pretrained is not None and pretrained.lower() == "none"
    model = model or (DEFAULT_MODEL if pretrained is not None and not no_backbone
                      else default_model(data))
    kind = model.lower()
    if no_backbone and kind != AUTO_MODEL:
        pretrained = None  # "none" speaks to auto's pretrained candidate; elsewhere it is the default
    if pretrained is not None and kind in TREE_MODELS:
        raise InputError(f"--from-pretrained fine-tunes a network; --model {kind} does not take "
                         f"it (use --model {DEFAULT_MODEL} or auto)")
    if kind not in MODEL_FAMILIES:
        from molpred.exceptions import UnknownNameError

        raise UnknownNameError(f"unknown model {model!r}; choose one of: "
                               f"{', '.join(sorted(MODEL_FAMILIES))}")
    check_settings(FitSettings(precision=precision, class_weight=class_weight, strategy=strategy))
    if ensemble_size is not None and ensemble_size < 1:
        raise InputError(f"ensemble size must be at least 1, not {ensemble_size}")
    if kind == AUTO_MODEL and not task_head(load_labelled(data, smiles_col, targets,
                                                         task_type)[2]).trees:
        if progress_message is not None:
            progress_message(f"auto: a multiclass target is trained with the {DEFAULT_MODEL} "
                             f"alone, an ensemble of {folds} (the tree candidates and the "
                             "blend take binary and regression tasks)")
        model, kind, ensemble_size = DEFAULT_MODEL, DEFAULT_MODEL, ensemble_size or folds
    elif kind == AUTO_MODEL:
        from molpred.training.auto import train_auto

        return train_auto(data, s)
    if splits is not None and not Path(splits).is_file():  # fail before the slow featurization
        raise InputError(f"split file not found: {splits}")
    overrides = {k: v for k, v in (("hidden_size", hidden_size), ("depth", depth),
                                   ("dropout", dropout)) if v is not None}
    chosen, applied = with_recommended(data, model, {
        "standardize": standardize, "extra_features": extra_features,
        "ensemble_size": ensemble_size, "epochs": epochs, "encoder_params": overrides},
        use=recommended)
    settings = FitSettings(epochs=chosen["epochs"], patience=patience, batch_size=batch_size, lr=lr,
                           seed=seed, device=device, progress=progress, precision=precision,
                           class_weight=class_weight, devices=devices, num_nodes=num_nodes,
                           strategy=strategy, min_epochs=min_epochs, pretrained=pretrained,
                           encoder_lr_ratio=encoder_lr_ratio, freeze_encoder=freeze_encoder)
    check_settings(settings)  # before the slow featurization
    if pretrained is not None:  # a missing or corrupt backbone fails before featurization
        # the backbone fixes the architecture: a card's recommended width or depth gives way
        # (only what the caller asked for can clash with it)
        chosen["encoder_params"] = fine_tune_encoder_params(model, pretrained, overrides)
        applied.pop("encoder_params", None)
    if kind in TREE_MODELS:
        if ensemble_size is None:
            chosen["ensemble_size"] = TREE_MEMBERS
        featurizer = FeaturizerConfig(graph=False, vector=VECTOR_FEATURES,
                                      standardize=chosen["standardize"])
    else:
        from molpred.models.encoders import ENCODERS

        featurizer = ENCODERS.get(model).featurizer_config(tuple(chosen["extra_features"]),
                                                           chosen["standardize"])
    if chosen["ensemble_size"] < 1:
        raise InputError(f"ensemble size must be at least 1, not {chosen['ensemble_size']}")
    prepared = prepare_dataset(data, featurizer, smiles_col, targets, task_type, workers,
                               featurize_progress)
    if progress_message is not None:
        progress_message(describe_tasks(prepared, task_type, named=targets is not None))
    split_rows = resolve_split(prepared, splits, split_key, split, split_sizes, seed)
    split_info = {"splits": str(splits) if splits else split,
                  "split_key": split_key if splits else None, "recommended": applied}
    result = train_prepared(prepared, split_rows, model, settings, chosen["encoder_params"],
                            chosen["head_params"], out, split_info, chosen["ensemble_size"],
                            tree_params,
                            (lambda report: progress_message(report.line()))
                            if progress_message is not None else None)
    result.metrics["recommended"] = applied
    return result
