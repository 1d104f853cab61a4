"""Lightning wrapper around :class:`MoleculeModel`: masked loss, LR schedule, val metric.

The learning-rate schedule is Chemprop's Noam-like one (Yang et al. 2019): linear warm-up from
``lr / 10`` to ``lr`` over ``warmup_epochs``, then exponential decay to ``lr / 10`` at
``max_epochs``.
"""

from __future__ import annotations

import copy
import math
from collections.abc import Sequence

import lightning as L
import numpy as np
import torch
from torch_geometric.data import Batch, Data

from molpred.models.model import MoleculeModel
from molpred.training.losses import masked_loss
from molpred.training.metrics import HIGHER_IS_BETTER, score_predictions


class MoleculeLightningModule(L.LightningModule):
    """Trains a :class:`MoleculeModel` on batches carrying ``y`` (``float32 [B, T]``, NaN = missing).

    ``pos_weight`` (``float32 [T]``, optional) weights the positives of each task in the
    classification loss. Logs ``train_loss`` per step and ``val_score`` (ROC-AUC or RMSE, as ``score.py``) per
    validation epoch.

    Data-parallel training (DDP): each validation molecule carries its position in the val
    part as ``val_idx`` (``int64 [1]``, see :func:`with_val_index`); at the end of a
    validation epoch the predictions, labels and positions of all ranks are gathered
    (``all_gather``), the copies that ``DistributedSampler`` pads in are dropped and the
    score is computed on the whole val part, identically on every rank, so early stopping
    and :class:`KeepBestWeights` take the same decisions everywhere. The LR schedule counts
    the optimizer steps of one rank (``trainer.estimated_stepping_batches``).

    Args:
        model: The network to train.
        lr: Peak learning rate (Adam).
        warmup_epochs: Epochs of linear warm-up from ``lr / 10`` to ``lr``.
        max_epochs: Epoch limit; the exponential decay reaches ``lr / 10`` at its end.
        steps_per_epoch: Optimizer steps per epoch (batches of one rank).
        weight_decay: Adam L2 penalty.
        pos_weight: See above.
        encoder_lr_ratio: The encoder's learning rate as a multiple of ``lr`` (fine-tuning a
            pretrained encoder); frozen parameters (``requires_grad=False``) are left out.
    """

    def __init__(
        self, model: MoleculeModel, lr: float = 1e-3, warmup_epochs: float = 2.0,
        max_epochs: int = 50, steps_per_epoch: int = 1, weight_decay: float = 0.0,
        pos_weight: torch.Tensor | None = None, encoder_lr_ratio: float = 1.0,
    ) -> None:
        super().__init__()
        self.model = model
        self.lr, self.warmup_epochs, self.max_epochs = lr, warmup_epochs, max_epochs
        self.steps_per_epoch = max(1, steps_per_epoch)
        self.weight_decay = weight_decay
        self.pos_weight = pos_weight
        self.encoder_lr_ratio = encoder_lr_ratio
        self._val_pred: list[torch.Tensor] = []
        self._val_true: list[torch.Tensor] = []
        self._val_idx: list[torch.Tensor] = []
        self.train_losses: list[float] = []
        self.val_scores: list[float] = []

    def _scaled_target(self, batch: Batch) -> torch.Tensor:
        return self.model.task.scale_target(batch.y, self.model.target_mean, self.model.target_std)

    def training_step(self, batch: Batch, batch_idx: int) -> torch.Tensor:
        pos_weight = None if self.pos_weight is None else self.pos_weight.to(batch.y.device)
        loss = masked_loss(self.model(batch), self._scaled_target(batch), self.model.config.task_type,
                           pos_weight)
        self.log("train_loss", loss, batch_size=batch.num_graphs, on_epoch=True, on_step=False,
                 sync_dist=True)  # the mean over all ranks (one reduction per epoch)
        return loss

    def on_train_epoch_end(self) -> None:
        value = self.trainer.callback_metrics.get("train_loss")
        if value is not None:
            self.train_losses.append(float(value))

    def validation_step(self, batch: Batch, batch_idx: int) -> None:
        self._val_pred.append(self.model.transform_output(self.model(batch)).detach().float())
        self._val_true.append(batch.y.detach().float())
        index = getattr(batch, "val_idx", None)
        self._val_idx.append(index.detach() if index is not None
                             else torch.full((batch.num_graphs,), -1, device=batch.y.device))

    def _gathered_val(self) -> tuple[np.ndarray, np.ndarray]:
        """This epoch's val predictions and labels, ``float64 [N, T]``, for the whole val part
        (all ranks, each molecule once, in val order when ``val_idx`` is present)."""
        pred, true = torch.cat(self._val_pred), torch.cat(self._val_true)
        index = torch.cat(self._val_idx).long()
        self._val_pred.clear()
        self._val_true.clear()
        self._val_idx.clear()
        if self.trainer.world_size > 1:  # same length on every rank (DistributedSampler pads)
            pred, true, index = (t.flatten(0, 1) for t in self.all_gather((pred, true, index)))
        pred, true, index = pred.double().cpu().numpy(), true.double().cpu().numpy(), index.cpu().numpy()
        if (index >= 0).all():
            _, first = np.unique(index, return_index=True)  # sorted by position, padding dropped
            pred, true = pred[first], true[first]
        return pred, true

    def on_validation_epoch_end(self) -> None:
        if not self._val_pred:
            return
        pred, true = self._gathered_val()
        result = score_predictions(true, pred, self.model.config.tasks, self.model.config.task_type)
        score = result["score"]
        if not np.isfinite(score):  # e.g. a val part with one class only
            score = 0.0 if HIGHER_IS_BETTER[result["metric"]] else 1e9
        self.val_scores.append(float(score))
        # the same value on every rank (computed from the gathered val part): no sync needed
        self.log("val_score", float(score), prog_bar=True, sync_dist=False, rank_zero_only=False)

    def configure_optimizers(self):
        """Adam (Kingma & Ba 2015) with the per-step Noam-like schedule of the module
        docstring (after Vaswani et al. 2017, as Chemprop uses it): factor 0.1 -> 1 over the
        warm-up steps, then ``exp``-decay to 0.1 at the last step."""
        encoder = [p for p in self.model.encoder.parameters() if p.requires_grad]
        others = [p for name, p in self.model.named_parameters()
                  if p.requires_grad and not name.startswith("encoder.")]
        groups = [{"params": others}]
        if encoder:
            groups.append({"params": encoder, "lr": self.lr * self.encoder_lr_ratio})
        opt = torch.optim.Adam(groups, lr=self.lr, weight_decay=self.weight_decay)
        steps_per_epoch = self.steps_per_epoch
        if self._trainer is not None and self.trainer.max_epochs:  # per rank under DDP
            estimated = self.trainer.estimated_stepping_batches
            if math.isfinite(estimated):
                steps_per_epoch = max(1, round(estimated / self.trainer.max_epochs))
        return warmup_decay(opt, max(1, int(self.warmup_epochs * steps_per_epoch)),
                            self.max_epochs * steps_per_epoch)


def warmup_decay(optimizer: torch.optim.Optimizer, warmup: int, total: int) -> dict:
    """The Noam-like per-step schedule of the module docstring, for Lightning's
    ``configure_optimizers``: every group's learning rate times 0.1 -> 1 over ``warmup``
    steps, then ``exp``-decay to 0.1 at step ``total``.

    Returns:
        ``{"optimizer", "lr_scheduler": {"scheduler": LambdaLR, "interval": "step"}}``.
    """
    total = max(warmup + 1, total)
    decay = math.log(10.0) / (total - warmup)

    def factor(step: int) -> float:
        if step < warmup:
            return 0.1 + 0.9 * step / warmup
        return max(0.1, math.exp(-decay * (step - warmup)))

    sched = torch.optim.lr_scheduler.LambdaLR(optimizer, factor)
    return {"optimizer": optimizer, "lr_scheduler": {"scheduler": sched, "interval": "step"}}


def with_val_index(data: Sequence[Data]) -> list[Data]:
    """Shallow copies of the val molecules, each with its position as ``val_idx`` (``int64 [1]``)."""
    out = []
    for i, d in enumerate(data):
        d = copy.copy(d)
        d.val_idx = torch.tensor([i], dtype=torch.long)
        out.append(d)
    return out


class KeepBestWeights(L.Callback):
    """Keeps an in-memory copy of the weights with the best ``val_score`` (no pickle files).

    Under DDP every rank sees the same gathered ``val_score`` and holds the same weights, so
    every rank keeps the same best epoch and weights. At the end of fitting the best weights
    are put back into the model.

    Args:
        higher_is_better: ``True`` for ROC-AUC, ``False`` for RMSE.
        every_epoch: Also keep a copy of every epoch's weights in ``epoch_states`` (list,
            epoch order), for cross-validated epoch selection.
    """

    def __init__(self, higher_is_better: bool, every_epoch: bool = False) -> None:
        self.higher_is_better = higher_is_better
        self.epoch_states: list[dict[str, torch.Tensor]] | None = [] if every_epoch else None
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
        if self.epoch_states is not None:
            self.epoch_states.append(copy.deepcopy(pl_module.model.state_dict()))
        better = self.best_score is None or (
            score > self.best_score if self.higher_is_better else score < self.best_score
        )
        if better:
            self.best_score, self.best_epoch = score, trainer.current_epoch
            self.best_state = copy.deepcopy(pl_module.model.state_dict())

    def on_fit_end(self, trainer: L.Trainer, pl_module: L.LightningModule) -> None:
        if self.best_state is not None:
            pl_module.model.load_state_dict(self.best_state)
