"""The vectorized atom/bond featurizers equal a plain per-atom / per-bond reference.

The reference below is written independently of ``atom.py`` / ``bond.py``: one Python loop
over RDKit atoms and bonds, one dict lookup per one-hot block. Both must agree bit for bit
on a few hundred real molecules (Tox21, raw and standardized) and on odd cases.
"""

import numpy as np
import pytest
from rdkit import Chem

from molpred.chem.parse import parse_smiles
from molpred.chem.standardize import Standardizer
from molpred.featurizers.atom import (
    ATOM_FEATURE_DIM,
    CHIRAL_TAGS,
    DEGREES,
    ELEMENTS,
    FORMAL_CHARGES,
    HYBRIDIZATIONS,
    NUM_HS,
    atom_features,
)
from molpred.featurizers.bond import BOND_FEATURE_DIM, BOND_TYPES, STEREOS, bond_features

ODD_SMILES = [
    "C",  # one atom, no bonds
    "[2H]C([2H])([2H])C",  # isotopes change the mass column
    "[13CH4]",
    "C[C@H](N)C(=O)[O-]",
    "F/C=C/F",
    "F/C=C\\F",
    "F[Pt@SP1](Cl)(F)Cl",  # square-planar tag -> "other" chirality slot
    "[U]",  # element outside the list
    "*C",  # dummy atom (atomic number 0)
    "C[N-2]",
    "[Fe+3]",
    "[C-]#[O+]",
    "CC#N",
    "c1ccccc1",
    "S(F)(F)(F)(F)(F)F",  # degree 6 -> "other"
    "[Na+].[Cl-]",
    "C[N+](C)(C)C",
    "O=[N+]([O-])c1ccccc1",
    "C1CC2CCC1CC2",
]


def _one_hot(value, choices) -> list[float]:
    row = [0.0] * (len(choices) + 1)
    row[list(choices).index(value) if value in choices else len(choices)] = 1.0
    return row


def reference_atom_features(mol: Chem.Mol) -> np.ndarray:
    rows = []
    for atom in mol.GetAtoms():
        rows.append(
            _one_hot(atom.GetSymbol() if atom.GetAtomicNum() else "*", ELEMENTS)
            + _one_hot(atom.GetTotalDegree(), DEGREES)
            + _one_hot(atom.GetFormalCharge(), FORMAL_CHARGES)
            + _one_hot(atom.GetChiralTag(), CHIRAL_TAGS)
            + _one_hot(atom.GetTotalNumHs(), NUM_HS)
            + _one_hot(atom.GetHybridization(), HYBRIDIZATIONS)
            + [float(atom.GetIsAromatic()), float(atom.IsInRing()), atom.GetMass() * 0.01]
        )
    return np.array(rows, dtype=np.float32).reshape(-1, ATOM_FEATURE_DIM)


def reference_bond_features(mol: Chem.Mol) -> tuple[np.ndarray, np.ndarray]:
    sources, targets, rows = [], [], []
    for bond in mol.GetBonds():
        u, v = bond.GetBeginAtomIdx(), bond.GetEndAtomIdx()
        row = (
            _one_hot(bond.GetBondType(), BOND_TYPES)
            + [float(bond.GetIsConjugated()), float(bond.IsInRing())]
            + _one_hot(bond.GetStereo(), STEREOS)
        )
        sources += [u, v]
        targets += [v, u]
        rows += [row, row]
    edge_index = np.array([sources, targets], dtype=np.int64).reshape(2, -1)
    return edge_index, np.array(rows, dtype=np.float32).reshape(-1, BOND_FEATURE_DIM)


def _assert_bit_identical(got: np.ndarray, want: np.ndarray) -> None:
    assert got.dtype == want.dtype and got.shape == want.shape
    assert got.tobytes() == want.tobytes()


def _molecules(smiles_list):
    standardizer = Standardizer()
    for smiles in smiles_list:
        for std in (None, standardizer):
            mol, _ = parse_smiles(smiles, std)
            if mol is not None:
                yield smiles, mol


@pytest.fixture(scope="module")
def molecules(tox21):
    smiles = tox21["smiles"].iloc[::25].head(300).tolist() + ODD_SMILES
    return list(_molecules(smiles))


def test_atom_features_equal_reference(molecules):
    assert len(molecules) > 500
    for smiles, mol in molecules:
        try:
            _assert_bit_identical(atom_features(mol), reference_atom_features(mol))
        except AssertionError:
            pytest.fail(f"atom features differ for {smiles}")


def test_bond_features_equal_reference(molecules):
    for smiles, mol in molecules:
        got_index, got_attr = bond_features(mol)
        want_index, want_attr = reference_bond_features(mol)
        try:
            _assert_bit_identical(got_index, want_index)
            _assert_bit_identical(got_attr, want_attr)
        except AssertionError:
            pytest.fail(f"bond features differ for {smiles}")


def test_unsanitized_odd_charges_and_elements():
    """Charges and atomic numbers outside every table land in the "other" slots."""
    mol = Chem.MolFromSmiles("[Fe+9][Og-9]", sanitize=False)
    mol.UpdatePropertyCache(strict=False)
    _assert_bit_identical(atom_features(mol), reference_atom_features(mol))
