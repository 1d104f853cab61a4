"""A pretrained backbone as an embedder: the molecule vectors its encoder computes, as
features for a user's own models (``molpred embed -m molpred-base``)."""

from __future__ import annotations

from pathlib import Path

from molpred.exceptions import ModelFileError
from molpred.models.model import ModelConfig, MoleculeModel
from molpred.predictor import Predictor
from molpred.pretraining.backbone import load_backbone, resolve_backbone


def backbone_predictor(name_or_path: str | Path) -> Predictor:
    """A :class:`~molpred.predictor.Predictor` whose encoder is the backbone, for
    :meth:`~molpred.predictor.Predictor.embed` only (its head is an untrained placeholder:
    do not call ``predict``). Molecules are standardized, as during pretraining.

    Returns:
        A Predictor; ``embed`` gives ``float32 [N, hidden_size]`` vectors (the D-MPNN's
        pooled atom states, Yang et al. 2019).

    Raises:
        ModelFileError: if the backbone is missing or corrupt.
    """
    backbone = load_backbone(name_or_path)
    config = ModelConfig.build(backbone.encoder, ["embedding"], "regression",
                               encoder_params=backbone.encoder_params, standardize=True)
    model = MoleculeModel(config)
    model.encoder.load_state_dict(backbone.state)
    return Predictor(model.eval(), {"backbone": backbone.card.get("format")}, backbone.path)


def is_backbone(name_or_path: str | Path) -> bool:
    """Whether ``name_or_path`` names a shipped backbone or a folder holding one."""
    try:
        resolve_backbone(name_or_path)
    except ModelFileError:
        return False
    return True
