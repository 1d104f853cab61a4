"""Datasets and molecule files: cards of public benchmarks, fetching, reading, writing, splits.

Importing this package reads no file and imports neither DeepChem nor Typer; DeepChem is
imported only inside :func:`scaffold_split`.
"""

from molpred.data.cards import DatasetCard, get_card, list_cards
from molpred.data.datasets import load_dataset
from molpred.data.fetch import CACHE_DIR_ENV, DATA_DIR_ENV, fetch_dataset, local_copy
from molpred.data.formats import default_smiles_column
from molpred.data.readers import iter_table_chunks, read_table, read_text_table
from molpred.data.splits import random_split, read_split_file, scaffold_split, validate_split
from molpred.data.table import MoleculeTable
from molpred.data.writers import TableWriter, write_table

__all__ = [
    "CACHE_DIR_ENV", "DATA_DIR_ENV", "DatasetCard", "MoleculeTable", "TableWriter",
    "default_smiles_column", "fetch_dataset", "get_card", "iter_table_chunks", "list_cards", "load_dataset",
    "local_copy", "random_split", "read_split_file", "read_table", "read_text_table", "scaffold_split",
    "validate_split", "write_table",
]
