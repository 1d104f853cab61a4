"""Models: encoders (one per family), the shared head, and model save/load."""

from molpred.models.encoders import ENCODERS, Encoder
from molpred.models.head import PredictionHead
from molpred.models.model import ModelConfig, MoleculeModel

__all__ = ["ENCODERS", "Encoder", "ModelConfig", "MoleculeModel", "PredictionHead"]
