"""The pattern-fingerprint screen in front of the alert catalog finds exactly what RDKit's
plain catalog finds, on real molecules, while checking a fraction of the entries."""

from __future__ import annotations

import gzip
from pathlib import Path

import numpy as np
import pytest
from rdkit import Chem

from molpred.chem.alert_screen import ScreenedCatalog, entry_query, pattern_bits
from molpred.chem.alerts import _catalog


@pytest.fixture(scope="module")
def molecules(tox21, data_dir: Path) -> list[Chem.Mol]:
    smiles = tox21["smiles"].iloc[::10].tolist()  # ~780 Tox21 molecules: drugs, pesticides
    library = data_dir.parent / "benchmarks" / "library_1m.csv.gz"
    if library.exists():
        with gzip.open(library, "rt") as fh:
            next(fh)
            smiles += [next(fh).split(",")[1].strip() for _ in range(500)]
    mols = [Chem.MolFromSmiles(s) for s in smiles]
    return [m for m in mols if m is not None]


def test_every_entry_has_a_query_and_a_screen():
    screened = ScreenedCatalog.of(_catalog())
    assert len(screened.entries) == _catalog().GetNumEntries() >= 700
    assert all(entry_query(e) is not None for e in screened.entries)
    assert (screened.screens != 0).any(axis=1).all()


def test_the_screen_finds_what_the_plain_catalog_finds(molecules):
    screened = ScreenedCatalog.of(_catalog())
    checked = []
    for mol in molecules:
        plain = sorted(e.GetDescription() for e in _catalog().GetMatches(mol))
        assert sorted(e.GetDescription() for e in screened.matches(mol)) == plain, \
            Chem.MolToSmiles(mol)
        bits = pattern_bits(mol)
        checked.append(((screened.screens & bits) == screened.screens).all(axis=1).sum())
    hits = sum(bool(_catalog().GetMatches(m)) for m in molecules[:300])
    assert hits > 50  # the comparison covers molecules with alerts, not only clean ones
    assert np.mean(checked) < 0.5 * len(screened.entries)  # the screen skips most entries


def test_an_entry_without_a_screen_is_always_checked():
    screened = ScreenedCatalog.of(_catalog())
    quinone = Chem.MolFromSmiles("O=C1C=CC(=O)C=C1")
    found = {e.GetDescription() for e in screened.matches(quinone)}
    assert found
    screened.screens[:] = 0  # no screen at all: every entry checked, same answer
    assert {e.GetDescription() for e in screened.matches(quinone)} == found
