"""Per-epoch progress of a network's training, for people watching a long run.

:class:`EpochProgress` is a Lightning callback that, after each epoch's validation, hands an
:class:`EpochReport` (epoch, train loss, validation score, best so far, time used and an
upper bound on the time left) to a function: the CLI prints it as one line
(``molpred train``), a notebook may collect them. It reads what the training module already
logged; it changes nothing in training.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass

import lightning as L


@dataclass(frozen=True)
class EpochReport:
    """One finished epoch.

    Attributes:
        member: 0-based ensemble member being trained, of ``members``.
        members: Ensemble size M.
        epoch: 1-based epoch just finished.
        max_epochs: Epoch limit.
        train_loss: Mean training loss of the epoch (masked BCE or MSE on scaled targets).
        val_score: Validation score of the epoch (``metric``).
        best_score: Best validation score so far, reached at ``best_epoch`` (1-based).
        best_epoch: See ``best_score``.
        metric: ``roc_auc`` (higher is better) or ``rmse`` (lower is better).
        seconds: Wall time of this member's training so far, in seconds.
        seconds_left: At most this much more for this member: the mean epoch time times the
            epochs that may still run (the limit, or early stopping's patience if sooner).
    """

    member: int
    members: int
    epoch: int
    max_epochs: int
    train_loss: float
    val_score: float
    best_score: float
    best_epoch: int
    metric: str
    seconds: float
    seconds_left: float

    def line(self) -> str:
        """``member 1/3  epoch 7/50  loss 0.412  val roc_auc 0.8123 (best 0.8211 @5)  12 s, <= 31 s left``."""
        who = f"member {self.member + 1}/{self.members}  " if self.members > 1 else ""
        return (f"{who}epoch {self.epoch}/{self.max_epochs}  loss {self.train_loss:.4f}  "
                f"val {self.metric} {self.val_score:.4f} (best {self.best_score:.4f} "
                f"@{self.best_epoch})  {self.seconds:.0f} s, <= {self.seconds_left:.0f} s left")


class EpochProgress(L.Callback):
    """Calls ``report(EpochReport)`` after every epoch (on rank 0 only).

    Args:
        report: The function to call.
        metric: ``roc_auc`` or ``rmse`` (what ``val_score`` is).
        higher_is_better: Direction of ``metric``.
        patience: Early stopping's patience (for the bound on the time left).
        member, members: Which ensemble member this fit trains, of how many.
    """

    def __init__(self, report: Callable[[EpochReport], None], metric: str,
                 higher_is_better: bool, patience: int, member: int = 0,
                 members: int = 1) -> None:
        self.report, self.metric, self.higher = report, metric, higher_is_better
        self.patience, self.member, self.members = patience, member, members
        self.best: float | None = None
        self.best_epoch = 0
        self.start = time.perf_counter()

    def on_fit_start(self, trainer: L.Trainer, pl_module: L.LightningModule) -> None:
        self.start = time.perf_counter()

    def on_train_epoch_end(self, trainer: L.Trainer, pl_module: L.LightningModule) -> None:
        # Lightning 2 validates before on_train_epoch_end, so this epoch's val_score is in
        if trainer.global_rank != 0 or "val_score" not in trainer.callback_metrics:
            return
        epoch = trainer.current_epoch + 1
        score = float(trainer.callback_metrics["val_score"])
        loss = float(trainer.callback_metrics.get("train_loss", math.nan))
        if self.best is None or (score > self.best if self.higher else score < self.best):
            self.best, self.best_epoch = score, epoch
        seconds = time.perf_counter() - self.start
        limit = trainer.max_epochs or epoch
        may_run = min(limit, max(self.best_epoch + self.patience,
                                 trainer.min_epochs or 0)) - epoch
        self.report(EpochReport(self.member, self.members, epoch, limit, loss, score, self.best,
                                self.best_epoch, self.metric, seconds,
                                max(0, may_run) * seconds / epoch))
