"""RDKit molecule -> ``torch_geometric.data.Data`` molecular graph.

Nodes are heavy atoms (hydrogens stay implicit and appear in the atom features), edges are
directed bonds, two per bond, paired so that edge ``e`` and edge ``e ^ 1`` are reverses of
each other (see :func:`molpred.featurizers.bond.bond_features`).
"""

from __future__ import annotations

import numpy as np
from rdkit import Chem

from molpred.featurizers.atom import ATOM_FEATURE_DIM, atom_features
from molpred.featurizers.bond import BOND_FEATURE_DIM, bond_features

__all__ = ["ATOM_FEATURE_DIM", "BOND_FEATURE_DIM", "graph_arrays"]


def graph_arrays(mol: Chem.Mol) -> dict[str, np.ndarray]:
    """Graph arrays for one molecule.

    Returns:
        ``{"x": float32 [num_atoms, 78], "edge_index": int64 [2, 2 * num_bonds],
        "edge_attr": float32 [2 * num_bonds, 14]}``; turned into a ``Data`` by
        :func:`molpred.featurizers.featurize.to_data`.
    """
    edge_index, edge_attr = bond_features(mol)
    return {"x": atom_features(mol), "edge_index": edge_index, "edge_attr": edge_attr}
