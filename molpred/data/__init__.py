"""Datasets and molecule files: cards of public benchmarks, fetching, reading, writing, splits.

Importing this package reads no file and imports neither DeepChem nor Typer; DeepChem is
imported only inside :func:`scaffold_split`.
"""

from molpred.data.cards import DatasetCard, get_card, list_cards
from molpred.data.fetch import CACHE_DIR_ENV, DATA_DIR_ENV, fetch_dataset, local_copy
from molpred.data.io import TableWriter, iter_table_chunks, load_dataset, read_table, write_table
from molpred.data.splits import random_split, read_split_file, scaffold_split, validate_split
from molpred.data.table import MoleculeTable

__all__ = [
    "CACHE_DIR_ENV", "DATA_DIR_ENV", "DatasetCard", "MoleculeTable", "TableWriter",
    "fetch_dataset", "get_card", "iter_table_chunks", "list_cards", "load_dataset",
    "local_copy", "random_split", "read_split_file", "read_table", "scaffold_split",
    "validate_split", "write_table",
]
