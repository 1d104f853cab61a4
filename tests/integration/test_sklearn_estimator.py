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
    with pytest.raises(ValueError, match="Invalid parameter 'depth'"):
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


# scikit-learn's own checks that apply to an estimator reading SMILES. Its other checks
# (check_fit2d_*, check_fit1d, check_n_features_in*, check_methods_*_invariance,
# check_fit_idempotent, check_dict_unchanged, check_estimators_overwrite_params,
# check_dont_overwrite_parameters, check_readonly_memmap_input, check_fit_score_takes_y,
# check_estimators_fit_returns_self, check_classifiers_*/check_regressors_*) generate float
# matrices, which are not molecules; with the tag input_tags.two_d_array = False
# check_estimator skips them all. The SMILES versions of the ones that matter follow below.
SKLEARN_CHECKS = ["check_estimator_cloneable", "check_estimator_tags_renamed",
                  "check_valid_tag_types", "check_estimator_repr",
                  "check_no_attributes_set_in_init", "check_estimators_unfitted",
                  "check_do_not_raise_errors_in_init_or_set_params", "check_mixin_order",
                  "check_parameters_default_constructible", "check_get_params_invariance",
                  "check_set_params"]


@pytest.mark.parametrize("check", SKLEARN_CHECKS)
@pytest.mark.parametrize("estimator", ["MolPredictor", "MolClassifier", "MolRegressor"])
def test_scikit_learn_estimator_checks_that_apply(estimator, check):
    from sklearn.utils import estimator_checks

    getattr(estimator_checks, check)(estimator, getattr(molpred, estimator)())


def test_fit_keeps_params_is_idempotent_and_predictions_are_row_wise(bbbp):
    from sklearn.base import clone

    est = molpred.MolClassifier(model="mlp", epochs=2, seed=1, device="cpu")
    before = est.get_params()
    assert est.fit(bbbp["smiles"], bbbp["p_np"]) is est and est.get_params() == before
    assert est.classes_.tolist() == [0, 1]
    smiles = bbbp["smiles"].tolist()[:40]
    state = dict(vars(est))
    first = est.predict_proba(smiles)
    assert vars(est).keys() == state.keys()  # predicting changes no attribute
    again = clone(est).fit(bbbp["smiles"], bbbp["p_np"]).predict_proba(smiles)
    np.testing.assert_allclose(first, again, atol=1e-6)  # same seed, same model
    order = np.random.default_rng(0).permutation(40)
    np.testing.assert_allclose(est.predict_proba([smiles[i] for i in order]), first[order],
                               atol=1e-6)  # no dependence on the other rows or their order
    np.testing.assert_allclose(est.predict_proba(smiles[:7]), first[:7], atol=1e-6)


def test_cross_val_score_grid_search_and_pipeline_on_bbbp(bbbp):
    from rdkit import Chem
    from sklearn.model_selection import GridSearchCV, KFold, cross_val_score
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import FunctionTransformer

    smiles, y = bbbp["smiles"], bbbp["p_np"].to_numpy()
    est = molpred.MolClassifier(model="mlp", epochs=2, device="cpu")
    auc = cross_val_score(est, smiles, y, cv=3, scoring="roc_auc")
    accuracy = cross_val_score(est, smiles, y, cv=KFold(2))  # the estimator's own score
    assert auc.shape == (3,) and np.isfinite(auc).all() and (0 <= auc).all() and (auc <= 1).all()
    assert ((0 <= accuracy) & (accuracy <= 1)).all()
    search = GridSearchCV(est, {"epochs": [1, 3]}, cv=2, scoring="roc_auc").fit(smiles, y)
    assert search.best_params_["epochs"] in (1, 3) and hasattr(search.best_estimator_, "predictor_")

    def canonical(batch):
        return [Chem.MolToSmiles(Chem.MolFromSmiles(s)) if Chem.MolFromSmiles(s) else s
                for s in batch]

    pipe = make_pipeline(FunctionTransformer(canonical), molpred.MolRegressor(
        model="mlp", epochs=2, device="cpu"))
    esol = bbbp.assign(value=np.linspace(-3, 1, len(bbbp)))
    pipe.fit(esol["smiles"], esol["value"])
    r2 = pipe.score(esol["smiles"], esol["value"])
    assert np.isfinite(r2) and pipe.predict(["CCO", "c1ccccc1"]).shape == (2,)


@pytest.mark.parametrize("model", ["gbdt", "rf"])
def test_tree_models_fit_predict_and_score_through_the_estimator(bbbp, model):
    """MolClassifier/MolRegressor with a tree model crashed in fit (a tree config has no
    class names); they fit, predict and score like the networks."""
    est = molpred.MolClassifier(model=model, seed=0).fit(bbbp["smiles"], bbbp["p_np"])
    proba = est.predict_proba(["CCO", "not smiles", "c1ccccc1N"])
    assert list(est.classes_) == [0, 1] and proba.shape == (3, 2) and np.isnan(proba[1]).all()
    assert 0.5 < est.score(bbbp["smiles"][:100], bbbp["p_np"][:100]) <= 1.0
    reg = molpred.MolRegressor(model=model, seed=0).fit(bbbp["smiles"],
                                                        np.log1p(np.arange(len(bbbp))))
    assert np.isfinite(reg.predict(["CCO"])).all()
