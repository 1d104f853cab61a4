"""Load a molecule table by public dataset name or by file path (:func:`load_dataset`).

A name is resolved through the dataset cards (:mod:`molpred.data.cards`): a local copy in
``$MOLPRED_DATA_DIR`` if there is one, else the card's canonical file from the download cache
or its URL (:func:`molpred.data.fetch_dataset`); any other source must be a file that
:func:`molpred.data.read_table` can read.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from molpred.data.cards import DatasetCard, get_card, list_cards
from molpred.data.fetch import DATA_DIR_ENV, fetch_dataset, local_copy
from molpred.data.readers import read_delimited, read_table
from molpred.data.table import MoleculeTable
from molpred.exceptions import DatasetError, UnknownNameError


def load_dataset(
    source: str | Path, smiles_col: str | None = None, targets: Sequence[str] | None = None
) -> tuple[MoleculeTable, DatasetCard | None]:
    """Load a public dataset by name, or a molecule file by path.

    Args:
        source: A dataset name (case-insensitive, see :func:`molpred.data.list_cards`) or a
            path. A ``Path`` is always a file; a string is a dataset name if a card has it.
        smiles_col: SMILES column; default: the first column of a local copy, the card's
            ``smiles_column`` for a downloaded canonical file, and for a file a column named
            ``smiles``, ``canonical_smiles`` or ``isomeric_smiles`` (any case), else its first.
        targets: Task columns; default: for a local copy (``$MOLPRED_DATA_DIR/NAME.csv[.gz]``)
            every column after the first, named as in that file; for a downloaded file the
            card's ``tasks``; for a path none (give them explicitly).

    Returns:
        ``(table, card)``; ``card`` is ``None`` when ``source`` is a file.

    Raises:
        DatasetError: ``source`` is neither a known dataset nor an existing file (lists the
            known datasets), or the dataset cannot be found or downloaded.
        InputError: as :func:`read_table`.
    """
    if not isinstance(source, Path):
        try:
            card = get_card(str(source))
        except UnknownNameError:
            card = None
        if card is not None:
            local = local_copy(card.name)
            if local is not None:
                header = [str(c) for c in read_delimited(local, ",", nrows=0).columns]
                smiles_col = smiles_col or header[0]
                tasks = [c for c in header if c != smiles_col]
                table = read_table(local, smiles_col, targets if targets is not None else tasks)
            else:
                table = read_table(fetch_dataset(card.name), smiles_col or card.smiles_column,
                                   targets if targets is not None else list(card.tasks))
            return table, card
    path = Path(source)
    if not path.is_file():
        known = ", ".join(c.name for c in list_cards())
        raise DatasetError(
            f"no dataset or file named {str(source)!r}; known datasets: {known} "
            f"(set {DATA_DIR_ENV} to use local copies)"
        )
    return read_table(path, smiles_col, targets or []), None


__all__ = ["load_dataset"]
