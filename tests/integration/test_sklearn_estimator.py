"""MolPredictor follows scikit-learn's conventions on real molecules."""

import numpy as np
import pandas as pd
import pytest

import molpred
from molpred import MolPredictor
from molpred.exceptions import InputError


@pytest.fixture(scope="module")
def bbbp(data_dir):
    return pd.read_csv(data_dir / "bbbp.csv").head(240)


@pytest.fixture(scope="module")
def fitted(bbbp):
    return MolPredictor(epochs=2, seed=0, device="cpu").fit(bbbp["smiles"], bbbp["p_np"])


def test_init_stores_settings_and_fit_returns_self_with_underscore_attributes(bbbp):
    est = MolPredictor(model="dmpnn", epochs=1, device="cpu")
    assert est.get_params()["epochs"] == 1 and not hasattr(est, "predictor_")
    with pytest.raises(InputError, match="not fitted"):
        est.predict(["CCO"])
    assert est.set_params(epochs=2).epochs == 2
    with pytest.raises(InputError, match="unknown parameter"):
        est.set_params(depth=3)


def test_predictions_align_with_input_and_unreadable_rows_are_nan(fitted):
    smiles = ["CCO", "not smiles", "c1ccccc1N"]
    labels, proba = fitted.predict(smiles), fitted.predict_proba(smiles)
    assert fitted.tasks_ == ["p_np"] and fitted.task_type_ == "classification"
    assert labels.shape == (3,) and proba.shape == (3, 2)
    assert np.isnan(labels[1]) and np.isnan(proba[1]).all()
    np.testing.assert_allclose(proba[[0, 2]].sum(axis=1), 1.0)
    assert set(labels[[0, 2]]) <= {0.0, 1.0}
    assert (labels[[0, 2]] == (proba[[0, 2], 1] >= 0.5)).all()


def test_on_invalid_raise_names_the_row(bbbp):
    est = MolPredictor(epochs=1, on_invalid="raise", device="cpu")
    with pytest.raises(InputError, match=r"row 1 \('C1CC'\)"):
        est.fit(["CCO", "C1CC"], [0, 1])


def test_saved_estimator_loads_as_a_molpred_model_with_the_same_predictions(fitted, tmp_path):
    path = fitted.save(tmp_path / "est")
    loaded = molpred.load(path).predict(["CCO", "c1ccccc1N"], alerts=False)
    np.testing.assert_allclose(loaded["p_np"], fitted.predict_proba(["CCO", "c1ccccc1N"])[:, 1],
                               rtol=1e-6)


def test_regression_and_multi_task_targets(data_dir):
    esol = pd.read_csv(data_dir / "delaney.csv").head(200)
    est = MolPredictor(epochs=2, device="cpu").fit(esol["smiles"], esol["logp"].to_numpy())
    assert est.tasks_ == ["y"] and est.task_type_ == "regression"
    assert est.predict(["CCO", "CCCCCCO"]).shape == (2,)
    with pytest.raises(InputError, match="classification"):
        est.predict_proba(["CCO"])
    tox = pd.read_csv(data_dir / "tox21.csv").head(200)
    multi = MolPredictor(epochs=1, device="cpu").fit(
        tox["smiles"], pd.DataFrame(tox[["NR-AR", "SR-MMP"]].to_numpy()))  # integer column names
    assert multi.tasks_ == ["0", "1"]
    assert multi.predict(["CCO"]).shape == (1, 2)
    assert [p.shape for p in multi.predict_proba(["CCO", "CCN"])] == [(2, 2), (2, 2)]
