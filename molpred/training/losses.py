"""Masked multi-task losses: missing labels (NaN) contribute nothing."""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import Tensor


def masked_loss(raw: Tensor, target: Tensor, task_type: str, pos_weight: Tensor | None = None) -> Tensor:
    """Mean loss over the labelled entries of a batch.

    Args:
        raw: ``float32 [B, T]`` model outputs (logits, or standardized regression values);
            ``[B, C]`` class logits for a multiclass target.
        target: ``float32 [B, T]`` labels (0/1, or standardized values), NaN where missing;
            ``[B, 1]`` class indices 0..C-1 for a multiclass target.
        task_type: ``"classification"`` -> binary cross-entropy with logits;
            ``"regression"`` -> squared error; ``"multiclass"`` -> softmax cross-entropy.
        pos_weight: ``float32 [T]`` weight of the positive labels per task (classification
            only; ``None`` = 1), as ``BCEWithLogitsLoss(pos_weight=...)``.

    Returns:
        Scalar tensor; 0 (with gradient) when the batch has no label at all.
    """
    if task_type == "multiclass":
        known = ~torch.isnan(target[:, 0])
        if not known.any():
            return raw.float().sum() * 0.0
        return F.cross_entropy(raw.float()[known], target[known, 0].long())
    known = ~torch.isnan(target)
    filled = torch.where(known, target, torch.zeros_like(target))
    if task_type == "classification":
        loss = F.binary_cross_entropy_with_logits(raw.float(), filled, reduction="none",
                                                  pos_weight=pos_weight)
    else:
        loss = (raw.float() - filled) ** 2
    loss = loss * known
    return loss.sum() / known.sum().clamp_min(1)
