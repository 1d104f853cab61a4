"""Fixtures for molpred.data tests: the shared MoleculeNet folder and a few real molecules."""

from __future__ import annotations

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
def drugs() -> dict[str, str]:
    return dict(DRUGS)


@pytest.fixture
def bad_smiles() -> dict[str, str]:
    """SMILES that RDKit rejects, by reason."""
    return {"unclosed_ring": "C1CC", "pentavalent_carbon": "CC(C)(C)(C)(C)C"}
