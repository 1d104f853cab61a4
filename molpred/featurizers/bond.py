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
_TYPE_INDEX = {t: i for i, t in enumerate(BOND_TYPES)}
_STEREO_INDEX = {s: i for i, s in enumerate(STEREOS)}
_STEREO_OFFSET = len(BOND_TYPES) + 1 + 2
BOND_FEATURE_DIM = _STEREO_OFFSET + len(STEREOS) + 1
"""Number of columns of ``Data.edge_attr`` (14)."""


def bond_features(mol: Chem.Mol) -> tuple[np.ndarray, np.ndarray]:
    """Directed edges and their features.

    Each bond ``b`` between atoms ``u`` and ``v`` gives two directed edges, ``u->v`` at
    column ``2b`` and ``v->u`` at column ``2b+1``, so the reverse of edge ``e`` is ``e ^ 1``
    (the D-MPNN encoder relies on this pairing; batching keeps it because every graph has an
    even number of edges).

    Args:
        mol: A sanitized RDKit molecule.

    Returns:
        ``edge_index``: ``int64`` array ``[2, 2 * num_bonds]`` (source row, target row);
        ``edge_attr``: ``float32`` array ``[2 * num_bonds, BOND_FEATURE_DIM]``.
    """
    m = mol.GetNumBonds()
    edge_index = np.empty((2, 2 * m), dtype=np.int64)
    attr = np.zeros((2 * m, BOND_FEATURE_DIM), dtype=np.float32)
    for b, bond in enumerate(mol.GetBonds()):
        u, v = bond.GetBeginAtomIdx(), bond.GetEndAtomIdx()
        edge_index[:, 2 * b] = (u, v)
        edge_index[:, 2 * b + 1] = (v, u)
        row = attr[2 * b]
        row[_TYPE_INDEX.get(bond.GetBondType(), len(BOND_TYPES))] = 1.0
        row[len(BOND_TYPES) + 1] = bond.GetIsConjugated()
        row[len(BOND_TYPES) + 2] = bond.IsInRing()
        row[_STEREO_OFFSET + _STEREO_INDEX.get(bond.GetStereo(), len(STEREOS))] = 1.0
        attr[2 * b + 1] = row
    return edge_index, attr
