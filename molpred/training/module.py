"""Lightning wrapper around :class:`MoleculeModel`: masked loss, LR schedule, val metric.

The learning-rate schedule is Chemprop's Noam-like one (Yang et al. 2019): linear warm-up from
``lr / 10`` to ``lr`` over ``warmup_epochs``, then exponential decay to ``lr / 10`` at
``max_epochs``.
"""

from __future__ import annotations

import copy
import math

import lightning as L
import numpy as np
import torch
from torch_geometric.data import Batch

from molpred.models.model import MoleculeModel
from molpred.training.losses import masked_loss
from molpred.training.metrics import HIGHER_IS_BETTER, score_predictions


class MoleculeLightningModule(L.LightningModule):
    """Trains a :class:`MoleculeModel` on batches carrying ``y`` (``float32 [B, T]``, NaN = missing).

    ``pos_weight`` (``float32 [T]``, optional) weights the positives of each task in the
    classification loss. Logs ``train_loss`` per step and ``val_score`` (ROC-AUC or RMSE, as ``score.py``) per
    validation epoch.
    """

    def __init__(
        self, model: MoleculeModel, lr: float = 1e-3, warmup_epochs: float = 2.0,
        max_epochs: int = 50, steps_per_epoch: int = 1, weight_decay: float = 0.0,
        pos_weight: torch.Tensor | None = None,
    ) -> None:
        super().__init__()
        self.model = model
        self.lr, self.warmup_epochs, self.max_epochs = lr, warmup_epochs, max_epochs
        self.steps_per_epoch = max(1, steps_per_epoch)
        self.weight_decay = weight_decay
        self.pos_weight = pos_weight
        self._val_pred: list[torch.Tensor] = []
        self._val_true: list[torch.Tensor] = []
        self.train_losses: list[float] = []
        self.val_scores: list[float] = []

    def _scaled_target(self, batch: Batch) -> torch.Tensor:
        y = batch.y
        if self.model.is_classification:
            return y
        return (y - self.model.target_mean) / self.model.target_std

    def training_step(self, batch: Batch, batch_idx: int) -> torch.Tensor:
        pos_weight = None if self.pos_weight is None else self.pos_weight.to(batch.y.device)
        loss = masked_loss(self.model(batch), self._scaled_target(batch), self.model.config.task_type,
                           pos_weight)
        self.log("train_loss", loss, batch_size=batch.num_graphs, on_epoch=True, on_step=False)
        return loss

    def on_train_epoch_end(self) -> None:
        value = self.trainer.callback_metrics.get("train_loss")
        if value is not None:
            self.train_losses.append(float(value))

    def validation_step(self, batch: Batch, batch_idx: int) -> None:
        self._val_pred.append(self.model.transform_output(self.model(batch)).detach().cpu())
        self._val_true.append(batch.y.detach().cpu())

    def on_validation_epoch_end(self) -> None:
        if not self._val_pred:
            return
        pred = torch.cat(self._val_pred).double().numpy()
        true = torch.cat(self._val_true).double().numpy()
        self._val_pred.clear()
        self._val_true.clear()
        result = score_predictions(true, pred, self.model.config.tasks, self.model.config.task_type)
        score = result["score"]
        if not np.isfinite(score):  # e.g. a val part with one class only
            score = 0.0 if HIGHER_IS_BETTER[result["metric"]] else 1e9
        self.val_scores.append(float(score))
        self.log("val_score", float(score), prog_bar=True)

    def configure_optimizers(self):
        opt = torch.optim.Adam(self.model.parameters(), lr=self.lr, weight_decay=self.weight_decay)
        warmup = max(1, int(self.warmup_epochs * self.steps_per_epoch))
        total = max(warmup + 1, self.max_epochs * self.steps_per_epoch)
        decay = math.log(10.0) / (total - warmup)

        def factor(step: int) -> float:
            if step < warmup:
                return 0.1 + 0.9 * step / warmup
            return max(0.1, math.exp(-decay * (step - warmup)))

        sched = torch.optim.lr_scheduler.LambdaLR(opt, factor)
        return {"optimizer": opt, "lr_scheduler": {"scheduler": sched, "interval": "step"}}


class KeepBestWeights(L.Callback):
    """Keeps an in-memory copy of the weights with the best ``val_score`` (no pickle files).

    Args:
        higher_is_better: ``True`` for ROC-AUC, ``False`` for RMSE.
    """

    def __init__(self, higher_is_better: bool) -> None:
        self.higher_is_better = higher_is_better
        self.best_score: float | None = None
        self.best_epoch: int | None = None
        self.best_state: dict[str, torch.Tensor] | None = None

    def on_validation_end(self, trainer: L.Trainer, pl_module: L.LightningModule) -> None:
        if trainer.sanity_checking:
            return
        score = trainer.callback_metrics.get("val_score")
        if score is None:
            return
        score = float(score)
        better = self.best_score is None or (
            score > self.best_score if self.higher_is_better else score < self.best_score
        )
        if better:
            self.best_score, self.best_epoch = score, trainer.current_epoch
            self.best_state = copy.deepcopy(pl_module.model.state_dict())
