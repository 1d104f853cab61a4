"""Fit one :class:`MoleculeModel` on a split of a :class:`PreparedDataset` with Lightning."""

from __future__ import annotations

import datetime
import logging
import time
import warnings
from dataclasses import dataclass

import lightning as L
import numpy as np
import torch
from lightning.pytorch.callbacks import EarlyStopping
from torch_geometric.loader import DataLoader

from molpred.exceptions import InputError
from molpred.inference import resolve_device
from molpred.models.model import ModelConfig, MoleculeModel
from molpred.names import CLASS_WEIGHTS, STRATEGIES, TRAIN_PRECISIONS
from molpred.tasks import task_head
from molpred.training.module import KeepBestWeights, MoleculeLightningModule, with_val_index
from molpred.training.prepare import PreparedDataset
from molpred.training.progress import EpochProgress


@dataclass
class FitSettings:
    """Optimization settings (defaults are molpred's, chosen on validation data).

    Attributes:
        epochs: Maximum epochs.
        patience: Stop after this many epochs without a better validation score.
        batch_size: Molecules per step.
        lr: Peak learning rate of the warm-up/decay schedule (Chemprop's Noam-like
            schedule: linear warm-up from lr/10 over 2 epochs, then exponential decay to
            lr/10 at the last epoch; see :class:`~molpred.training.module.MoleculeLightningModule`).
        weight_decay: Adam L2 penalty.
        seed: Seeds Python, NumPy and torch (weights, shuffling, dropout).
        device: ``auto``, ``cpu`` or ``cuda``.
        progress: Show Lightning's progress bar.
        precision: Lightning precision: ``32-true`` (default), ``bf16-mixed`` (CPUs with
            AVX-512 BF16/AMX and recent GPUs) or ``16-mixed`` (CUDA only).
        class_weight: ``none`` or ``balanced``: weight each task's positives by
            ``n_negative / n_positive`` of the training labels (capped at ``MAX_POS_WEIGHT``),
            as ``torch.nn.BCEWithLogitsLoss(pos_weight=...)``. Classification only.
        devices: Lightning ``devices`` (processes/GPUs per node) for data-parallel training.
        num_nodes: Machines taking part in data-parallel training.
        strategy: Lightning strategy: ``auto`` or ``ddp`` (gloo on CPU, NCCL on CUDA).
        min_epochs: Never stop early before this many epochs (Lightning ``min_epochs``).
        keep_every_epoch: Keep a copy of the weights after every epoch in
            ``FitResult.epoch_states`` (what cross-validated epoch selection needs; about
            1.5 MB per epoch for the default D-MPNN).
        max_seconds: Stop after this much training time (Lightning ``max_time``); the best
            epoch so far is kept. ``None``: no limit.
        pretrained: Start the encoder from this pretrained backbone (a shipped name such as
            ``molpred-base``, or a folder; :mod:`molpred.pretraining.backbone`) instead of
            random weights; the head starts random.
        encoder_lr_ratio: The encoder's learning rate as a multiple of ``lr`` (e.g. 0.1 to
            move pretrained weights less than the new head).
        freeze_encoder: Train the head only; the encoder keeps its starting weights.
    """

    epochs: int = 50
    patience: int = 10
    batch_size: int = 64
    lr: float = 1e-3
    weight_decay: float = 0.0
    seed: int = 0
    device: str = "auto"
    progress: bool = False
    precision: str = "32-true"
    class_weight: str = "none"
    devices: int = 1
    num_nodes: int = 1
    strategy: str = "auto"
    min_epochs: int = 0
    keep_every_epoch: bool = False
    max_seconds: float | None = None
    pretrained: str | None = None
    encoder_lr_ratio: float = 1.0
    freeze_encoder: bool = False


MAX_POS_WEIGHT = 50.0
"""Cap on a task's positive weight, so that a task with a handful of positives does not
dominate the loss."""


def positive_weights(y: np.ndarray) -> torch.Tensor:
    """Per-task ``n_negative / n_positive`` over labelled rows, clipped to ``[1, MAX_POS_WEIGHT]``.

    Args:
        y: ``float [N, T]`` 0/1 labels, NaN = missing.

    Returns:
        ``float32 [T]``; 1 for tasks without positives or negatives.
    """
    pos = np.nansum(y == 1, axis=0).astype(np.float64)
    neg = np.nansum(y == 0, axis=0).astype(np.float64)
    ratio = np.where((pos > 0) & (neg > 0), neg / np.maximum(pos, 1), 1.0)
    return torch.tensor(np.clip(ratio, 1.0, MAX_POS_WEIGHT), dtype=torch.float32)


def check_settings(settings: FitSettings) -> None:
    """Raise :class:`InputError` for an unknown precision, class weighting or strategy, or
    an encoder learning-rate ratio that is not positive."""
    if settings.precision not in TRAIN_PRECISIONS:
        raise InputError(f"unknown precision {settings.precision!r}; use one of "
                         f"{', '.join(TRAIN_PRECISIONS)}")
    if settings.class_weight not in CLASS_WEIGHTS:
        raise InputError(f"unknown class weighting {settings.class_weight!r}; use none or balanced")
    if settings.strategy not in STRATEGIES:
        raise InputError(f"unknown strategy {settings.strategy!r}; use auto or ddp")
    if not settings.encoder_lr_ratio > 0:
        raise InputError(f"the encoder's learning-rate ratio must be positive, not "
                         f"{settings.encoder_lr_ratio}")


@dataclass
class FitResult:
    """What :func:`fit_model` returns: the best-on-validation model and its history.

    Under data-parallel training (``strategy="ddp"``) every process returns a FitResult with
    the same model, scores and history; ``global_rank`` tells them apart, and only rank 0
    should save or print anything.

    Attributes:
        model: The network holding the weights of the best validation epoch.
        best_epoch: That epoch, 0-based (``epochs_run - 1`` is the last epoch run).
        best_val_score: Its validation score: mean ROC-AUC over tasks (classification) or
            RMSE in the targets' units (regression), as ``score.py`` computes them.
        epochs_run: Epochs trained before early stopping or the epoch limit.
        train_losses: Mean training loss of each epoch run, in order.
        val_scores: Validation score after each epoch run, in order.
        seconds: Wall-clock training time in seconds (featurization not included).
        global_rank: This process's rank under data-parallel training (0 otherwise).
    """

    model: MoleculeModel
    best_epoch: int
    best_val_score: float
    epochs_run: int
    train_losses: list[float]
    val_scores: list[float]
    seconds: float
    global_rank: int = 0
    epoch_states: list[dict[str, torch.Tensor]] | None = None


def _valid_rows(prepared: PreparedDataset, rows: np.ndarray) -> np.ndarray:
    """The rows among ``rows`` that were featurized (the ones the loss sees)."""
    return rows[np.asarray(prepared.valid)[rows]]


def _parts(prepared: PreparedDataset, split: dict[str, np.ndarray], part: str) -> list:
    return [prepared.data[i] for i in split[part] if prepared.data[i] is not None]


def fit_model(
    prepared: PreparedDataset,
    split: dict[str, np.ndarray],
    config: ModelConfig,
    settings: FitSettings,
    on_epoch: EpochProgress | None = None,
) -> FitResult:
    """Train on ``split["train"]``, early-stop and keep the best epoch on ``split["val"]``.

    Rows that did not featurize are skipped. Returns the model holding the weights of the
    best validation epoch (``val_score`` = ROC-AUC or RMSE as in ``score.py``).

    Args:
        prepared: The featurized dataset.
        split: ``{"train": rows, "val": rows, ...}``, each an ``int64 [n]`` array of 0-based
            row indices into ``prepared``.
        config: Architecture, tasks and featurization of the model to build.
        settings: Optimization settings; ``settings.seed`` seeds weights, shuffling and
            dropout.
        on_epoch: A :class:`~molpred.training.progress.EpochProgress` callback reporting
            each finished epoch (``None``: silent).

    Returns:
        A :class:`FitResult`.

    Raises:
        InputError: if the train or val part has no usable molecule, or ``settings`` are
            invalid (unknown precision, class weighting, strategy or device).
    """
    check_settings(settings)
    L.seed_everything(settings.seed, workers=True, verbose=False)
    train_data, val_data = _parts(prepared, split, "train"), _parts(prepared, split, "val")
    if not train_data or not val_data:
        raise InputError("the train and val parts of the split need at least one valid molecule each")
    model = MoleculeModel(config)
    if settings.pretrained is not None:
        from molpred.pretraining.backbone import load_backbone

        model.encoder.load_state_dict(load_backbone(settings.pretrained).state)
    if settings.freeze_encoder:
        model.encoder.requires_grad_(False)
    model.set_scalers(
        torch.cat([d.mol_features for d in train_data]) if config.extra_features else None,
        torch.cat([d.y for d in train_data]),
    )
    generator = torch.Generator().manual_seed(settings.seed)
    train_loader = DataLoader(train_data, batch_size=settings.batch_size, shuffle=True,
                              generator=generator, drop_last=len(train_data) > settings.batch_size)
    # val_idx lets the module score the whole val part once under DDP (see module.py)
    val_loader = DataLoader(with_val_index(val_data), batch_size=max(256, settings.batch_size))
    module = MoleculeLightningModule(
        model, lr=settings.lr, max_epochs=settings.epochs, steps_per_epoch=len(train_loader),
        weight_decay=settings.weight_decay, encoder_lr_ratio=settings.encoder_lr_ratio,
        pos_weight=(positive_weights(prepared.y[_valid_rows(prepared, split["train"])])
                    if settings.class_weight == "balanced"
                    and task_head(config.task_type).weights_classes
                    else None),
    )
    higher = task_head(config.task_type).higher_is_better
    keep_best = KeepBestWeights(higher_is_better=higher, every_epoch=settings.keep_every_epoch)
    device = resolve_device(settings.device)
    for name in ("lightning.pytorch", "lightning.fabric"):  # no "GPU available"/tips chatter
        logging.getLogger(name).setLevel(logging.WARNING)
    trainer = L.Trainer(
        accelerator="gpu" if device.type == "cuda" else "cpu",
        devices=settings.devices,
        num_nodes=settings.num_nodes,
        strategy=settings.strategy,
        precision=settings.precision,
        max_epochs=settings.epochs,
        min_epochs=min(settings.min_epochs, settings.epochs) or None,
        max_time=(None if settings.max_seconds is None
                  else datetime.timedelta(seconds=max(1.0, settings.max_seconds))),
        callbacks=[keep_best, EarlyStopping("val_score", patience=settings.patience,
                                            mode="max" if higher else "min"),
                   *([on_epoch] if on_epoch is not None else [])],
        logger=False,
        enable_checkpointing=False,
        enable_model_summary=False,
        enable_progress_bar=settings.progress,
        num_sanity_val_steps=0,
        deterministic=True,
    )
    group_before = _distributed_initialized()
    start = time.perf_counter()
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", ".*does not have many workers.*")
        warnings.filterwarnings("ignore", ".*GPU available but not used.*")
        warnings.filterwarnings("ignore", ".*LeafSpec.*")
        warnings.filterwarnings("ignore", ".*sync_dist=True.*")  # val_score is already global
        trainer.fit(module, train_loader, val_loader)
    seconds = time.perf_counter() - start
    if not group_before and _distributed_initialized():
        # Lightning leaves the process group it started open; a gloo group still alive at
        # interpreter exit can abort the process (SIGABRT, "terminate called without an
        # active exception"; pytorch/pytorch#190489), so end it here, once all ranks are done.
        torch.distributed.barrier()
        torch.distributed.destroy_process_group()
    if keep_best.best_state is not None:
        model.load_state_dict(keep_best.best_state)
    best_epoch = int(keep_best.best_epoch or 0)
    best_score = float(keep_best.best_score if keep_best.best_score is not None else np.nan)
    epochs_run, train_losses, val_scores = (trainer.current_epoch, module.train_losses,
                                            module.val_scores)
    model.eval().cpu()
    return FitResult(model, best_epoch, best_score, epochs_run, train_losses, val_scores, seconds,
                     global_rank=trainer.global_rank, epoch_states=keep_best.epoch_states)


def _distributed_initialized() -> bool:
    """Whether a torch.distributed process group is open in this process."""
    return torch.distributed.is_available() and torch.distributed.is_initialized()
