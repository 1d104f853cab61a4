"""The shipped panel: names resolve, predictions line up, and the figures a model card
reports are what the shipped weights give."""

import json

import numpy as np
import pytest

import molpred
from molpred.exceptions import ModelFileError
from molpred.panel import MODELS_DIR, PANEL, resolve_model, shipped_models
from molpred.panel.predict import predict_panel


def test_the_panel_ships_models_with_cards_within_the_size_budget():
    names = shipped_models()
    assert {"tox21", "clintox"} <= set(names)
    total = sum(f.stat().st_size for f in MODELS_DIR.rglob("*") if f.is_file())
    # 45 MB: HIV's auto model alone is 21 MB (a random forest of 3 x 500 trees of up to
    # 2,048 leaves, 15 MB compressed), the five others 3-5 MB each
    assert total < 45e6
    for name in names:
        card = (MODELS_DIR / name / "card.md").read_text()
        assert PANEL[name].dataset in card and "## Limits" in card
        assert json.loads((MODELS_DIR / name / "config.json").read_text())["ensemble_size"] >= 2


def test_names_resolve_and_an_existing_folder_wins(tmp_path, monkeypatch):
    assert resolve_model("tox21") == MODELS_DIR / "tox21"
    assert resolve_model("TOX21") == MODELS_DIR / "tox21"
    monkeypatch.chdir(tmp_path)
    (tmp_path / "tox21").mkdir()  # empty (a failed run's leftover): the shipped model
    assert resolve_model("tox21") == MODELS_DIR / "tox21"
    (tmp_path / "tox21" / "config.json").write_text("{}")  # a model folder: it wins
    assert resolve_model("tox21").resolve() == tmp_path / "tox21"
    with pytest.raises(ModelFileError, match="shipped: "):
        resolve_model("nope")


def test_panel_table_has_one_row_per_input_and_prefixed_columns():
    smiles = ["CC(=O)Oc1ccccc1C(=O)O", "C1CC", "Cn1cnc2c1c(=O)n(C)c(=O)n2C"]
    table = predict_panel(smiles, ["clintox", "tox21"], confidence=0.9, workers=1)
    assert table["smiles"].tolist() == smiles
    assert table.loc[1, "error"] and not table.loc[0, "error"]
    assert np.isnan(table.loc[1, "tox21.NR-AR"]) and table.loc[1, "clintox.CT_TOX_set"] == ""
    assert len([c for c in table.columns if c.startswith("tox21.") and c.endswith("_set")]) == 12
    assert table.columns[-2:].tolist() == ["alerts", "error"]


def test_shipped_clintox_reproduces_its_reported_test_score(splits_dir):
    from molpred.training.metrics import score_predictions

    metrics = json.loads((MODELS_DIR / "clintox" / "metrics.json").read_text())
    split = json.loads((splits_dir / "clintox.json").read_text())["splits"]["seed0"]
    predictor = molpred.load("clintox")
    from molpred.data import load_dataset

    table, _ = load_dataset("clintox")
    rows = np.asarray(split["test"])
    smiles = table.frame[table.smiles_col].to_numpy()[rows].tolist()
    pred = predictor.predict(smiles, domain=False, alerts=False, workers=1)
    y = table.frame[table.targets].to_numpy(dtype=float)[rows]
    score = score_predictions(y, pred[predictor.tasks].to_numpy(), predictor.tasks,
                              "classification")
    assert score["score"] == pytest.approx(metrics["test"]["score"], abs=1e-6)


def test_two_models_with_one_column_prefix_are_refused(tmp_path):
    from molpred.exceptions import InputError

    with pytest.raises(InputError, match="share the column prefix 'clintox'"):
        predict_panel(["CCO"], ["clintox", "CLINTOX"])
    with pytest.raises(InputError, match="between 0 and 1"):
        predict_panel(["CCO"], ["clintox"], confidence=1.5)


def test_failed_rows_have_no_similarity_domain_or_alerts():
    table = predict_panel(["O=C1C=CC(=O)C=C1 X", "O=C1C=CC(=O)C=C1"], ["clintox"], workers=1)
    assert "contains whitespace" in table.loc[0, "error"]
    assert np.isnan(table.loc[0, "clintox.max_similarity"])
    assert not table.loc[0, "clintox.in_domain"] and table.loc[0, "alerts"] == ""
    assert "PAINS" in table.loc[1, "alerts"]


def test_the_shipped_models_expected_error_reproduces_their_reported_domain(splits_dir):
    """ClinTox's card reports the test molecules' error inside and outside the domain the
    error model draws; the shipped files give the same split and the same errors, and the
    flagged molecules are wrong more often than the kept ones."""
    from molpred.data import load_dataset

    report = json.loads((MODELS_DIR / "clintox" / "metrics.json").read_text())["trust"]
    assert report["domain_rule"] == "error_model"
    split = json.loads((splits_dir / "clintox.json").read_text())["splits"]["seed0"]
    table, _ = load_dataset("clintox")
    rows = np.asarray(split["test"])
    smiles = table.frame[table.smiles_col].to_numpy()[rows].tolist()
    predictor = molpred.load("clintox")
    pred = predictor.predict(smiles, alerts=False, workers=1)
    assert np.isfinite(pred["expected_error"]).all() and (pred["expected_error"] > 0).all()
    assert (~pred["in_domain"]).mean() == pytest.approx(1 - report["in_domain_share"], abs=1e-9)
    y = table.frame[table.targets].to_numpy(dtype=float)[rows]
    brier = (pred[predictor.tasks].to_numpy() - y) ** 2
    inside = pred["in_domain"].to_numpy()
    assert np.nanmean(brier[inside]) == pytest.approx(report["error_in"], rel=1e-6)
    assert np.nanmean(brier[~inside]) > 1.5 * np.nanmean(brier[inside])


def test_the_panel_computes_each_molecules_descriptors_once(tox21, monkeypatch):
    """Tox21's D-MPNN reads RDKit 2D descriptors and BBBP's ``auto`` trees read them too, on
    the same standardized molecules: one computation per molecule, the same predictions."""
    from rdkit import Chem

    from molpred.featurizers import featurize
    from molpred.pipeline.prepare import prepare

    smiles = tox21["smiles"].iloc[:25].tolist()
    molecules = {Chem.MolToSmiles(m) for m in prepare(smiles, True).mols if m is not None}
    calls = []
    real = featurize.rdkit2d
    monkeypatch.setattr(featurize, "rdkit2d", lambda mol: calls.append(1) or real(mol))
    shared = predict_panel(smiles, ["tox21", "bbbp"], workers=1)
    assert len(calls) == len(molecules) > 20
    calls.clear()
    alone = [predict_panel(smiles, [name], workers=1) for name in ("tox21", "bbbp")]
    assert len(calls) == 2 * len([m for m in prepare(smiles, True).mols if m is not None])
    for table in alone:
        for column in table.columns:
            if table[column].dtype.kind == "f":
                np.testing.assert_array_equal(shared[column], table[column])


def test_the_panels_process_pool_gives_the_rows_and_values_of_one_process(tox21):
    """Rows times models over PARALLEL_THRESHOLD go to a pool (here 400 Tox21 rows, a few
    unparsable among them, times 5 models): the same rows in the same order, the same text
    columns, numbers within float32 noise of other batch groupings."""
    from molpred.names import PARALLEL_THRESHOLD
    from molpred.panel.runner import pool_slice_rows

    smiles = [*tox21["smiles"].iloc[:398], "not a smiles", "C1CC"]
    models = ["clintox", "esol", "bbbp", "lipo", "tox21"]
    assert len(smiles) * len(models) >= PARALLEL_THRESHOLD > len(smiles)
    assert pool_slice_rows(len(smiles), 2) == 50
    pooled = predict_panel(smiles, models, workers=2)
    alone = predict_panel(smiles, models, workers=1)
    assert list(pooled.columns) == list(alone.columns) and len(pooled) == 400
    assert pooled["error"].iloc[-2:].str.len().gt(0).all()
    for column in pooled.columns:
        if pooled[column].dtype.kind == "f":
            np.testing.assert_allclose(pooled[column], alone[column], atol=1e-5, rtol=0)
        else:
            assert pooled[column].tolist() == alone[column].tolist(), column
