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
from rdkit.Chem import rdqueries

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


def _lookup(values: tuple, size: int) -> np.ndarray:
    """Slot of each integer key ``k`` at position ``k + _KEY_SHIFT`` ("other" when absent)."""
    table = np.full(size, len(values), dtype=np.int64)
    for slot, value in enumerate(values):
        table[int(value) + _KEY_SHIFT] = slot
    return table


_KEY_SHIFT = 8  # formal charges down to -8 index a table without negative positions
_TABLE_SIZE = 128 + _KEY_SHIFT  # atomic numbers up to 127
_ELEMENT_TABLE = np.full(_TABLE_SIZE, len(ELEMENTS), dtype=np.int64)
for _slot, _symbol in enumerate(ELEMENTS):
    _ELEMENT_TABLE[Chem.GetPeriodicTable().GetAtomicNumber(_symbol) + _KEY_SHIFT] = _slot
_BLOCKS = (ELEMENTS, DEGREES, FORMAL_CHARGES, CHIRAL_TAGS, NUM_HS, HYBRIDIZATIONS)
_WIDTHS = tuple(len(values) + 1 for values in _BLOCKS)
_OFFSETS = np.cumsum((0,) + _WIDTHS)[:-1]
ONE_HOT_WIDTH = int(sum(_WIDTHS))
ATOM_FEATURE_DIM = ONE_HOT_WIDTH + 3
"""Number of columns of ``Data.x`` (78)."""

_COLUMN = (
    np.stack([_ELEMENT_TABLE] + [_lookup(values, _TABLE_SIZE) for values in _BLOCKS[1:]]) + _OFFSETS[:, None]
)
"""``_COLUMN[j, key_j + _KEY_SHIFT]``: the one-hot column that key ``j`` of an atom sets.

Keys out of the table (shifted below 0 or above 135) are clipped onto an end entry, and
the end entries are "other" in every block (they stand for -8 and 127, which no block
lists), so any out-of-range key lands in its block's "other" slot."""
_BLOCK_ROWS = np.arange(len(_BLOCKS))[:, None]

_Atom = Chem.Atom
# Unbound RDKit accessors, mapped over a molecule's atoms at C speed.
_KEY_GETTERS = (
    _Atom.GetAtomicNum,
    _Atom.GetTotalDegree,
    _Atom.GetFormalCharge,
    _Atom.GetTotalNumHs,
    _Atom.GetHybridization,
)
_CHIRAL_ROW = 3  # row of the chiral tag in the key array (filled separately, see below)
_HAS_CHIRAL_TAG = rdqueries.HasChiralTagQueryAtom()
"""Matches exactly the atoms whose chiral tag is not ``CHI_UNSPECIFIED`` (RDKit's
``queryAtomHasChiralTag``). ``GetChiralTag`` is slow (an enum conversion per atom) and most
atoms have no tag, so only the matched atoms are asked; all others keep key 0, which is
``CHI_UNSPECIFIED``."""


def atom_features(mol: Chem.Mol) -> np.ndarray:
    """Featurize every atom of ``mol``.

    One RDKit call per atom and property (the chiral tag only for atoms that have one),
    each property gathered for all atoms with ``map`` (no per-atom Python bytecode); then
    all one-hot bits of the molecule are set by a single numpy scatter. Bit-identical to
    the straightforward per-atom loop (``tests/unit/featurizers/test_featurize_equivalence.py``).

    Args:
        mol: A sanitized RDKit molecule with implicit hydrogens.

    Returns:
        ``float32`` array of shape ``[num_atoms, ATOM_FEATURE_DIM]`` laid out as in the module
        docstring.
    """
    n = mol.GetNumAtoms()
    atoms = list(map(mol.GetAtomWithIdx, range(n)))
    # keys[j, i]: key j of atom i (the enums of RDKit are int subclasses)
    rows = [list(map(get, atoms)) for get in _KEY_GETTERS]
    rows.insert(_CHIRAL_ROW, [0] * n)
    keys = np.array(rows, dtype=np.int64).reshape(len(_BLOCKS), n)
    for atom in mol.GetAtomsMatchingQuery(_HAS_CHIRAL_TAG):
        keys[_CHIRAL_ROW, atom.GetIdx()] = atom.GetChiralTag()
    keys = np.minimum(np.maximum(keys + _KEY_SHIFT, 0), _TABLE_SIZE - 1)  # clip into the table
    x = np.zeros((n, ATOM_FEATURE_DIM), dtype=np.float32)
    columns = _COLUMN[_BLOCK_ROWS, keys]  # [6, n] absolute columns
    columns += np.arange(n) * ATOM_FEATURE_DIM
    x.ravel()[columns.ravel()] = 1.0
    x[:, ONE_HOT_WIDTH] = list(map(_Atom.GetIsAromatic, atoms))
    x[:, ONE_HOT_WIDTH + 1] = list(map(_Atom.IsInRing, atoms))
    x[:, ONE_HOT_WIDTH + 2] = np.array(list(map(_Atom.GetMass, atoms))) * 0.01
    return x
