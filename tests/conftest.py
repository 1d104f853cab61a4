"""Test-wide settings: real data comes from MOLPRED_DATA_DIR (default ../shared/datasets)."""

from __future__ import annotations

import os
from pathlib import Path

import pandas as pd
import pytest
from tests_support import DATA_DIR, MESSY, SHARED_BENCHMARKS  # sets MOLPRED_DATA_DIR's default

os.environ.setdefault("MOLPRED_NUM_WORKERS", "2")


@pytest.fixture(scope="session")
def data_dir() -> Path:
    if not (DATA_DIR / "tox21.csv").exists():
        pytest.skip(f"no MoleculeNet copy in {DATA_DIR}; set MOLPRED_DATA_DIR")
    return DATA_DIR


@pytest.fixture(scope="session")
def tox21(data_dir: Path) -> pd.DataFrame:
    """The real Tox21 table (7,831 rows, SMILES + 12 assays)."""
    return pd.read_csv(data_dir / "tox21.csv")


@pytest.fixture(scope="session")
def splits_dir() -> Path:
    path = SHARED_BENCHMARKS / "splits"
    if not (path / "tox21.json").is_file():
        pytest.skip("no shared split files")
    return path


@pytest.fixture(scope="session")
def tox21_head(tmp_path_factory, tox21):
    """``tox21_head(n)``: a CSV of the first ``n`` real Tox21 rows (written once per ``n``)."""
    paths: dict[int, Path] = {}

    def make(rows: int) -> Path:
        if rows not in paths:
            paths[rows] = tmp_path_factory.mktemp("data") / f"tox21_head{rows}.csv"
            tox21.head(rows).to_csv(paths[rows], index=False)
        return paths[rows]

    return make


@pytest.fixture(scope="session")
def library_with_messy_rows(tmp_path_factory, tox21):
    """``library_with_messy_rows(rows, at)``: a CSV of ``rows`` rows (``id``, ``smiles``):
    real Tox21 molecules ``tox0, tox1, ...`` with the rows of ``tests/data/messy.csv``
    inserted at row ``at`` (written once per ``(rows, at)``)."""
    paths: dict[tuple[int, int], Path] = {}

    def make(rows: int, at: int) -> Path:
        if (rows, at) not in paths:
            messy = pd.read_csv(MESSY, keep_default_na=False)
            good = pd.DataFrame({"id": [f"tox{i}" for i in range(rows - len(messy))],
                                 "smiles": tox21["smiles"].iloc[: rows - len(messy)].tolist()})
            frame = pd.concat([good.iloc[:at], messy, good.iloc[at:]], ignore_index=True)
            paths[rows, at] = tmp_path_factory.mktemp("library") / "library.csv"
            frame.to_csv(paths[rows, at], index=False)
        return paths[rows, at]

    return make
