"""A trained model carries its uncertainty: calibration, conformal sets/intervals and the
applicability domain are fitted on validation, saved, loaded and used by predict."""

import json

import numpy as np
import pandas as pd
import pytest

import molpred
from molpred.exceptions import InputError, ModelFileError
from molpred.trust.model import TRUST_FORMAT_VERSION, TRUST_JSON, TRUST_WEIGHTS

DRUGS = ["CC(=O)Oc1ccccc1C(=O)O", "CC(=O)Nc1ccc(O)cc1", "not a smiles", "CCCCCCCCCCCCCCCCCCCC"]


@pytest.fixture(scope="module")
def bbbp_model(tmp_path_factory, data_dir):
    tmp = tmp_path_factory.mktemp("trust")
    path = tmp / "bbbp400.csv"
    pd.read_csv(data_dir / "bbbp.csv").head(400).to_csv(path, index=False)
    result = molpred.train(path, targets=["p_np"], model="dmpnn", epochs=3, hidden_size=64,
                           ensemble_size=2, out=tmp / "model", device="cpu", workers=1)
    return result, tmp / "model"


@pytest.fixture(scope="module")
def esol_model(tmp_path_factory, data_dir):
    tmp = tmp_path_factory.mktemp("trust_reg")
    path = tmp / "esol300.csv"
    pd.read_csv(data_dir / "delaney.csv").head(300).to_csv(path, index=False)
    molpred.train(path, targets=["logp"], model="dmpnn", epochs=3, hidden_size=64,
                  ensemble_size=2, out=tmp / "model", device="cpu", workers=1)
    return tmp / "model"


def test_training_saves_trust_files_and_reports_them_on_test(bbbp_model):
    result, folder = bbbp_model
    assert (folder / TRUST_JSON).is_file() and (folder / TRUST_WEIGHTS).is_file()
    report = json.loads((folder / "metrics.json").read_text())["trust"]
    assert report == pytest.approx(result.metrics["trust"], nan_ok=True)
    assert 0.0 <= report["coverage"] <= 1.0 and 1.0 <= report["mean_set_size"] <= 2.0
    assert report["pairs_in"] + report["pairs_out"] == report["molecules"]


def test_predict_adds_calibrated_values_sets_domain_and_alerts(bbbp_model):
    _, folder = bbbp_model
    predictor = molpred.load(folder)
    table = predictor.predict(DRUGS, confidence=0.9, workers=1)
    assert list(table.columns) == ["smiles", "p_np", "p_np_std", "p_np_set", "max_similarity",
                                   "embedding_distance", "expected_error", "in_domain", "alerts", "error"]
    assert len(table) == len(DRUGS) and table.loc[2, "error"] and table.loc[2, "p_np_set"] == ""
    ok = table.drop(index=2)
    assert set(ok["p_np_set"]) <= {"0", "1", "0,1", "empty"}
    assert ok["max_similarity"].between(0, 1).all()
    # the eicosane chain is unlike the training molecules (drugs)
    assert table.loc[3, "max_similarity"] < table.loc[0, "max_similarity"]
    assert table.loc[0, "alerts"] == "Brenk: phenol_ester"


def test_predicted_probabilities_are_the_calibrated_member_mean(bbbp_model, data_dir):
    from molpred.trust.calibration import apply_platt

    predictor = molpred.load(bbbp_model[1])
    smiles = pd.read_csv(data_dir / "bbbp.csv")["smiles"].iloc[400:460].tolist()
    calibrated = predictor.predict(smiles, domain=False, alerts=False, workers=1)["p_np"]
    platt, predictor.trust = predictor.trust.platt, None
    raw = predictor.predict(smiles, domain=False, alerts=False, workers=1)["p_np"]
    ok = raw.notna().to_numpy()
    expected = apply_platt(raw.to_numpy()[ok, None], platt)[:, 0]
    np.testing.assert_allclose(calibrated.to_numpy()[ok], expected, rtol=1e-9)
    assert (np.argsort(calibrated.to_numpy()[ok], kind="stable")
            == np.argsort(expected, kind="stable")).all()


def test_higher_confidence_never_gives_smaller_sets(bbbp_model):
    predictor = molpred.load(bbbp_model[1])
    smiles = pd.Series(["CCN(CC)CC", "c1ccccc1O", "CC(=O)Oc1ccccc1C(=O)O", "CN1CCCC1c1cccnc1"])
    size = {c: predictor.predict(smiles, confidence=c, workers=1)["p_np_set"].str.len()
            for c in (0.5, 0.99)}
    assert (size[0.99] >= size[0.5]).all()


def test_regression_models_get_intervals_around_the_prediction(esol_model):
    table = molpred.load(esol_model).predict(["CCO", "c1ccccc1", "CCCCCCCCO"], confidence=0.8,
                                             workers=1)
    assert (table["logp_lower"] < table["logp"]).all() and (table["logp"] < table["logp_upper"]).all()
    clash = molpred.load(esol_model).predict(
        pd.DataFrame({"smiles": ["CCO"], "logp_lower": ["mine"]}), confidence=0.8, workers=1)
    assert {"logp_pred_lower", "logp_pred_upper"} <= set(clash.columns)  # bounds stay a pair
    assert "logp_upper" not in clash.columns and (clash["logp_lower"] == "mine").all()
    wider = molpred.load(esol_model).predict(["CCO"], confidence=0.95, workers=1)
    assert wider.loc[0, "logp_upper"] - wider.loc[0, "logp_lower"] > (
        table.loc[0, "logp_upper"] - table.loc[0, "logp_lower"])


def test_bad_confidence_and_corrupt_trust_files_are_refused(bbbp_model, tmp_path):
    _, folder = bbbp_model
    with pytest.raises(InputError, match="between 0 and 1"):
        molpred.load(folder).predict(["CCO"], confidence=90)
    copy = tmp_path / "copy"
    copy.mkdir()
    for f in folder.iterdir():
        (copy / f.name).write_bytes(f.read_bytes())
    (copy / TRUST_WEIGHTS).write_bytes(b"\x80\x04garbage pickle")
    with pytest.raises(ModelFileError, match="corrupt uncertainty files|changed or corrupted"):
        molpred.load(copy)


def test_explain_attributions_add_up_to_the_output_and_draw(bbbp_model, tmp_path):
    predictor = molpred.load(bbbp_model[1])
    explanation = predictor.explain("CC(=O)Oc1ccccc1C(=O)O", "p_np")
    assert explanation.atom_weights.shape == (13,)
    assert explanation.delta < 0.05 * max(1.0, abs(explanation.atom_weights.sum()))
    png = explanation.draw(tmp_path / "a.png")
    assert png[:4] == b"\x89PNG" and (tmp_path / "a.png").read_bytes() == png
    assert explanation.draw(tmp_path / "a.svg").lstrip().startswith("<?xml")
    with pytest.raises(InputError, match="unknown task"):
        predictor.explain("CCO", "nope")
    with pytest.raises(InputError, match="at least two heavy atoms"):
        predictor.explain("C", "p_np")


@pytest.mark.parametrize("method", ["ig", "shap", "lime"])
def test_graph_attributions_of_each_method_add_up_in_probability_units(bbbp_model, method):
    predictor = molpred.load(bbbp_model[1])
    explanation = predictor.explain("CC(=O)Oc1ccccc1C(=O)O", "p_np", method=method)
    assert explanation.units == "probability" and explanation.method == method
    total = explanation.atom_weights.sum()
    assert abs(total) <= 1  # a change of probability
    tolerance = {"ig": 0.02, "shap": 1e-3, "lime": 0.5}[method]  # LIME is a local fit only
    assert explanation.delta <= tolerance * max(1e-3, abs(total)) + 2e-5  # float32


def test_fingerprint_and_tree_models_are_explained_on_their_atoms(tmp_path, data_dir):
    from molpred.trust.attribution import bits_to_atoms
    from molpred.trust.explain import explain_smiles

    path = tmp_path / "b.csv"
    pd.read_csv(data_dir / "bbbp.csv").head(200).to_csv(path, index=False)
    aspirin = "CC(=O)Oc1ccccc1C(=O)O"
    mlp = molpred.train(path, targets=["p_np"], model="mlp", epochs=2, device="cpu", workers=1)
    for method in ("ig", "shap"):
        found = explain_smiles(mlp.model, aspirin, method=method)
        assert found.atom_weights.shape == (13,) and np.isfinite(found.atom_weights).all()
        assert found.delta <= (0.05 if method == "ig" else 1e-3) * max(
            1e-3, abs(found.atom_weights.sum())) + 2e-5  # float32 forward passes
    trees = molpred.train(path, targets=["p_np"], model="gbdt", device="cpu", workers=1)
    shap = explain_smiles(trees.model, aspirin, method="shap")
    # TreeSHAP adds up exactly: atoms + descriptors = prediction - baseline
    assert shap.delta < 1e-9 and shap.molecule_level != 0
    predicted = molpred.Predictor(trees.model, {}).predict([aspirin], alerts=False)["p_np"][0]
    assert abs(shap.prediction - predicted) < 1e-9
    with pytest.raises(InputError, match="TreeSHAP"):
        explain_smiles(trees.model, aspirin, method="lime")
    mol = shap.mol  # a bit's value is shared by its atoms: nothing lost, nothing made up
    bits = np.zeros(2048)
    bits[[1, 650, 1750]] = [0.3, -0.2, 0.05]
    from molpred.featurizers.vector import ecfp4

    on = ecfp4(mol) > 0
    assert abs(bits_to_atoms(mol, bits, counts=False).sum() - bits[on].sum()) < 1e-12
    cnn = molpred.train(path, targets=["p_np"], model="cnn", epochs=1, device="cpu", workers=1)
    with pytest.raises(InputError, match="SMILES tokens"):
        explain_smiles(cnn.model, aspirin)
    with pytest.raises(InputError, match="unknown explanation method"):
        explain_smiles(mlp.model, aspirin, method="magic")


def test_tree_models_read_back_from_their_files_are_still_explained(tmp_path, data_dir):
    """TreeSHAP weighs paths by node counts; the compact tree file dropped them, so every
    saved tree model and blend (the shipped ClinTox, HIV and BBBP too) explained as NaN. The
    counts are kept now; a file without them is refused with the reason, and
    ``with_node_counts`` puts them back from the training molecules."""
    import gzip

    import lightgbm as lgb

    from molpred.exceptions import ModelFileError
    from molpred.models.trees.model import vectors
    from molpred.models.trees.storage import has_node_counts, with_node_counts
    from molpred.trust.explain import explain_smiles

    path = tmp_path / "b.csv"
    pd.read_csv(data_dir / "bbbp.csv").head(200).to_csv(path, index=False)
    aspirin = "CC(=O)Oc1ccccc1C(=O)O"
    trained = molpred.train(path, model="gbdt", device="cpu", workers=1, out=tmp_path / "m")
    fresh = explain_smiles(trained.model, aspirin, method="shap")
    loaded = molpred.load(tmp_path / "m")
    again = loaded.explain(aspirin, method="shap")
    np.testing.assert_allclose(again.atom_weights, fresh.atom_weights, atol=1e-12)
    assert np.isfinite(again.atom_weights).all() and again.delta < 1e-9
    default = loaded.explain(aspirin)  # a tree model's default method is TreeSHAP (was ig:
    assert default.method == "shap"    # refused, so explain without --method always failed)
    np.testing.assert_allclose(default.atom_weights, again.atom_weights, atol=1e-12)
    booster = loaded.model.members[0][0]
    old = "\n".join(line for line in booster.model_to_string().split("\n")
                     if not line.startswith(("leaf_count=", "internal_count=", "tree_sizes=")))
    assert not has_node_counts(old)
    loaded.model.members[0][0] = lgb.Booster(model_str=old)  # a file of the old format
    with pytest.raises(ModelFileError, match="no node counts"):
        loaded.explain(aspirin, method="shap")
    prepared = molpred.training.prepare.prepare_dataset(path, trained.model.config.featurizer_config,
                                                        workers=1)
    X, _ = vectors(prepared.data)
    loaded.model.members[0][0] = lgb.Booster(model_str=with_node_counts(
        old, booster.predict(X, pred_leaf=True)))  # counted over every row, not its bag
    restored = loaded.explain(aspirin, method="shap")
    assert np.isfinite(restored.atom_weights).all() and restored.delta < 1e-9
    assert abs(restored.prediction - again.prediction) < 1e-12
    clintox = molpred.load("clintox").explain(aspirin, "CT_TOX", method="shap")  # a blend
    assert np.isfinite(clintox.atom_weights).all() and np.isfinite(clintox.prediction)
    forest = molpred.train(path, model="rf", device="cpu", workers=1)
    rf = explain_smiles(forest.model, aspirin)  # a random forest averages its trees: the
    predicted = molpred.Predictor(forest.model, {}).predict([aspirin], alerts=False)  # output
    assert rf.delta < 1e-9 and abs(rf.prediction - predicted["p_np"][0]) < 1e-9  # is no sum
    assert 0 <= rf.baseline <= 1  # (read through a sigmoid, it said 1.000 from 190.5)
    bbbp = molpred.load("bbbp")  # the shipped blend of a D-MPNN and a random forest
    shown = bbbp.predict([aspirin], alerts=False)["BBB_penetration"][0]
    assert abs(bbbp.explain(aspirin).prediction - shown) < 1e-6
    with pytest.raises(InputError, match="TreeSHAP does not add up"):  # HIV's deep forest
        molpred.load("hiv").explain(aspirin, method="shap")
    with gzip.open(tmp_path / "m" / "trees.json.gz", "rt") as handle:
        assert "leaf_count=" in handle.read()


def test_sets_by_similarity_are_saved_and_the_same_with_or_without_domain_columns(
        bbbp_model, tmp_path, data_dir):
    from molpred.trust.model import TrustModel

    _, folder = bbbp_model
    assert json.loads((folder / TRUST_JSON).read_text())["conformal"] == "similarity"
    predictor = molpred.load(folder)
    assert predictor.trust.val["similarity"].shape == predictor.trust.val["labels"][:, 0].shape
    smiles = pd.read_csv(data_dir / "bbbp.csv")["smiles"].iloc[400:440].tolist()
    full = predictor.predict(smiles, confidence=0.9, workers=1)
    bare = predictor.predict(smiles, confidence=0.9, domain=False, alerts=False, workers=1)
    assert "max_similarity" not in bare.columns
    assert full["p_np_set"].tolist() == bare["p_np_set"].tolist()
    from molpred.pipeline.run import RunOptions  # the sets' bins need the fingerprints

    assert RunOptions(confidence=0.9, domain=False).request(predictor).fingerprints
    assert not RunOptions(confidence=None, domain=False).request(predictor).fingerprints
    # a trust file that says "by similarity" without the validation similarities is refused
    copy = tmp_path / "copy"
    copy.mkdir()
    for f in folder.iterdir():
        (copy / f.name).write_bytes(f.read_bytes())
    trust = TrustModel.load(copy)
    del trust.val["similarity"]
    trust.save(copy)
    with pytest.raises(ModelFileError, match="similarity"):
        molpred.load(copy)


def test_a_venn_abers_map_is_saved_loaded_and_used_and_a_malformed_one_refused(
        bbbp_model, tmp_path, data_dir):
    """A trust file whose task takes a Venn-ABERS map (Vovk et al. 2015) stores its table in
    ``trust.safetensors``; the loaded model's probabilities go through it; a table of the
    wrong shape is a corrupt file."""
    from safetensors.numpy import load_file, save_file

    from molpred.trust.calibration import _venn_abers, apply_map
    from molpred.trust.model import TrustModel

    _, folder = bbbp_model
    copy = tmp_path / "copy"
    copy.mkdir()
    for f in folder.iterdir():
        (copy / f.name).write_bytes(f.read_bytes())
    trust = TrustModel.load(copy)
    val = trust.val
    known = np.isfinite(val["labels"][:, 0])
    table = _venn_abers(val["values"][known, 0], val["labels"][known, 0])
    trust.platt[:] = [1.0, 0.0]
    trust.maps = {0: table}
    trust.save(copy)
    assert "venn_abers_0" in load_file(str(copy / TRUST_WEIGHTS))

    smiles = pd.read_csv(data_dir / "bbbp.csv")["smiles"].iloc[400:430].tolist()
    bare = molpred.load(folder)
    bare.trust = None  # the members' mean, uncalibrated
    raw = bare.predict(smiles, domain=False, alerts=False, workers=1)["p_np"].to_numpy()
    got = molpred.load(copy).predict(smiles, domain=False, alerts=False, workers=1)["p_np"]
    assert np.isfinite(raw).all() and len(np.unique(got)) > 2
    np.testing.assert_allclose(got.to_numpy(), apply_map(raw, table), rtol=1e-9)

    arrays = load_file(str(copy / TRUST_WEIGHTS))
    arrays["venn_abers_0"] = arrays["venn_abers_0"][:2]  # two rows: not a Venn-ABERS table
    save_file(arrays, str(copy / TRUST_WEIGHTS), metadata={"format": "molpred-trust"})
    meta = json.loads((copy / TRUST_JSON).read_text())
    meta.pop("sha256")  # so that the shape check, not the hash, refuses it
    (copy / TRUST_JSON).write_text(json.dumps(meta))
    with pytest.raises(ModelFileError, match="venn_abers calibration of task 0"):
        molpred.load(copy)


def test_a_trust_file_with_an_array_this_version_does_not_know_is_refused(bbbp_model, tmp_path):
    """A part a newer molpred saved (e.g. a calibration map it knows and this one does not)
    is refused, not silently skipped, which would leave that task uncalibrated."""
    from safetensors.numpy import load_file, save_file

    _, folder = bbbp_model
    copy = tmp_path / "copy"
    copy.mkdir()
    for f in folder.iterdir():
        (copy / f.name).write_bytes(f.read_bytes())
    molpred.load(copy)  # as saved: loads
    arrays = load_file(str(copy / TRUST_WEIGHTS))
    arrays["beta_calibration_0"] = np.array([[1.0, 0.0]])
    save_file(arrays, str(copy / TRUST_WEIGHTS), metadata={"format": "molpred-trust"})
    meta = json.loads((copy / TRUST_JSON).read_text())
    meta.pop("sha256")
    (copy / TRUST_JSON).write_text(json.dumps(meta))
    with pytest.raises(ModelFileError, match="beta_calibration_0"):
        molpred.load(copy)


def test_a_trust_file_of_a_newer_format_version_is_refused_and_one_without_the_field_loads(
        bbbp_model, tmp_path):
    """``trust.json`` records its format version: a file without the field (saved before it
    existed) still loads and predicts the same; a higher version is refused naming it."""
    _, folder = bbbp_model
    meta = json.loads((folder / TRUST_JSON).read_text())
    assert meta["format_version"] == TRUST_FORMAT_VERSION
    smiles = ["CC(=O)Oc1ccccc1C(=O)O", "CN1C=NC2=C1C(=O)N(C(=O)N2C)C"]
    before = molpred.load(folder).predict(smiles)
    for version, loads in ((None, True), (3, False), ("2", False)):
        copy = tmp_path / f"v{version}"
        copy.mkdir()
        for f in folder.iterdir():
            (copy / f.name).write_bytes(f.read_bytes())
        changed = dict(meta)
        if version is None:
            changed.pop("format_version")
        else:
            changed["format_version"] = version
        (copy / TRUST_JSON).write_text(json.dumps(changed))
        if loads:
            after = molpred.load(copy).predict(smiles)
            pd.testing.assert_frame_equal(before, after)
        else:
            with pytest.raises(ModelFileError, match="trust format version"):
                molpred.load(copy)
