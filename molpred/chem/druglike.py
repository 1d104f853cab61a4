"""Drug-likeness descriptors of a molecule: QED and the quantities of Lipinski's rule of five.

=======================  =======  =========================================================
column                   dtype    meaning (RDKit function)
=======================  =======  =========================================================
``qed``                  float64  quantitative estimate of drug-likeness, 0..1
                                  (Bickerton 2012; ``Chem.QED.qed``)
``mol_weight``           float64  average molecular weight, Da (``Descriptors.MolWt``)
``clogp``                float64  Wildman-Crippen logP (``Crippen.MolLogP``)
``tpsa``                 float64  topological polar surface area, Å² (``CalcTPSA``)
``hbd``                  Int64    H-bond donors as Lipinski counted them: N-H and O-H
                                  (``Lipinski.NHOHCount``)
``hba``                  Int64    H-bond acceptors as Lipinski counted them: N and O atoms
                                  (``Lipinski.NOCount``)
``rotatable_bonds``      Int64    rotatable bonds (``CalcNumRotatableBonds``)
``lipinski_violations``  Int64    rule-of-five violations, 0..4: weight > 500, cLogP > 5,
                                  HBD > 5, HBA > 10
=======================  =======  =========================================================

Rows whose SMILES RDKit rejects get missing values (NaN / ``<NA>``), never an exception.

Sources: rule of five, Lipinski et al., Adv. Drug Deliv. Rev. 1997, 23, 3; QED, Bickerton
et al., Nat. Chem. 2012, 4, 90; cLogP, Wildman & Crippen, J. Chem. Inf. Comput. Sci. 1999,
39, 868; TPSA, Ertl et al., J. Med. Chem. 2000, 43, 3714.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from rdkit import Chem
from rdkit.Chem import QED, Lipinski, rdMolDescriptors

from molpred.chem.logs import quiet_rdkit
from molpred.chem.parse import parse_smiles
from molpred.chem.standardize import Standardizer

DRUGLIKE_COLUMNS: tuple[str, ...] = (
    "qed", "mol_weight", "clogp", "tpsa", "hbd", "hba", "rotatable_bonds",
    "lipinski_violations",
)
"""Column names added by :func:`druglike_table`, in this order."""
_COUNTS = ("hbd", "hba", "rotatable_bonds", "lipinski_violations")


def druglike_properties(mol: Chem.Mol) -> dict[str, float | int]:
    """The drug-likeness descriptors of one sanitized molecule.

    Args:
        mol: An RDKit molecule (as returned by :func:`molpred.chem.parse_smiles`).

    Returns:
        A dict with the keys of :data:`DRUGLIKE_COLUMNS` (floats for ``qed``,
        ``mol_weight``, ``clogp``, ``tpsa``; ints for the counts).

    Raises:
        Whatever RDKit raises for a molecule it cannot describe (rare; :func:`druglike_table`
        turns it into missing values).
    """
    qed_inputs = QED.properties(mol)  # MolWt, Crippen logP and TPSA among them: reuse them
    weight, logp = qed_inputs.MW, qed_inputs.ALOGP
    donors = Lipinski.NHOHCount(mol)
    acceptors = Lipinski.NOCount(mol)
    violations = (weight > 500) + (logp > 5) + (donors > 5) + (acceptors > 10)
    return {
        "qed": QED.qed(mol, qedProperties=qed_inputs),
        "mol_weight": weight,
        "clogp": logp,
        "tpsa": qed_inputs.PSA,
        "hbd": donors,
        "hba": acceptors,
        "rotatable_bonds": rdMolDescriptors.CalcNumRotatableBonds(mol),
        "lipinski_violations": int(violations),
    }


def druglike_table(smiles: Sequence[object], standardize: bool = True) -> pd.DataFrame:
    """Drug-likeness descriptors for many SMILES, one row per input, in input order.

    Picklable, so a process pool can run it on slices of a screening chunk.

    Args:
        smiles: SMILES strings (non-strings count as empty input).
        standardize: Describe the standardized parent molecule (salts stripped, charges
            neutralized; :class:`molpred.chem.Standardizer`), i.e. the molecule a model with
            ``standardize=True`` predicts for.

    Returns:
        A DataFrame of ``len(smiles)`` rows with a RangeIndex and the columns of
        :data:`DRUGLIKE_COLUMNS` (float64, or nullable Int64 for counts); missing values on
        rows RDKit rejects.
    """
    standardizer = Standardizer() if standardize else None
    return druglike_rows([parse_smiles(text, standardizer)[0] for text in smiles])


def druglike_rows(mols: Sequence[Chem.Mol | None]) -> pd.DataFrame:
    """:func:`druglike_table` for molecules already parsed (and standardized): the
    screening pipeline parses each SMILES once (:mod:`molpred.pipeline.prepare`).

    Args:
        mols: One molecule per row, ``None`` for a row RDKit rejected.

    Returns:
        As :func:`druglike_table`: ``len(mols)`` rows, missing values for ``None``.
    """
    rows: list[dict[str, float | int]] = []
    blocker = quiet_rdkit()  # noqa: F841 - QED's RemoveHs warns on bare H atoms
    for mol in mols:
        try:
            rows.append(druglike_properties(mol) if mol is not None else {})
        except Exception:  # RDKit C++ errors on exotic molecules: keep the row, leave it empty
            rows.append({})
    return _typed(pd.DataFrame(rows, index=pd.RangeIndex(len(rows)),
                               columns=list(DRUGLIKE_COLUMNS)))


def empty_druglike_table() -> pd.DataFrame:
    """A zero-row :func:`druglike_table` (the columns and dtypes, e.g. to check a filter)."""
    return druglike_table([])


def _typed(frame: pd.DataFrame) -> pd.DataFrame:
    for column in DRUGLIKE_COLUMNS:
        values = pd.to_numeric(frame[column], errors="coerce").astype(np.float64)
        frame[column] = values.astype("Int64") if column in _COUNTS else values
    return frame


__all__ = ["DRUGLIKE_COLUMNS", "druglike_properties", "druglike_rows", "druglike_table",
           "empty_druglike_table"]
