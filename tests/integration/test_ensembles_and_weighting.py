"""Deep ensembles (``ensemble_size``), per-task positive weighting and bf16 training on real
Tox21 rows."""

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import torch

import molpred
from molpred.exceptions import InputError, ModelFileError
from molpred.inference import predict_members
from molpred.models.checkpoint import CONFIG_FILE, load_model
from molpred.models.ensemble import Ensemble
from molpred.training.fit import MAX_POS_WEIGHT, positive_weights
from molpred.training.losses import masked_loss

TARGETS = ["NR-AR", "NR-AhR", "SR-MMP"]
QUERIES = ["CC(=O)Oc1ccccc1C(=O)O", "CN1C=NC2=C1C(=O)N(C(=O)N2C)C", "not a molecule",
           "Clc1ccc(cc1)C(c1ccccc1Cl)C(Cl)Cl"]


@pytest.fixture(scope="module")
def tox21_slice(tox21_head) -> Path:
    return tox21_head(300)


@pytest.fixture(scope="module")
def ensemble(tmp_path_factory, tox21_slice):
    out = tmp_path_factory.mktemp("runs") / "ens"
    result = molpred.train(tox21_slice, targets=TARGETS, model="mlp", hidden_size=32, epochs=3,
                           patience=3, split="random", seed=4, ensemble_size=3, out=out, workers=1)
    return out, result


def test_ensemble_trains_members_from_consecutive_seeds(ensemble):
    out, result = ensemble
    assert isinstance(result.model, Ensemble) and len(result.model) == 3
    assert [m["seed"] for m in result.metrics["members"]] == [4, 5, 6]
    first, second = (dict(m.state_dict()) for m in list(result.model.members)[:2])
    assert any(not torch.equal(first[k], second[k]) for k in first)  # different seeds, weights


def test_ensemble_predicts_member_mean_and_std_and_round_trips(ensemble):
    out, result = ensemble
    predictor = molpred.load(out)
    assert predictor.ensemble_size == 3
    frame = predictor.predict(QUERIES, workers=1)
    expected = (["smiles"] + [c for t in TARGETS for c in (t, f"{t}_std")]
                + ["max_similarity", "embedding_distance", "expected_error", "in_domain", "alerts", "error"])
    assert list(frame.columns) == expected
    assert frame.loc[2, "error"] and frame.loc[[0, 1, 3], "error"].eq("").all()
    good = frame.loc[[0, 1, 3]]
    assert (good[[f"{t}_std" for t in TARGETS]].to_numpy() > 0).all()
    assert frame.loc[2, TARGETS].isna().all()
    # mean and std are those of the members, computed independently here
    from molpred.featurizers.featurize import featurize_smiles

    data, _ = featurize_smiles(QUERIES, result.model.config.featurizer_config, workers=1)
    members = predict_members(result.model, data)
    assert members.shape == (3, len(QUERIES), len(TARGETS))
    # the value is the members' mean, calibrated on validation (Platt, per task)
    calibrated = predictor.trust.calibrated(members.mean(0))
    np.testing.assert_allclose(good[TARGETS].to_numpy(), calibrated[[0, 1, 3]], atol=1e-6)
    spread = np.stack([predictor.trust.calibrated(m) for m in members]).std(0)
    np.testing.assert_allclose(good[[f"{t}_std" for t in TARGETS]].to_numpy(),
                               spread[[0, 1, 3]], atol=1e-6)


def test_ensemble_test_score_is_that_of_the_mean(ensemble, tox21_slice):
    out, result = ensemble
    loaded, config = load_model(out)
    assert isinstance(loaded, Ensemble) and config["ensemble_size"] == 3
    scored = molpred.evaluate(out, tox21_slice, targets=TARGETS, workers=1)
    assert scored["rows"] == 300
    # the score is that of the members' mean, computed independently here
    from molpred.featurizers.featurize import featurize_smiles
    from molpred.training.metrics import score_predictions

    table = pd.read_csv(tox21_slice)
    data, _ = featurize_smiles(table["smiles"].tolist(), result.model.config.featurizer_config,
                               workers=1)
    members = predict_members(result.model, data)
    mean = np.where(np.isnan(members.mean(0)), 0.5, members.mean(0))  # unreadable: 0.5
    expected = score_predictions(table[TARGETS].to_numpy(dtype=float), mean, TARGETS,
                                 "classification")["score"]
    assert scored["score"] == pytest.approx(expected, abs=1e-9)
    singles = [score_predictions(table[TARGETS].to_numpy(dtype=float),
                                 np.where(np.isnan(m), 0.5, m), TARGETS, "classification")["score"]
               for m in members]
    assert all(abs(single - expected) > 1e-6 for single in singles)  # not one member's score


def test_ensemble_file_with_a_bad_size_is_refused(ensemble, tmp_path):
    out, _ = ensemble
    copy = tmp_path / "bad"
    copy.mkdir()
    for f in out.iterdir():
        (copy / f.name).write_bytes(f.read_bytes())
    cfg = (copy / CONFIG_FILE).read_text().replace('"ensemble_size": 3', '"ensemble_size": 2')
    (copy / CONFIG_FILE).write_text(cfg)
    with pytest.raises(ModelFileError, match="does not match"):
        load_model(copy)
    (copy / CONFIG_FILE).write_text(cfg.replace('"ensemble_size": 2', '"ensemble_size": "x"'))
    with pytest.raises(ModelFileError, match="ensemble_size"):
        load_model(copy)


def test_positive_weights_follow_the_training_labels(tox21):
    y = tox21[TARGETS].to_numpy(dtype=float)
    w = positive_weights(y).numpy()
    for j in range(len(TARGETS)):
        col = y[:, j][~np.isnan(y[:, j])]
        expected = min(MAX_POS_WEIGHT, (col == 0).sum() / (col == 1).sum())
        assert w[j] == pytest.approx(expected, rel=1e-6)
    assert w[0] > w[2] > 1  # NR-AR is rarer than SR-MMP in Tox21


def test_positive_weight_scales_only_the_positive_terms():
    raw = torch.tensor([[0.3, -1.0], [2.0, 0.5]])
    target = torch.tensor([[1.0, 0.0], [0.0, float("nan")]])
    plain = masked_loss(raw, target, "classification")
    weighted = masked_loss(raw, target, "classification", torch.tensor([3.0, 5.0]))
    pos_term = torch.nn.functional.softplus(-raw[0, 0])  # BCE of the one positive label
    assert float(weighted - plain) == pytest.approx(float(2 * pos_term / 3), rel=1e-5)


def test_balanced_weighting_and_bf16_train_through_the_api(tox21_slice):
    def weights(**kwargs):
        result = molpred.train(tox21_slice, targets=TARGETS, model="mlp", hidden_size=32,
                               epochs=2, patience=2, split="random", workers=1, **kwargs)
        assert np.isfinite(result.metrics["val"]["score"])
        return result.model.state_dict()

    plain, again, balanced = weights(), weights(), weights(class_weight="balanced")
    # the same seed reproduces itself, so a difference can only come from weighting the positives
    assert all(torch.equal(plain[k], again[k]) for k in plain)
    assert any(not torch.equal(plain[k], balanced[k]) for k in plain)
    weights(class_weight="balanced", precision="bf16-mixed")
    with pytest.raises(InputError, match="precision"):
        molpred.train(tox21_slice, targets=TARGETS, precision="fp8")
    with pytest.raises(InputError, match="ensemble size"):
        molpred.train(tox21_slice, targets=TARGETS, ensemble_size=0)


def test_cli_trains_an_ensemble_and_predict_shows_the_spread(tox21_slice, tmp_path):
    from typer.testing import CliRunner

    from molpred_cli.app import app

    runner = CliRunner()
    out = tmp_path / "ens"
    res = runner.invoke(app, ["train", str(tox21_slice), "--targets", "NR-AhR", "--model", "mlp",
                              "--epochs", "2", "--split", "random", "--ensemble-size", "2",
                              "--class-weight", "balanced", "--out", str(out)])
    assert res.exit_code == 0, res.output
    pred = tmp_path / "p.csv"
    res = runner.invoke(app, ["predict", "-m", str(out), "-o", str(pred), *QUERIES[:2]])
    assert res.exit_code == 0, res.output
    frame = pd.read_csv(pred)
    assert {"NR-AhR", "NR-AhR_std"} <= set(frame.columns) and len(frame) == 2


DOMAIN_AND_ALERTS = ("max_similarity", "embedding_distance", "expected_error", "in_domain", "alerts")


def test_ensemble_spread_columns_never_overwrite_input_columns(ensemble, tox21, tmp_path):
    out, _ = ensemble
    smiles = tox21["smiles"].iloc[400:406].tolist() + ["not a molecule"]
    frame = pd.DataFrame({"smiles": smiles, "NR-AR": ["1"] * 7, "NR-AR_std": ["mine"] * 7,
                          "SR-MMP_std": ["keep"] * 7})
    expected = ["smiles", "NR-AR", "NR-AR_std", "SR-MMP_std", "NR-AR_pred", "NR-AR_pred_std",
                "NR-AhR", "NR-AhR_std", "SR-MMP", "SR-MMP_pred_std", "max_similarity",
                "embedding_distance", "expected_error", "in_domain", "alerts", "error"]
    predicted = molpred.load(out).predict(frame, workers=1)
    assert list(predicted.columns) == expected
    assert (predicted["NR-AR_std"] == "mine").all() and (predicted["SR-MMP_std"] == "keep").all()
    assert predicted["SR-MMP_pred_std"].iloc[:6].between(0, 1).all()

    source, screened = tmp_path / "in.csv", tmp_path / "out.csv"
    frame.to_csv(source, index=False)
    molpred.screen(out, source, screened, workers=1, filter="SR-MMP_pred_std >= 0",
                   columns="minimal")
    written = pd.read_csv(screened, dtype=str, keep_default_na=False)
    screen_columns = [c for c in expected if c not in DOMAIN_AND_ALERTS]  # predictions only
    assert list(written.columns) == screen_columns and len(written) == 6
    molpred.screen(out, source, screened, workers=1, confidence=0.9)  # what predict writes
    written = pd.read_csv(screened, dtype=str, keep_default_na=False)
    assert list(written.columns) == list(molpred.load(out).predict(
        frame, workers=1, confidence=0.9).columns)
    assert (written["NR-AR_std"] == "mine").all() and (written["SR-MMP_std"] == "keep").all()
    assert (written["NR-AR_std"] == "mine").all() and (written["SR-MMP_std"] == "keep").all()


def test_class_weighting_of_a_regression_dataset_is_refused(data_dir):
    with pytest.raises(InputError, match="classification only") as info:
        molpred.train(data_dir / "delaney.csv", targets=["logp"], task_type="regression",
                      model="mlp", hidden_size=16, epochs=1, class_weight="balanced", workers=1)
    assert "\n" not in str(info.value)


def test_positive_weights_count_only_the_training_rows_that_were_featurized(tox21, tmp_path,
                                                                            monkeypatch):
    from molpred.models.model import ModelConfig
    from molpred.training import fit as fit_module
    from molpred.training.fit import FitSettings, fit_model
    from molpred.training.prepare import prepare_dataset

    rows = tox21[["smiles", "SR-MMP"]].dropna().head(120).copy()
    rows.iloc[0] = ["C(C)(C)(C)(C)C", 1.0]  # five bonds on carbon: RDKit rejects it
    path = tmp_path / "rows.csv"
    rows.to_csv(path, index=False)
    prepared = prepare_dataset(path, ModelConfig.build("mlp", ["SR-MMP"], "classification")
                               .featurizer_config, targets=["SR-MMP"], workers=1)
    assert not prepared.valid[0] and prepared.valid[1:].all()
    seen = []
    monkeypatch.setattr(fit_module, "positive_weights",
                        lambda y: seen.append(y) or positive_weights(y))
    split = {"train": np.arange(0, 100), "val": np.arange(100, 120), "test": np.arange(0)}
    fit_model(prepared, split, ModelConfig.build("mlp", ["SR-MMP"], "classification",
                                                 {"hidden_size": 16}),
              FitSettings(epochs=1, class_weight="balanced", device="cpu", progress=False))
    assert len(seen[0]) == 99  # the rejected row's label is not counted
