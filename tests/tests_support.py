"""Paths shared by tests (importable because pytest puts tests/ on sys.path).

The shared data folder is ``$MOLPRED_DATA_DIR``; importing this module sets its default,
``../shared/datasets`` beside the repository (the root conftest imports it first).
"""

import os
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
DEFAULT_DATA_DIR = REPO.parent / "shared" / "datasets"
os.environ.setdefault("MOLPRED_DATA_DIR", str(DEFAULT_DATA_DIR))
# A relative MOLPRED_DATA_DIR (README's "../shared/datasets") means relative to where pytest
# started; notebooks run from notebooks/, so it is made absolute once, here, for them too.
os.environ["MOLPRED_DATA_DIR"] = str(Path(os.environ["MOLPRED_DATA_DIR"]).resolve())
DATA_DIR = Path(os.environ["MOLPRED_DATA_DIR"])
SHARED_BENCHMARKS = DATA_DIR.resolve().parent / "benchmarks"
MESSY = REPO / "tests" / "data" / "messy.csv"
"""Valid SMILES, garbage, an empty cell, valence errors, salts, metals and a peptide."""
