"""Encoders: one module per model family, each registered in :data:`ENCODERS`
(modules are listed in :data:`molpred.names.ENCODER_MODULES` and imported on first use)."""

from molpred.models.encoders.base import ENCODERS, Encoder

__all__ = ["ENCODERS", "Encoder"]
