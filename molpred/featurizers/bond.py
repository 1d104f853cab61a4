"""Bond features: the per-edge rows of ``Data.edge_attr``.

Layout, 14 columns: bond type one-hot (single, double, triple, aromatic, other), conjugated,
in ring, stereo one-hot (none, any, Z, E, cis, trans, other). Both directions of a bond get
the same row.
"""

from __future__ import annotations

import numpy as np
from rdkit import Chem

BOND_TYPES = (
    Chem.BondType.SINGLE,
    Chem.BondType.DOUBLE,
    Chem.BondType.TRIPLE,
    Chem.BondType.AROMATIC,
)
STEREOS = (
    Chem.BondStereo.STEREONONE,
    Chem.BondStereo.STEREOANY,
    Chem.BondStereo.STEREOZ,
    Chem.BondStereo.STEREOE,
    Chem.BondStereo.STEREOCIS,
    Chem.BondStereo.STEREOTRANS,
)


class _Columns(dict):
    """``{enum value: column}`` returning ``other`` for any value not listed."""

    def __init__(self, values: tuple, offset: int) -> None:
        super().__init__({int(v): offset + i for i, v in enumerate(values)})
        self.other = offset + len(values)

    def __missing__(self, key: int) -> int:
        return self.other


_STEREO_OFFSET = len(BOND_TYPES) + 1 + 2
_TYPE_COLUMNS = _Columns(BOND_TYPES, 0)
_STEREO_COLUMNS = _Columns(STEREOS, _STEREO_OFFSET)
BOND_FEATURE_DIM = _STEREO_OFFSET + len(STEREOS) + 1
"""Number of columns of ``Data.edge_attr`` (14)."""

_Bond = Chem.Bond


def bond_features(mol: Chem.Mol) -> tuple[np.ndarray, np.ndarray]:
    """Directed edges and their features.

    Each bond ``b`` between atoms ``u`` and ``v`` gives two directed edges, ``u->v`` at
    column ``2b`` and ``v->u`` at column ``2b+1``, so the reverse of edge ``e`` is ``e ^ 1``
    (the D-MPNN encoder relies on this pairing; batching keeps it because every graph has an
    even number of edges).

    Each bond property is read for all bonds with ``map`` over unbound RDKit accessors; the
    rows are then assembled by whole-array numpy operations.

    Args:
        mol: A sanitized RDKit molecule.

    Returns:
        ``edge_index``: ``int64`` array ``[2, 2 * num_bonds]`` (source row, target row);
        ``edge_attr``: ``float32`` array ``[2 * num_bonds, BOND_FEATURE_DIM]``.
    """
    m = mol.GetNumBonds()
    bonds = list(map(mol.GetBondWithIdx, range(m)))
    begin = list(map(_Bond.GetBeginAtomIdx, bonds))
    end = list(map(_Bond.GetEndAtomIdx, bonds))
    edge_index = np.empty((2, 2 * m), dtype=np.int64)
    edge_index[0, 0::2] = begin
    edge_index[1, 0::2] = end
    edge_index[0, 1::2] = end
    edge_index[1, 1::2] = begin
    rows = np.zeros((m, BOND_FEATURE_DIM), dtype=np.float32)
    index = np.arange(m)
    rows[index, list(map(_TYPE_COLUMNS.__getitem__, map(_Bond.GetBondType, bonds)))] = 1.0
    rows[:, len(BOND_TYPES) + 1] = list(map(_Bond.GetIsConjugated, bonds))
    rows[:, len(BOND_TYPES) + 2] = list(map(_Bond.IsInRing, bonds))
    rows[index, list(map(_STEREO_COLUMNS.__getitem__, map(_Bond.GetStereo, bonds)))] = 1.0
    return edge_index, np.repeat(rows, 2, axis=0)
