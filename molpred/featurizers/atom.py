"""Atom features: the per-atom rows of ``Data.x``.

Layout (one-hot blocks, each with a final "other" slot, then scalars), 78 columns in all,
close to Chemprop v2's default ``MultiHotAtomFeaturizer`` (Yang et al. 2019):

======================  =====  ==========================================================
block                   width  values
======================  =====  ==========================================================
element                 44     H B C N O F Si P S Cl Br I Li Na K Mg Ca Fe Zn Cu Co Mn Al
                               Se Sn As Ge Pt Pd Ni Ag Au Hg Cr Ti V Bi Sb Te Gd Tl Pb Ba
                               + other
degree (heavy + H)      7      0 1 2 3 4 5 + other
formal charge           6      -2 -1 0 1 2 + other
chirality tag           5      unspecified, CW, CCW, other-chirality + other
total H count           6      0 1 2 3 4 + other
hybridization           7      S SP SP2 SP3 SP3D SP3D2 + other
aromatic                1      0/1
in ring                 1      0/1
mass / 100              1      atomic mass in daltons divided by 100 (float)
======================  =====  ==========================================================
"""

from __future__ import annotations

import numpy as np
from rdkit import Chem

ELEMENTS = (
    "H B C N O F Si P S Cl Br I Li Na K Mg Ca Fe Zn Cu Co Mn Al Se Sn As Ge Pt Pd Ni Ag Au "
    "Hg Cr Ti V Bi Sb Te Gd Tl Pb Ba"
).split()
DEGREES = (0, 1, 2, 3, 4, 5)
FORMAL_CHARGES = (-2, -1, 0, 1, 2)
CHIRAL_TAGS = (
    Chem.ChiralType.CHI_UNSPECIFIED,
    Chem.ChiralType.CHI_TETRAHEDRAL_CW,
    Chem.ChiralType.CHI_TETRAHEDRAL_CCW,
    Chem.ChiralType.CHI_OTHER,
)
NUM_HS = (0, 1, 2, 3, 4)
HYBRIDIZATIONS = (
    Chem.HybridizationType.S,
    Chem.HybridizationType.SP,
    Chem.HybridizationType.SP2,
    Chem.HybridizationType.SP3,
    Chem.HybridizationType.SP3D,
    Chem.HybridizationType.SP3D2,
)


def _table(values: tuple, size: int) -> np.ndarray:
    """Lookup array mapping an integer key (offset so that negatives fit) to its slot."""
    table = np.full(size, len(values), dtype=np.int64)
    for slot, value in enumerate(values):
        table[int(value) + _KEY_SHIFT] = slot
    return table


_KEY_SHIFT = 8  # formal charges down to -8 index a table without negative positions
_ELEMENT_TABLE = np.full(128 + _KEY_SHIFT, len(ELEMENTS), dtype=np.int64)
for _slot, _symbol in enumerate(ELEMENTS):
    _ELEMENT_TABLE[Chem.GetPeriodicTable().GetAtomicNumber(_symbol) + _KEY_SHIFT] = _slot
_TABLES = (
    _ELEMENT_TABLE,
    _table(DEGREES, 64),
    _table(FORMAL_CHARGES, 32),
    _table(CHIRAL_TAGS, 32),
    _table(NUM_HS, 64),
    _table(HYBRIDIZATIONS, 32),
)
_WIDTHS = (len(ELEMENTS) + 1, len(DEGREES) + 1, len(FORMAL_CHARGES) + 1, len(CHIRAL_TAGS) + 1,
           len(NUM_HS) + 1, len(HYBRIDIZATIONS) + 1)
_OFFSETS = np.cumsum((0,) + _WIDTHS)[:-1]
ONE_HOT_WIDTH = int(sum(_WIDTHS))
ATOM_FEATURE_DIM = ONE_HOT_WIDTH + 3
"""Number of columns of ``Data.x`` (78)."""


def atom_features(mol: Chem.Mol) -> np.ndarray:
    """Featurize every atom of ``mol``.

    Args:
        mol: A sanitized RDKit molecule with implicit hydrogens.

    Returns:
        ``float32`` array of shape ``[num_atoms, ATOM_FEATURE_DIM]`` laid out as in the module
        docstring.
    """
    atoms = list(mol.GetAtoms())
    n = len(atoms)
    keys = np.array(
        [
            (
                a.GetAtomicNum(),
                a.GetTotalDegree(),
                a.GetFormalCharge(),
                int(a.GetChiralTag()),
                a.GetTotalNumHs(),
                int(a.GetHybridization()),
                a.GetIsAromatic(),
                a.IsInRing(),
            )
            for a in atoms
        ],
        dtype=np.int64,
    ).reshape(n, 8)
    x = np.zeros((n, ATOM_FEATURE_DIM), dtype=np.float32)
    shifted = np.clip(keys[:, :6] + _KEY_SHIFT, 0, 31)
    shifted[:, 0] = np.clip(keys[:, 0] + _KEY_SHIFT, 0, len(_ELEMENT_TABLE) - 1)
    rows = np.arange(n)
    for j, table in enumerate(_TABLES):
        x[rows, _OFFSETS[j] + table[shifted[:, j]]] = 1.0
    x[:, ONE_HOT_WIDTH] = keys[:, 6]
    x[:, ONE_HOT_WIDTH + 1] = keys[:, 7]
    x[:, ONE_HOT_WIDTH + 2] = [a.GetMass() * 0.01 for a in atoms]
    return x
