"""Featurizers: RDKit molecules -> graphs (atom/bond features) and fixed-length vectors."""

from molpred.featurizers.atom import ATOM_FEATURE_DIM, atom_features
from molpred.featurizers.bond import BOND_FEATURE_DIM, bond_features
from molpred.featurizers.featurize import FeaturizerConfig, featurize_smiles
from molpred.featurizers.vector import DESCRIPTOR_NAMES, ecfp4, rdkit2d

__all__ = [
    "ATOM_FEATURE_DIM",
    "BOND_FEATURE_DIM",
    "DESCRIPTOR_NAMES",
    "FeaturizerConfig",
    "atom_features",
    "bond_features",
    "ecfp4",
    "featurize_smiles",
    "rdkit2d",
]
