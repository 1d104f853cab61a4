"""Chemistry with RDKit: SMILES parsing with row-level error messages and standardization."""

from molpred.chem.parse import parse_smiles
from molpred.chem.standardize import Standardizer

__all__ = ["parse_smiles", "Standardizer"]
