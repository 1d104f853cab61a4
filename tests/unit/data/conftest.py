"""Fixtures for molpred.data tests: the shared MoleculeNet folder and a few real molecules."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

# Marketed drugs and simple solvents (PubChem structures), plus two SMILES RDKit rejects.
DRUGS = {
    "aspirin": "CC(=O)Oc1ccccc1C(=O)O",
    "caffeine": "Cn1cnc2c1c(=O)n(C)c(=O)n2C",
    "paracetamol": "CC(=O)Nc1ccc(O)cc1",
    "ibuprofen": "CC(C)Cc1ccc(cc1)[C@@H](C)C(=O)O",
    "ethanol": "CCO",
    "benzene": "c1ccccc1",
}


@pytest.fixture
def data_dir() -> Path:
    """The folder of shared MoleculeNet CSVs named by MOLPRED_DATA_DIR; skip when unset."""
    value = os.environ.get("MOLPRED_DATA_DIR")
    if not value or not Path(value).is_dir():
        pytest.skip("MOLPRED_DATA_DIR is not set to the shared datasets folder")
    return Path(value)


@pytest.fixture
def splits_dir(data_dir: Path) -> Path:
    """benchmarks/splits beside the shared datasets folder; skip when absent."""
    folder = data_dir.parent / "benchmarks" / "splits"
    if not (folder / "tox21.json").is_file():
        pytest.skip(f"no shared benchmark splits in {folder}")
    return folder


@pytest.fixture
def drugs() -> dict[str, str]:
    return dict(DRUGS)


@pytest.fixture
def bad_smiles() -> dict[str, str]:
    """SMILES that RDKit rejects, by reason."""
    return {"unclosed_ring": "C1CC", "pentavalent_carbon": "CC(C)(C)(C)(C)C"}
