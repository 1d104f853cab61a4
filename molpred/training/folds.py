"""K folds of a part of a dataset, grouped by Bemis-Murcko scaffold, for cross-validation.

Cross-validation that mixes scaffolds between folds rewards memorizing close analogues, which a
scaffold-split test part does not: :func:`scaffold_folds` keeps each scaffold in one fold, as
the balanced scaffold split of Yang et al. 2019 keeps it in one part. Large scaffold groups
(more than half a fold) are placed first, each into the currently smallest fold; the rest are
shuffled by ``seed`` and dealt the same way, so folds are of near-equal size.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence

import numpy as np

from molpred.chem.logs import quiet_rdkit
from molpred.exceptions import InputError


def murcko_scaffold(smiles: str) -> str:
    """Bemis-Murcko scaffold SMILES without chirality (``""`` for acyclic or unreadable)."""
    from rdkit import Chem
    from rdkit.Chem.Scaffolds import MurckoScaffold

    with quiet_rdkit():
        mol = Chem.MolFromSmiles(smiles) if isinstance(smiles, str) else None
        if mol is None:
            return ""
        try:
            return MurckoScaffold.MurckoScaffoldSmiles(mol=mol, includeChirality=False)
        except Exception:  # exotic valences: no scaffold, one shared group
            return ""


def scaffold_folds(smiles: Sequence[str], rows: np.ndarray, k: int, seed: int = 0
                   ) -> list[np.ndarray]:
    """Split ``rows`` into ``k`` folds with no scaffold shared between folds.

    Args:
        smiles: SMILES of every row of the dataset (indexed by ``rows``).
        rows: ``int64 [n]`` the rows to split (e.g. train + val).
        k: Number of folds, at least 2.
        seed: Shuffles the small scaffold groups.

    Returns:
        ``k`` sorted ``int64`` arrays that partition ``rows``.

    Raises:
        InputError: if ``k`` < 2 or there are fewer scaffold groups than folds.
    """
    if k < 2:
        raise InputError(f"cross-validation needs at least 2 folds, not {k}")
    groups: dict[str, list[int]] = defaultdict(list)
    for r in np.asarray(rows, dtype=np.int64):
        groups[murcko_scaffold(smiles[r])].append(int(r))
    if len(groups) < k:
        raise InputError(f"{len(rows)} molecules have {len(groups)} distinct scaffolds: too few "
                         f"for {k} scaffold folds")
    cap = len(rows) / k / 2
    big = sorted((g for g in groups.values() if len(g) > cap), key=len, reverse=True)
    small = [g for g in groups.values() if len(g) <= cap]
    order = np.random.default_rng(seed).permutation(len(small))
    folds: list[list[int]] = [[] for _ in range(k)]
    for group in big + [small[i] for i in order]:
        min(folds, key=len).extend(group)
    return [np.array(sorted(f), dtype=np.int64) for f in folds]
