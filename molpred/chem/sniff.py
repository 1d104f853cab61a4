"""Catch a SMILES column guessed wrongly: when no column is named like SMILES, molpred takes
the first one, and a file whose structures sit in a column called ``Structure`` behind an
``ID`` column would otherwise be predicted row by row as "cannot parse" and exit 0."""

from __future__ import annotations

import pandas as pd
from rdkit import Chem

from molpred.chem.logs import quiet_rdkit
from molpred.data.formats import SMILES_COLUMN_NAMES
from molpred.exceptions import InputError

SAMPLE = 50
"""Non-empty cells of a column looked at."""


def _cells(values: pd.Series) -> list[str]:
    """The first :data:`SAMPLE` non-empty cells as text (a column pandas read as numbers
    too: ``1000``, an identifier, is no SMILES)."""
    cells = [str(v).strip() for v in values.head(SAMPLE * 4).tolist()
             if v is not None and not (isinstance(v, float) and v != v)]
    return [c for c in cells if c][:SAMPLE]


def _parsed_share(values: pd.Series, min_atoms: int = 1) -> float:
    """Share of the first non-empty cells that RDKit reads as molecules of at least
    ``min_atoms`` atoms."""
    cells = _cells(values)
    if not cells:
        return 0.0
    with quiet_rdkit():
        mols = [Chem.MolFromSmiles(c, sanitize=False) for c in cells]
    return sum(m is not None and m.GetNumAtoms() >= min_atoms for m in mols) / len(cells)


def check_guessed_smiles_column(frame: pd.DataFrame, column: str, source: object = "input"
                                ) -> None:
    """Refuse a SMILES column chosen by default (not named like SMILES) whose first cells hold
    no SMILES at all, naming the columns that do look like SMILES.

    Args:
        frame: The first rows of the input (e.g. the first chunk of a screen).
        column: The column molpred would read SMILES from.
        source: What to name in the message (the file).

    Raises:
        InputError: when none of the first non-empty cells of ``column`` parses as SMILES
            (and the column has any), with a ``--smiles-col`` suggestion.
    """
    if str(column).lower() in SMILES_COLUMN_NAMES or column not in frame.columns:
        return
    values = frame[column]
    if not _cells(values):
        return  # nothing to judge by (an all-empty column gives row errors)
    if _parsed_share(values) > 0:
        return
    # the column most of whose cells are molecules of two atoms or more: a column of
    # single letters ("C", "B": series or grades) parses too, as methane and boron
    shares = {str(c): _parsed_share(frame[c], min_atoms=2) for c in frame.columns
              if c != column}
    likely = max(shares, key=shares.get, default=None)
    hint = (f"column {likely!r} looks like SMILES: pass --smiles-col {likely}"
            if likely is not None and shares[likely] >= 0.5
            else "name the SMILES column with --smiles-col")
    raise InputError(f"{source}: no column is named smiles, so column {str(column)!r} was taken "
                     f"for SMILES, but none of its first values is one; {hint}")
