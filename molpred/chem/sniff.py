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


def _parsed_share(values: pd.Series) -> float:
    cells = [v for v in values.head(SAMPLE * 4).tolist() if isinstance(v, str) and v.strip()]
    cells = cells[:SAMPLE]
    if not cells:
        return 0.0
    with quiet_rdkit():
        return sum(Chem.MolFromSmiles(c.strip(), sanitize=False) is not None
                   for c in cells) / len(cells)


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
    if not any(isinstance(v, str) and v.strip() for v in values.head(SAMPLE * 4).tolist()):
        return  # nothing to judge by (an all-empty column gives row errors)
    if _parsed_share(values) > 0:
        return
    likely = [str(c) for c in frame.columns if c != column and _parsed_share(frame[c]) >= 0.5]
    hint = (f"column {likely[0]!r} looks like SMILES: pass --smiles-col {likely[0]}" if likely
            else "name the SMILES column with --smiles-col")
    raise InputError(f"{source}: no column is named smiles, so column {str(column)!r} was taken "
                     f"for SMILES, but none of its first values is one; {hint}")
