"""Stage 1: parse and standardize each input SMILES once.

Every later stage (model features, applicability-domain fingerprints, structural alerts,
drug-likeness) reads the molecules made here, so a SMILES is parsed by RDKit once however
many columns are asked for.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from rdkit import Chem

from molpred.chem.parse import parse_smiles, standardize_parsed
from molpred.chem.standardize import Standardizer


@dataclass
class Prepared:
    """Input rows as molecules.

    Attributes:
        mols: One RDKit molecule per row (sanitized, explicit hydrogens removed, and
            standardized when ``standardized``), ``None`` for a row RDKit rejected.
        errors: One string per row: ``""``, or why the row has no molecule (from
            :func:`molpred.chem.parse_smiles`).
        standardized: Whether :class:`molpred.chem.Standardizer` ran (largest fragment,
            uncharged, canonical tautomer).
    """

    mols: list[Chem.Mol | None]
    errors: list[str]
    standardized: bool

    def __len__(self) -> int:
        return len(self.mols)


def prepare(smiles: Sequence[object], standardize: bool) -> Prepared:
    """Parse (and, with ``standardize``, standardize) every SMILES once, in input order.

    Args:
        smiles: SMILES strings; non-strings (``None``, NaN of an empty cell) are empty input.
        standardize: Run :class:`molpred.chem.Standardizer` after parsing, as models trained
            with standardization expect.

    Returns:
        A :class:`Prepared` of ``len(smiles)`` rows. Never raises for bad input: the row's
        error says what went wrong.
    """
    standardizer = Standardizer() if standardize else None
    mols, errors = [], []
    for text in smiles:
        mol, error = parse_smiles(text, standardizer)
        mols.append(mol)
        errors.append(error)
    return Prepared(mols, errors, standardize)


def standardized(prepared: Prepared) -> Prepared:
    """The standardized form of rows prepared without standardization, without parsing them
    again (the panel holds models of both kinds); equal to ``prepare(smiles, True)``.

    Raises:
        ValueError: if ``prepared`` is standardized already.
    """
    if prepared.standardized:
        raise ValueError("these rows are standardized already")
    standardizer = Standardizer()
    mols, errors = [], []
    for mol, error in zip(prepared.mols, prepared.errors, strict=True):
        if mol is not None:
            mol, error = standardize_parsed(mol, standardizer)
        mols.append(mol)
        errors.append(error)
    return Prepared(mols, errors, True)
