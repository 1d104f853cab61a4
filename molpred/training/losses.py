"""Masked multi-task losses: missing labels (NaN) contribute nothing. Each task type's loss
lives in its head (:mod:`molpred.tasks`)."""

from __future__ import annotations

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
    from molpred.tasks import task_head

    return task_head(task_type).loss(raw, target, pos_weight)
