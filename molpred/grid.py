"""A grid picture of molecules with their predictions, for notebooks (RDKit's grid images)."""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd


def show_grid(table: pd.DataFrame, columns: Sequence[str] | str, smiles_col: str = "smiles",
              per_row: int = 4, size: int = 250, max_mols: int = 24, digits: int = 2):
    """Draw the first molecules of a prediction table with chosen columns as legends.

    Args:
        table: A prediction table (e.g. ``molpred.load("tox21").predict(smiles)``); sort or
            filter it first to show the molecules you care about.
        columns: Column(s) to print under each molecule, e.g. ``"SR-MMP"`` or
            ``["tox21.SR-MMP", "esol.logS"]``.
        smiles_col: The SMILES column.
        per_row, size, max_mols: Molecules per row, pixels per molecule, molecules drawn.
        digits: Decimals of numeric values.

    Returns:
        The picture (a PIL image, or an SVG/PNG object Jupyter displays inline).

    Raises:
        KeyError: if a column is not in ``table``.
    """
    from rdkit import Chem
    from rdkit.Chem import Draw

    columns = [columns] if isinstance(columns, str) else list(columns)
    missing = [c for c in [smiles_col, *columns] if c not in table.columns]
    if missing:
        raise KeyError(f"no column {missing[0]!r}; columns are {list(table.columns)}")
    rows = table.head(max_mols)
    mols, legends = [], []
    for _, row in rows.iterrows():
        mol = Chem.MolFromSmiles(row[smiles_col]) if isinstance(row[smiles_col], str) else None
        mols.append(mol if mol is not None else Chem.Mol())
        parts = []
        for c in columns:
            value = row[c]
            parts.append(f"{c.split('.', 1)[-1]}: {value:.{digits}f}" if isinstance(value, float)
                         else f"{c.split('.', 1)[-1]}: {value}")
        legends.append("  ".join(parts))
    return Draw.MolsToGridImage(mols, molsPerRow=per_row, subImgSize=(size, size),
                                legends=legends)
