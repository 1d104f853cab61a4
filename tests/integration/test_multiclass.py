"""A three-class target end to end on real molecules: ESOL's solubility cut into thirds
(low / middle / high logS), trained, saved, loaded, predicted, scored, explained, through the
API, the CLI and the scikit-learn estimator."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import roc_auc_score

import molpred
from molpred.exceptions import InputError

ROWS = 450


@pytest.fixture(scope="module")
def three_classes(data_dir, tmp_path_factory):
    """``(csv path, frame)``: 450 ESOL molecules, ``solubility`` = 0/1/2 by logS tertile."""
    esol = pd.read_csv(data_dir / "delaney.csv").head(ROWS)
    logs = esol.iloc[:, 1].to_numpy()
    frame = pd.DataFrame({"smiles": esol.iloc[:, 0],
                          "solubility": np.digitize(logs, np.quantile(logs, [1 / 3, 2 / 3]))})
    path = tmp_path_factory.mktemp("multiclass") / "esol3.csv"
    frame.to_csv(path, index=False)
    return path, frame


@pytest.fixture(scope="module")
def trained(three_classes, tmp_path_factory):
    path, _ = three_classes
    out = tmp_path_factory.mktemp("multiclass") / "model"
    messages: list[str] = []
    result = molpred.train(path, model="dmpnn", epochs=6, ensemble_size=2, out=out,
                           workers=1, progress_message=messages.append)
    return result, out, messages


def test_a_few_whole_numbers_train_as_multiclass_and_it_is_said(trained):
    result, out, messages = trained
    config = json.loads((out / "config.json").read_text())["model"]
    assert config["task_type"] == "multiclass" and config["classes"] == ["0", "1", "2"]
    assert any("multiclass, inferred from the labels" in m and "classes 0 (" in m
               for m in messages)
    assert result.metrics["test"]["metric"] == "roc_auc"
    assert result.metrics["test"]["score"] > 0.7  # solubility classes are learnable
    assert set(result.metrics["test"]["classes"]) == {"0", "1", "2"}


def test_predictions_are_one_probability_per_class_the_class_and_its_set(trained, three_classes):
    _, out, _ = trained
    _, frame = three_classes
    smiles = frame["smiles"].head(40).tolist() + ["not a molecule"]
    table = molpred.load(out).predict(smiles, confidence=0.9, workers=1)
    probabilities = table[["solubility_p0", "solubility_p1", "solubility_p2"]].to_numpy()
    assert np.allclose(probabilities[:40].sum(axis=1), 1.0)
    assert (table["solubility"].iloc[:40].astype(int).to_numpy()
            == probabilities[:40].argmax(axis=1)).all()
    assert {"solubility_p0_std", "solubility_set", "in_domain"} <= set(table.columns)
    for text in table["solubility_set"].iloc[:40]:
        assert text == "empty" or set(text.split(",")) <= {"0", "1", "2"}
    assert table["error"].iloc[40] and table["solubility"].iloc[40] == ""
    assert np.isnan(probabilities[40]).all()


def test_evaluate_scores_one_vs_rest_like_scikit_learn(trained, three_classes, tmp_path):
    _, out, _ = trained
    path, frame = three_classes
    written = tmp_path / "pred.csv"
    score = molpred.evaluate(out, path, predictions_out=written, workers=1)
    pred = pd.read_csv(written)
    want = roc_auc_score(frame["solubility"], pred[["solubility_p0", "solubility_p1",
                                                    "solubility_p2"]], multi_class="ovr")
    assert score["score"] == pytest.approx(want)
    foreign = tmp_path / "foreign.csv"
    frame.head(5).assign(solubility=[0, 1, 2, 7, 1]).to_csv(foreign, index=False)
    with pytest.raises(InputError, match="row 4 holds 7, not one of the classes 0, 1, 2"):
        molpred.evaluate(out, foreign, workers=1)


def test_a_class_probability_is_explained_in_probability_units(trained):
    _, out, _ = trained
    explanation = molpred.load(out).explain("c1ccc2ccccc2c1", task="solubility_p0")
    assert explanation.task == "solubility_p0" and explanation.units == "probability"
    assert explanation.atom_weights.shape == (10,) and 0 < explanation.prediction < 1
    # Integrated Gradients' completeness: the atoms add up to the class probability's change
    assert explanation.delta < 0.05 * max(abs(explanation.prediction - explanation.baseline),
                                          0.01)


def test_trees_refuse_a_multiclass_target(three_classes):
    path, _ = three_classes
    with pytest.raises(InputError, match="multiclass target needs a network"):
        molpred.train(path, model="gbdt", workers=1)


def test_the_scikit_learn_classifier_takes_three_classes(three_classes):
    from molpred.sklearn import MolClassifier

    _, frame = three_classes
    est = MolClassifier(model="mlp", epochs=3, device="cpu").fit(frame["smiles"],
                                                                 frame["solubility"])
    assert est.task_type_ == "multiclass" and est.classes_.tolist() == [0, 1, 2]
    proba = est.predict_proba(frame["smiles"].head(20))
    assert proba.shape == (20, 3) and np.allclose(proba.sum(axis=1), 1.0)
    assert set(est.predict(frame["smiles"].head(20))) <= {0, 1, 2}
    assert 0.0 <= est.score(frame["smiles"], frame["solubility"]) <= 1.0


def test_the_default_command_trains_a_multiclass_file_and_says_how(three_classes, tmp_path):
    from typer.testing import CliRunner

    from molpred_cli.app import app

    path, frame = three_classes
    runner = CliRunner(env={"COLUMNS": "200"})
    out = tmp_path / "auto"
    result = runner.invoke(app, ["train", str(path), "--epochs", "2", "--workers", "1",
                                 "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert "multiclass target is trained with the dmpnn alone, an ensemble of 3" in result.output
    assert "--task regression to treat them as a number" in result.output
    assert json.loads((out / "config.json").read_text())["model"]["task_type"] == "multiclass"
    mols = tmp_path / "mols.csv"
    frame.head(5).to_csv(mols, index=False)  # labelled input: the class column gets _pred
    written = tmp_path / "pred.csv"
    result = runner.invoke(app, ["predict", "-m", str(out), "-i", str(mols), "-o", str(written)])
    assert result.exit_code == 0, result.output
    table = pd.read_csv(written)
    assert table.columns[:3].tolist() == ["smiles", "solubility", "solubility_p0"]
    assert {"solubility_pred", "solubility_set", "solubility_p2_std"} <= set(table.columns)


def test_recalibrate_and_tune_say_what_they_cannot_do(trained, three_classes, tmp_path):
    from molpred.training.tune import tune
    from molpred.trust.recalibrate import recalibrate

    _, out, _ = trained
    path, _ = three_classes
    with pytest.raises(InputError, match="multiclass model; recalibration takes binary"):
        recalibrate(out, path, tmp_path / "new")
    with pytest.raises(InputError, match="tune a multiclass target with --model dmpnn"):
        tune(path, model="gbdt", trials=1, workers=1)


def test_the_web_page_shows_a_single_multiclass_model_class_by_class(three_classes, tmp_path):
    pytest.importorskip("fastapi")
    from fastapi.testclient import TestClient

    from molpred.web import create_app

    path, _ = three_classes
    single = molpred.train(path, model="mlp", epochs=2, workers=1, out=tmp_path / "mc")
    client = TestClient(create_app([str(single.model_dir)]))
    page = client.post("/predict", data={"smiles": "CCO\nc1ccc2ccccc2c1"}).text
    for label in ("0", "1", "2"):
        assert f"solubility_p{label}" in page
    assert page.count("in the set") + page.count("ruled out") == 6  # 2 molecules x 3 classes


def test_class_names_stay_distinct_for_large_and_fractional_labels():
    from molpred.models.task_types import class_name

    names = [class_name(v) for v in (1_000_000.0, 1_000_001.0, 1_234_567.0, 0.5, 2.0)]
    assert names == ["1000000", "1000001", "1234567", "0.5", "2"]
