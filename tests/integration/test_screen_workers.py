"""CPU screens predict inside the pool's workers (molpred.screening.workers): the output must
be the same table that in-process prediction gives, row for row, for a single model and an
ensemble, with drug-likeness columns, and with the messy rows keeping their errors."""

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import molpred
from molpred.chem.druglike import DRUGLIKE_COLUMNS
from molpred.pipeline.run import RunOptions
from molpred.screening.workers import predict_rows

ROWS = 2600  # over PARALLEL_THRESHOLD (2,000), so the screen uses a pool


@pytest.fixture(scope="module")
def library(library_with_messy_rows) -> Path:
    """2,600 rows: real Tox21 molecules with the messy rows (garbage, empty, valence errors)
    at row 700, so they fall inside a worker's slice."""
    return library_with_messy_rows(ROWS, 700)


@pytest.fixture(scope="module", params=[1, 2], ids=["dmpnn", "dmpnn-ensemble2"])
def model(request, tmp_path_factory, tox21) -> Path:
    folder = tmp_path_factory.mktemp("model")
    tox21.head(300).to_csv(folder / "train.csv", index=False)
    molpred.train(folder / "train.csv", targets=["NR-AR", "SR-MMP"], model="dmpnn",
                  hidden_size=32, epochs=1, split="random", seed=0, out=folder / "m",
                  ensemble_size=request.param, workers=1)
    return folder / "m"


def test_pool_workers_predict_what_the_main_process_predicts(model, library, tmp_path):
    out = tmp_path / "hits.csv"
    report = molpred.screen(model, library, out, chunk_size=2000, workers=2, druglike=True,
                            device="cpu")
    assert report.rows == ROWS
    got = pd.read_csv(out, keep_default_na=False, dtype={"id": str})
    frame = pd.read_csv(library, keep_default_na=False, dtype=str)
    expected = molpred.load(model).predict(frame, workers=1, device="cpu", confidence=0.9)
    assert got["id"].tolist() == frame["id"].tolist()
    assert got["smiles"].tolist() == frame["smiles"].tolist()
    assert got["error"].tolist() == expected["error"].tolist()
    assert (got["error"] != "").sum() == report.errors >= 4  # the messy file's bad rows
    members = molpred.load(model).ensemble_size
    value_columns = (["NR-AR", "SR-MMP", "max_similarity", "embedding_distance"]
                     + (["NR-AR_std", "SR-MMP_std"] if members > 1 else []))
    assert list(got.columns) == list(expected.columns) + list(DRUGLIKE_COLUMNS)
    for c in ("NR-AR_set", "SR-MMP_set", "in_domain", "alerts"):  # the same trust columns
        assert got[c].astype(str).tolist() == expected[c].astype(str).tolist(), c
    for c in value_columns:
        a = pd.to_numeric(got[c], errors="coerce").to_numpy()
        b = expected[c].to_numpy(dtype=float)
        assert np.array_equal(np.isnan(a), np.isnan(b)), c
        np.testing.assert_allclose(a[~np.isnan(a)], b[~np.isnan(b)], rtol=1e-5, atol=1e-6)
    assert pd.to_numeric(got["qed"], errors="coerce").notna().sum() == ROWS - report.errors


def test_predict_rows_refuses_outside_a_worker():
    with pytest.raises(RuntimeError, match="predicting_pool"):
        predict_rows(["CCO"], RunOptions())
