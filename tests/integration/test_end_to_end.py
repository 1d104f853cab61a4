"""Train on real Tox21 rows, save, reload, predict and screen a messy file: nothing is lost."""

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import torch
from tests_support import MESSY

import molpred
from molpred.exceptions import InputError
from molpred.featurizers.featurize import featurize_smiles
from molpred.inference import predict_data
from molpred.models import ModelConfig
from molpred.models.encoders import ENCODERS
from molpred.training.fit import FitSettings, fit_model
from molpred.training.prepare import prepare_dataset


@pytest.fixture(scope="module")
def tox21_slice(tox21_head) -> Path:
    return tox21_head(400)


@pytest.fixture(scope="module")
def trained(tmp_path_factory, tox21_slice):
    out = tmp_path_factory.mktemp("runs") / "dmpnn"
    targets = ["NR-AR", "NR-AhR", "SR-MMP"]
    result = molpred.train(tox21_slice, targets=targets, model="dmpnn", hidden_size=64,
                           epochs=3, patience=3, split="random", seed=0, out=out, workers=1)
    return out, result


@pytest.mark.parametrize("name", ENCODERS.names())
def test_a_few_epochs_reduce_the_training_loss(name, tox21_slice):
    feat = ENCODERS.get(name).featurizer_config()
    prepared = prepare_dataset(tox21_slice, feat, targets=["NR-AhR", "SR-MMP"], workers=1)
    rows = np.flatnonzero(prepared.valid)
    split = {"train": rows[:300], "val": rows[300:], "test": rows[:0]}
    config = ModelConfig.build(name, prepared.tasks, prepared.task_type, {"hidden_size": 64})
    fit = fit_model(prepared, split, config, FitSettings(epochs=4, patience=10, seed=0,
                                                         device="cpu"))
    assert len(fit.train_losses) == 4
    assert fit.train_losses[-1] < fit.train_losses[0]


def test_training_writes_a_model_directory_with_metrics(trained):
    out, result = trained
    assert {p.name for p in out.iterdir()} >= {"config.json", "model.safetensors", "metrics.json"}
    assert 0.0 <= result.metrics["test"]["score"] <= 1.0
    assert result.metrics["test"]["metric"] == "roc_auc"
    saved = json.loads((out / "metrics.json").read_text())
    assert saved["test"]["score"] == pytest.approx(result.metrics["test"]["score"])
    config = json.loads((out / "config.json").read_text())
    assert json.dumps(config).count("SR-MMP") >= 1 and "NR-ER" not in json.dumps(config)


def test_input_columns_named_like_the_error_column_are_kept(trained):
    out, _ = trained
    frame = pd.DataFrame({"smiles": ["CCO", "bad("], "error": ["mine", "mine"],
                          "molpred_error": ["also mine", "also mine"]})
    predicted = molpred.load(out).predict(frame)
    assert predicted["error"].tolist() == ["mine", "mine"]
    assert predicted["molpred_error"].tolist() == ["also mine", "also mine"]
    assert predicted["molpred_error_pred"].tolist()[0] == ""
    assert "syntax error" in predicted["molpred_error_pred"].tolist()[1]


def test_reloaded_model_predicts_identically(trained, tox21):
    out, result = trained
    smiles = tox21["smiles"].iloc[400:450].tolist()
    first = molpred.load(out).predict(smiles)
    assert list(first.columns) == ["smiles", "NR-AR", "NR-AhR", "SR-MMP", "max_similarity",
                                   "embedding_distance", "expected_error", "in_domain", "alerts", "error"]
    values = first[["NR-AR", "NR-AhR", "SR-MMP"]].to_numpy()
    assert np.all((values > 0) & (values < 1))
    # the saved model is the trained one: same probabilities as the network still in memory
    data, _ = featurize_smiles(smiles, result.model.config.featurizer_config, workers=1)
    in_memory = predict_data(result.model, data, 64, torch.device("cpu"))
    # ... calibrated by the trust model fitted in training, saved and read back
    np.testing.assert_allclose(values, result.trust.calibrated(in_memory), rtol=0, atol=1e-6)


def test_messy_input_every_row_accounted_for_in_predict_and_screen(trained, tmp_path):
    out, _ = trained
    messy = pd.read_csv(MESSY, keep_default_na=False)
    predicted = molpred.load(out).predict(messy, smiles_col="smiles")
    assert list(predicted["id"]) == list(messy["id"])
    status = dict(zip(predicted["id"], predicted["error"]))
    for bad in ("garbage", "empty", "valence-error", "unclosed-ring"):
        assert status[bad], f"{bad} should carry an error"
    for good in ("valid-aspirin", "salt", "metal-complex", "valid-caffeine", "large-200-atoms"):
        assert status[good] == "", f"{good}: {status[good]}"
    ok = predicted["error"] == ""
    assert predicted.loc[ok, "NR-AR"].notna().all() and predicted.loc[~ok, "NR-AR"].isna().all()

    for suffix in (".csv", ".csv.gz", ".parquet"):
        target = tmp_path / f"hits{suffix}"
        report = molpred.screen(out, MESSY, target, chunk_size=4, workers=1)  # smiles column found by name
        written = pd.read_parquet(target) if suffix == ".parquet" else pd.read_csv(
            target, keep_default_na=False)
        assert report.rows == len(messy) == len(written)
        assert list(written["id"]) == list(messy["id"])
        assert report.errors == int((predicted["error"] != "").sum())


def test_evaluate_takes_a_loaded_model_and_part_aliases(trained, tox21_slice, tmp_path):
    out, _ = trained
    split = tmp_path / "split.json"
    split.write_text(json.dumps({"train": list(range(0, 300)), "val": list(range(300, 350)),
                                 "test": list(range(350, 400))}))
    by_path = molpred.evaluate(out, tox21_slice, splits=split, part="val", workers=1)
    by_object = molpred.evaluate(molpred.load(out), tox21_slice, splits=split, part="Valid",
                                 workers=1)
    assert by_object["part"] == "val" and by_object["rows"] == 50
    assert by_object["score"] == pytest.approx(by_path["score"])
    with pytest.raises(InputError, match="part must be one of train, val, test, not 'tets'"):
        molpred.evaluate(out, tox21_slice, splits=split, part="tets", workers=1)


def test_one_target_may_be_given_as_a_string(tox21_slice, tmp_path):
    result = molpred.train(tox21_slice, targets="SR-MMP", model="mlp", epochs=1,
                           split="random", out=tmp_path / "one", workers=1)
    assert result.model.config.tasks == ["SR-MMP"]


def test_a_diverged_model_says_so_instead_of_predicting_blanks(trained, tox21_slice, tmp_path):
    from molpred.exceptions import TrainingError
    from molpred.models.checkpoint import load_model, save_model
    from molpred.predictor import NON_FINITE

    out, _ = trained
    model, config = load_model(out)
    with torch.no_grad():
        for parameter in model.head.parameters():
            parameter.fill_(float("nan"))
    broken = save_model(model, tmp_path / "nan", training=config.get("training"))
    predicted = molpred.load(broken).predict(["CCO", "not a smiles"])
    assert predicted["error"].tolist()[0] == NON_FINITE
    assert "syntax error" in predicted["error"].tolist()[1]
    scored = molpred.evaluate(broken, tox21_slice, workers=1)
    assert np.isnan(scored["score"]) and scored["non_finite_rows"] > 0
    report = molpred.screen(broken, MESSY, tmp_path / "hits.csv", workers=1)
    assert report.errors == report.rows  # every row: unreadable, or a non-finite prediction
    with pytest.raises(TrainingError, match="training diverged.*lower learning rate"):
        molpred.train(tox21_slice, targets=["SR-MMP"], model="mlp", epochs=2, lr=1e12,
                      split="random", out=tmp_path / "diverged", workers=1)
    assert not (tmp_path / "diverged").exists()
