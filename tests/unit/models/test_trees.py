"""Tree models (gbdt, rf) on real Tox21 molecules: fitting with missing labels, prediction,
saving without pickle, refusal of changed files."""

from __future__ import annotations

import json

import numpy as np
import pytest
from sklearn.metrics import roc_auc_score

from molpred.exceptions import InputError, ModelFileError
from molpred.featurizers.featurize import featurize_smiles
from molpred.models.checkpoint import load_model, save_model
from molpred.models.trees.model import TREE_FEATURIZER, TreeConfig, fit_tree_model, vectors

TASKS = ["NR-AhR", "SR-MMP", "SR-p53"]


@pytest.fixture(scope="module")
def tox21_vectors(tox21):
    rows = tox21.head(600)
    data, errors = featurize_smiles(rows["smiles"].tolist(), TREE_FEATURIZER, workers=1,
                                    arrays=True)
    X, kept = vectors(data)
    return X, rows[TASKS].to_numpy(np.float64)[kept], data


@pytest.mark.parametrize("kind", ["gbdt", "rf"])
def test_tree_models_learn_each_task_from_its_own_labels(tox21_vectors, kind):
    X, y, _ = tox21_vectors
    assert np.isnan(y).any()  # Tox21 has missing labels: each task fits its labelled rows
    model = fit_tree_model(kind, X[:450], y[:450], TASKS, "classification", members=2, seed=0)
    members = model.predict_matrix(X)
    assert members.shape == (2, len(X), 3)
    assert ((members >= 0) & (members <= 1)).all()
    assert members.std(axis=0).max() > 0  # the members differ by their seeds
    mean = members.mean(axis=0)
    for t in range(3):  # the training rows are fitted well (a forest or boosting that learns)
        known = np.isfinite(y[:450, t])
        assert roc_auc_score(y[:450, t][known], mean[:450, t][known]) > 0.85


def test_a_task_with_one_class_predicts_its_prior(tox21_vectors):
    X, y, _ = tox21_vectors
    y = y.copy()
    y[:, 1] = np.where(np.isfinite(y[:, 1]), 0.0, np.nan)
    model = fit_tree_model("gbdt", X[:200], y[:200], TASKS, "classification", members=1)
    assert model.members[0][1] == 0.0
    assert (model.predict_matrix(X[:5])[0, :, 1] == 0.0).all()


def test_unknown_parameters_and_families_are_refused():
    with pytest.raises(InputError, match="objective"):
        TreeConfig("gbdt", ["a"], "classification", params={"objective": "huber"})
    with pytest.raises(InputError, match="unknown tree model"):
        TreeConfig("xgboost", ["a"], "classification")


def test_saved_tree_model_predicts_the_same_and_is_refused_when_changed(tox21_vectors, tmp_path):
    X, y, data = tox21_vectors
    model = fit_tree_model("rf", X[:300], y[:300], TASKS, "classification", members=2)
    folder = save_model(model, tmp_path / "rf")
    assert not list(folder.glob("*.pkl")) and (folder / "trees.json.gz").is_file()
    loaded, config = load_model(folder)
    assert config["family"] == "trees"
    np.testing.assert_allclose(loaded.predict_matrix(X[300:]), model.predict_matrix(X[300:]))
    members, embeddings = loaded.predict_with_embeddings(data[:10] + [None])
    assert np.isnan(members[:, -1]).all() and np.isfinite(members[:, :-1]).all()
    assert embeddings.shape[0] == 1 and np.isnan(embeddings[0, -1]).all()

    text = (folder / "trees.json.gz").read_bytes()
    i = len(text) // 2
    (folder / "trees.json.gz").write_bytes(text[:i] + bytes([text[i] ^ 1]) + text[i + 1:])
    with pytest.raises(ModelFileError, match="changed or corrupted"):
        load_model(folder)
    (folder / "trees.json.gz").write_bytes(text)
    config_json = json.loads((folder / "config.json").read_text())
    del config_json["files"]
    (folder / "config.json").write_text(json.dumps(config_json))
    with pytest.raises(ModelFileError, match="no content hash"):
        load_model(folder)


def test_compact_booster_text_predicts_exactly_as_the_full_text(tox21_vectors):
    """The lines only training reads are dropped (about half the text) and the booster
    predicts the same numbers to the last bit on unseen Tox21 molecules."""
    import lightgbm as lgb

    from molpred.models.trees.storage import compact_booster_text

    X, y, _ = tox21_vectors
    model = fit_tree_model("gbdt", X[:300], y[:300], TASKS, "classification", members=1)
    booster = next(b for b in model.members[0] if not isinstance(b, float))
    full = booster.model_to_string()
    compact = compact_booster_text(full)
    assert len(compact) < 0.7 * len(full)
    assert "leaf_weight=" not in compact and "parameters:" not in compact
    np.testing.assert_array_equal(lgb.Booster(model_str=compact).predict(X[300:]),
                                  booster.predict(X[300:]))


def test_a_tree_folder_of_the_plain_format_still_loads_and_a_bad_gzip_is_refused(
        tox21_vectors, tmp_path, monkeypatch):
    import gzip

    from molpred.models import digest
    from molpred.models.digest import file_sha256

    X, y, _ = tox21_vectors
    model = fit_tree_model("gbdt", X[:200], y[:200], TASKS, "classification", members=1)
    folder = save_model(model, tmp_path / "gbdt")
    config = json.loads((folder / "config.json").read_text())
    # the format before compaction: plain trees.json, listed under that name
    (folder / "trees.json").write_bytes(gzip.decompress((folder / "trees.json.gz").read_bytes()))
    (folder / "trees.json.gz").unlink()
    config["files"] = {"trees.json": file_sha256(folder / "trees.json")}
    (folder / "config.json").write_text(json.dumps(config))
    loaded, _ = load_model(folder)
    np.testing.assert_array_equal(loaded.predict_matrix(X[200:]), model.predict_matrix(X[200:]))

    folder = save_model(model, tmp_path / "again")
    config = json.loads((folder / "config.json").read_text())
    (folder / "trees.json.gz").write_bytes(b"not gzip at all")  # sealed anew: only gzip fails
    config["files"] = {"trees.json.gz": file_sha256(folder / "trees.json.gz")}
    (folder / "config.json").write_text(json.dumps(config))
    with pytest.raises(ModelFileError, match="not readable gzip"):
        load_model(folder)
    folder = save_model(model, tmp_path / "bomb")
    monkeypatch.setattr(digest, "MAX_JSON_BYTES", 1000)
    with pytest.raises(ModelFileError, match="unpacks to more than 1,000 bytes"):
        load_model(folder)


def test_a_fit_that_would_miss_its_deadline_stops_after_three_boosters(tox21_vectors,
                                                                        monkeypatch):
    """``--model auto``'s time budget: the first boosters' mean time projects the rest (a
    clock that advances 10 s per reading: 3 boosters read at 40 s project 12 at 160 s)."""
    import itertools
    import types

    from molpred.models.trees import model as trees

    X, y, _ = tox21_vectors

    def fit(deadline: float):
        clock = itertools.count(0.0, 10.0)
        monkeypatch.setattr(trees, "time", types.SimpleNamespace(perf_counter=lambda: next(clock)))
        return fit_tree_model("gbdt", X, y, TASKS, "classification", members=4,
                              deadline=deadline, params={"num_iterations": 5})

    with pytest.raises(trees.OutOfTime, match=r"^12 boosters would take about 160 s \(3 took 40"):
        fit(100.0)
    with pytest.raises(trees.OutOfTime, match="^out of time after 1 of 12 boosters$"):
        fit(15.0)
    assert len(fit(500.0).members) == 4
