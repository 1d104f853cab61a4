"""One pipeline: ``predict``, ``screen`` and the panel parse each SMILES once and write the
same trust columns (issue 21)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from rdkit import Chem

import molpred
from molpred.chem.druglike import DRUGLIKE_COLUMNS
from molpred.panel.predict import predict_panel
from molpred.screening.engine import screen

BAD = ["C1CC(", "", "not a molecule"]
"""Rows RDKit rejects at the syntax level (one parse attempt each)."""


@pytest.fixture(scope="module")
def smiles(tox21) -> list[str]:
    return tox21["smiles"].iloc[:60].tolist() + BAD


@pytest.fixture()
def parses(monkeypatch) -> list[str]:
    """Every text RDKit is asked to parse, in order."""
    seen: list[str] = []
    original = Chem.MolFromSmiles

    def counting(text, *args, **kwargs):
        seen.append(text)
        return original(text, *args, **kwargs)

    monkeypatch.setattr(Chem, "MolFromSmiles", counting)
    return seen


def _once_each(seen: list[str], smiles: list[str]) -> None:
    """Each non-empty SMILES parsed exactly once, nothing else parsed (an empty cell is
    refused before RDKit)."""
    given = [s.strip() for s in smiles if s.strip()]
    assert sorted(seen) == sorted(given), "a SMILES parsed more or less than once"


def test_predict_parses_each_smiles_once_for_all_its_columns(smiles, parses):
    table = molpred.load("tox21").predict(smiles, confidence=0.9, workers=1)
    _once_each(parses, smiles)
    assert {"NR-AR_set", "max_similarity", "in_domain", "alerts"} <= set(table.columns)
    assert table["error"].iloc[-3:].ne("").all() and table["error"].iloc[:-3].eq("").all()


def test_the_panel_parses_each_smiles_once_across_models_that_standardize_and_not(
        smiles, parses):
    # ClinTox's shipped model reads molecules as given, BBBP's standardizes them
    table = predict_panel(smiles, models=["clintox", "bbbp"], workers=1)
    _once_each(parses, smiles)
    assert table["clintox.CT_TOX"].iloc[:60].notna().all()
    assert table["bbbp.BBB_penetration"].iloc[:60].notna().all()


def test_screen_parses_each_smiles_once_with_trust_and_druglike_columns(
        smiles, parses, tmp_path):
    source = tmp_path / "lib.csv"
    pd.DataFrame({"smiles": smiles}).to_csv(source, index=False)
    screen("tox21", source, tmp_path / "out.csv", workers=1, druglike=True)
    _once_each(parses, smiles)


def test_screen_writes_what_predict_writes(smiles, tmp_path):
    """Same columns in the same order, same values: one pipeline, two front ends."""
    source = tmp_path / "lib.csv"
    pd.DataFrame({"id": [f"m{i}" for i in range(len(smiles))], "smiles": smiles}).to_csv(
        source, index=False)
    out = tmp_path / "out.parquet"
    screen("tox21", source, out, workers=1, chunk_size=25)
    screened = pd.read_parquet(out)
    frame = pd.read_csv(source, keep_default_na=False)
    predicted = molpred.load("tox21").predict(frame, confidence=0.9, workers=1)
    assert list(screened.columns) == list(predicted.columns)
    for column in predicted.columns:
        if predicted[column].dtype.kind == "f":
            # float32 forward passes, batches of 32 (screen) and 256 (predict)
            np.testing.assert_allclose(screened[column], predicted[column], rtol=1e-5,
                                       atol=1e-7)
        else:
            assert screened[column].astype(str).tolist() == predicted[column].astype(str).tolist()
    # the screen's trust columns carry information, not blanks
    assert screened["in_domain"].iloc[:60].any()
    assert screened["NR-AR_set"].iloc[:60].isin(["0", "1", "0,1", "empty"]).all()


def test_screen_minimal_columns_are_predictions_only(tmp_path, tox21):
    source = tmp_path / "lib.csv"
    tox21[["smiles"]].iloc[:30].to_csv(source, index=False)
    out = tmp_path / "out.csv"
    screen("esol", source, out, workers=1, columns="minimal", druglike=True)
    table = pd.read_csv(out)
    predictor = molpred.load("esol")
    names = [n for pair in predictor.prediction_columns(["smiles"]) for n in pair if n]
    assert list(table.columns) == ["smiles", *names, "error", *DRUGLIKE_COLUMNS]


def test_screen_intervals_and_domain_of_a_regression_model_match_predict(tmp_path, tox21):
    source = tmp_path / "lib.csv"
    tox21[["smiles"]].iloc[:40].to_csv(source, index=False)
    out = tmp_path / "out.csv"
    screen("esol", source, out, workers=1, confidence=0.8)
    table = pd.read_csv(out, keep_default_na=False, na_values=[""])
    expected = molpred.load("esol").predict(tox21["smiles"].iloc[:40].tolist(), confidence=0.8,
                                            workers=1)
    task = molpred.load("esol").tasks[0]
    for column in (task + "_lower", task + "_upper", "max_similarity", "embedding_distance"):
        np.testing.assert_allclose(table[column], expected[column], rtol=1e-5, atol=1e-7)
    assert (table[task + "_lower"] < table[task]).all() and (table[task] < table[task + "_upper"]).all()


def test_a_filter_on_a_trust_column_works_in_a_screen(tmp_path, tox21):
    source = tmp_path / "lib.csv"
    tox21[["smiles"]].iloc[:50].to_csv(source, index=False)
    out = tmp_path / "out.csv"
    report = screen("tox21", source, out, workers=1, filter="in_domain and max_similarity > 0.5")
    kept = pd.read_csv(out)
    assert report.written == len(kept) < 50
    assert kept["in_domain"].all() and (kept["max_similarity"] > 0.5).all()


def test_screen_without_a_model_runs_the_panel_as_predict_does(tmp_path, tox21, monkeypatch):
    """``molpred screen -i lib -o out`` with no model: the panel table of ``predict``."""
    monkeypatch.setenv("MOLPRED_PANEL_DIR", str(tmp_path / "no-user-models"))
    smiles = tox21["smiles"].iloc[:20].tolist() + BAD
    source = tmp_path / "lib.csv"
    pd.DataFrame({"smiles": smiles}).to_csv(source, index=False)
    out = tmp_path / "panel.parquet"
    report = screen(None, source, out, workers=1, chunk_size=10, filter="`clintox.CT_TOX` < 0.9")
    screened = pd.read_parquet(out)
    expected = predict_panel(smiles, workers=1)
    kept = expected[expected["clintox.CT_TOX"] < 0.9].reset_index(drop=True)
    assert report.rows == len(smiles) and report.written == len(kept) == len(screened)
    assert list(screened.columns) == list(expected.columns)
    assert {"tox21.NR-AR", "tox21.NR-AR_set", "esol.logS_lower", "bbbp.in_domain",
            "alerts"} <= set(screened.columns)
    for column in ("tox21.NR-AR", "esol.logS", "esol.logS_upper", "hiv.max_similarity"):
        # float32 sums over other batch groupings (chunks of 10 against one batch): ~1e-6
        np.testing.assert_allclose(screened[column], kept[column], rtol=1e-5, atol=1e-5)
    assert screened["alerts"].tolist() == kept["alerts"].tolist()


def test_screen_trust_columns_are_full_without_alerts(tmp_path, tox21):
    source = tmp_path / "lib.csv"
    tox21[["smiles"]].iloc[:30].to_csv(source, index=False)
    full, trust = tmp_path / "full.csv", tmp_path / "trust.csv"
    screen("bbbp", source, full, workers=1)
    screen("bbbp", source, trust, workers=1, columns="trust")
    a, b = pd.read_csv(full), pd.read_csv(trust)
    assert "alerts" in a.columns and "alerts" not in b.columns
    assert list(b.columns) == [c for c in a.columns if c != "alerts"]
    np.testing.assert_allclose(a["max_similarity"], b["max_similarity"])
