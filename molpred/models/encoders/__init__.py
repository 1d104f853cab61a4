"""Encoders: one module per model family, each registered in :data:`ENCODERS`."""

from molpred.models.encoders import dmpnn, mlp  # noqa: F401 - registration side effect
from molpred.models.encoders.base import ENCODERS, Encoder

__all__ = ["ENCODERS", "Encoder"]
