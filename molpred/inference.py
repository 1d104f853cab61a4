"""Batched inference shared by training evaluation, ``predict`` and ``screen``."""

from __future__ import annotations

import contextlib
from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np
import torch

from molpred.exceptions import InputError
from molpred.featurizers.collate import collate
from molpred.models.ensemble import Ensemble, members_of
from molpred.models.model import MoleculeModel
from molpred.names import INFERENCE_PRECISIONS

if TYPE_CHECKING:
    from torch_geometric.data import Data


def resolve_device(device: str = "auto") -> torch.device:
    """``"auto"`` -> CUDA when available, else CPU; ``"cpu"``/``"cuda"``/``"cuda:1"`` as given.

    Raises:
        InputError: if CUDA is requested but not available, or ``device`` is not a device name.
    """
    if device == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    if device.startswith("cuda") and not torch.cuda.is_available():
        raise InputError("--device cuda was requested but no CUDA GPU is available; use auto or cpu")
    try:
        return torch.device(device)
    except RuntimeError as exc:
        raise InputError(f"unknown device {device!r}: {exc}") from None


CPU_BATCH_SIZE = 32
"""Default molecules per forward pass on the CPU when screening: a 32-molecule batch keeps
a D-MPNN's bond states (about 2,400 x 300 floats) in the core's caches; with one torch thread
per core its forward pass took 0.80 ms per library molecule against 1.08 ms at 256."""
GPU_BATCH_SIZE = 256
"""Default molecules per forward pass on a GPU."""


def default_batch_size(device: torch.device) -> int:
    """:data:`CPU_BATCH_SIZE` or :data:`GPU_BATCH_SIZE`, by ``device.type``."""
    return CPU_BATCH_SIZE if device.type == "cpu" else GPU_BATCH_SIZE


def check_precision(precision: str) -> None:
    """Raise :class:`InputError` unless ``precision`` is one of :data:`INFERENCE_PRECISIONS`."""
    if precision not in INFERENCE_PRECISIONS:
        raise InputError(f"unknown precision {precision!r}; use fp32 or bf16")


def inference_autocast(device: torch.device, precision: str = "fp32"):
    """Context manager running the forward pass at ``precision`` (see
    :data:`INFERENCE_PRECISIONS`).

    Raises:
        InputError: for an unknown precision.
    """
    check_precision(precision)
    if precision == "fp32":
        return contextlib.nullcontext()
    return torch.autocast(device.type, dtype=torch.bfloat16)


def predict_members(
    model: MoleculeModel | Ensemble,
    data: Sequence[Data | dict[str, np.ndarray] | None],
    batch_size: int | None = 256,
    device: torch.device | str = "cpu",
    precision: str = "fp32",
) -> np.ndarray:
    """Every member's predictions for every featurized molecule; rows without a graph get NaN.

    Args:
        model: A trained model or :class:`~molpred.models.ensemble.Ensemble` (put in eval
            mode here).
        data: One ``Data`` (or array dict of
            :func:`~molpred.featurizers.featurize.mol_arrays`) or ``None`` per input row.
        batch_size: Molecules per forward pass; ``None``: :func:`default_batch_size` for
            ``device`` (32 on the CPU, 256 on a GPU).
        device: Where to run.
        precision: ``fp32`` or ``bf16`` (see :data:`INFERENCE_PRECISIONS`).

    Returns:
        ``float64 [M, len(data), T]`` for M members (1 for a single model): probabilities
        of class 1 (classification) or values in the dataset's units (regression); T = C
        class probabilities for a multiclass target; NaN for ``None`` rows.

    Raises:
        InputError: for an unknown ``precision``.
    """
    return predict_with_embeddings(model, data, batch_size, device, precision, False)[0]


@torch.inference_mode()
def predict_with_embeddings(
    model: MoleculeModel | Ensemble,
    data: Sequence[Data | dict[str, np.ndarray] | None],
    batch_size: int | None = 256,
    device: torch.device | str = "cpu",
    precision: str = "fp32",
    embeddings: bool = True,
) -> tuple[np.ndarray, np.ndarray | None]:
    """:func:`predict_members`, plus each member's molecule embedding (the encoder's output,
    before the head) when ``embeddings`` is true (``batch_size`` ``None``: the device's
    default).

    Returns:
        ``(predictions float64 [M, N, T], embeddings float32 [M, N, H] or None)``; NaN rows
        where ``data`` holds ``None``.

    Raises:
        InputError: for an unknown ``precision`` or a ``batch_size`` under 1.
    """
    check_precision(precision)
    device = torch.device(device) if isinstance(device, str) else device
    if batch_size is None:
        batch_size = default_batch_size(device)
    if isinstance(batch_size, bool) or not isinstance(batch_size, int) or batch_size < 1:
        raise InputError(f"batch size must be a whole number of at least 1, not {batch_size!r}")
    if hasattr(model, "predict_with_embeddings"):  # a tree model or a blend predicts itself
        return model.predict_with_embeddings(data, batch_size, device, precision, embeddings)
    autocast = inference_autocast(device, precision)
    model.eval().to(device)
    members = members_of(model)
    out = np.full((len(members), len(data), len(model.config.outputs)), np.nan, dtype=np.float64)
    hidden = None
    if embeddings:
        hidden = np.full((len(members), len(data), members[0].encoder.out_dim), np.nan,
                         dtype=np.float32)
    rows = [i for i, d in enumerate(data) if d is not None]
    for start in range(0, len(rows), batch_size):
        idx = rows[start : start + batch_size]
        batch = collate([data[i] for i in idx]).to(device)
        for k, member in enumerate(members):
            with autocast:
                raw, embedding = member.forward_with_embedding(batch)
            out[k, idx] = member.transform_output(raw.float()).double().cpu().numpy()
            if hidden is not None:
                hidden[k, idx] = embedding.float().cpu().numpy()
    return out, hidden


def predict_data(
    model: MoleculeModel | Ensemble,
    data: Sequence[Data | None],
    batch_size: int = 256,
    device: torch.device | str = "cpu",
) -> np.ndarray:
    """Predictions, ``float64 [len(data), T]``: the members' mean for an ensemble (see
    :func:`predict_members`); NaN for ``None`` rows."""
    return predict_members(model, data, batch_size, device).mean(axis=0)
