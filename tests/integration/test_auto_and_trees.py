"""``auto``, ``gbdt``/``rf`` and ``tune`` end to end on real BBBP molecules, small and fast."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

import molpred
from molpred.exceptions import ModelFileError


@pytest.fixture(scope="module")
def bbbp_file(data_dir, tmp_path_factory):
    frame = pd.read_csv(data_dir / "bbbp.csv").sample(240, random_state=0)
    frame.insert(0, "compound", [f"c{i}" for i in range(len(frame))])  # a text column: no target
    path = tmp_path_factory.mktemp("auto") / "bbbp240.csv"
    frame.to_csv(path, index=False)
    return path


@pytest.fixture(scope="module")
def auto_run(bbbp_file, tmp_path_factory):
    out = tmp_path_factory.mktemp("auto") / "model"
    lines: list[str] = []
    result = molpred.train(bbbp_file, out=out, epochs=3, folds=2, seed=0, workers=1,
                           progress_message=lines.append)
    return result, out, lines


def test_auto_is_the_default_for_a_file_and_reports_what_won(auto_run):
    result, out, lines = auto_run
    auto = result.metrics["auto"]
    # a small file: the network from scratch and the one fine-tuned from molpred-base compete
    assert set(auto["candidates"]) == {"dmpnn", "dmpnn_pretrained", "gbdt", "rf"}
    assert auto["tree_family"] in ("gbdt", "rf")
    better = max(("dmpnn", "dmpnn_pretrained"), key=lambda c: auto["candidates"][c])
    assert auto["network_family"] == better
    assert set(auto["network_epochs"]) == {"dmpnn", "dmpnn_pretrained"}
    assert any("dmpnn_pretrained fold 2 of 2" in line for line in lines)
    assert set(auto["per_task"]) == {"p_np"}
    assert 0.0 <= auto["weights"][0] <= 1.0
    assert any("chose" in line for line in lines) and any("fold 2 of 2" in line for line in lines)
    card = (out / "card.md").read_text()
    assert "p_np" in card and "Test was not used" in card and f"network: **{better}**" in card
    training = json.loads((out / "config.json").read_text())["training"]
    assert training["pretrained_candidate"] == "molpred-base"
    assert training["pretrained"] == ("molpred-base" if better == "dmpnn_pretrained" else None)
    step0 = auto["standardize"]  # step 0 ran and the card says what it chose
    assert step0["chosen_by"] == "cv" and {"cv_standardized", "cv_as_given"} <= set(step0)
    assert ("standardized" if step0["standardize"] else "as given") in card
    config = json.loads((out / "config.json").read_text())
    assert json.dumps(step0["standardize"]) in json.dumps(config)
    assert result.metrics["rows"]["train+val"] + result.metrics["rows"]["test"] <= 240


def test_auto_model_loads_and_predicts_every_row_with_trust_columns(auto_run):
    _, out, _ = auto_run
    predictor = molpred.load(out)
    table = predictor.predict(["CC(=O)Oc1ccccc1C(=O)O", "not a smiles", "CCN(CC)CC"],
                              confidence=0.9)
    assert len(table) == 3 and table["error"].iloc[1] and not table["error"].iloc[0]
    assert np.isfinite(table.loc[[0, 2], "p_np"]).all() and np.isnan(table["p_np"].iloc[1])
    assert {"p_np_std", "p_np_set", "max_similarity", "in_domain"} <= set(table.columns)
    # the error model was fitted on the out-of-fold predictions, without the members' spread
    # (they saw those molecules)
    assert predictor.trust.error_model is not None
    assert "spread" not in predictor.trust.error_model.features
    assert np.isfinite(table.loc[[0, 2], "expected_error"]).all()
    assert np.isnan(table["expected_error"].iloc[1]) and not table["in_domain"].iloc[1]
    # the saved blend predicts what the trained one did
    result, _, _ = auto_run
    test_rows = result.predictions["test"]
    assert test_rows["p_np"].notna().all()


def test_a_changed_blend_file_is_refused(auto_run, tmp_path):
    import shutil

    _, out, _ = auto_run
    copy = tmp_path / "copy"
    shutil.copytree(out, copy)
    blend = json.loads((copy / "blend.json").read_text())
    blend["weights"] = [0.5]
    (copy / "blend.json").write_text(json.dumps(blend))
    with pytest.raises(ModelFileError, match="changed or corrupted"):
        molpred.load(copy)


def test_a_blend_saved_with_half_weights_keeps_its_trees_and_halves_its_network(
        auto_run, bbbp_file, tmp_path):
    """What the shipped panel does to an ``auto`` model: the network part stored as float16,
    the trees (compact, gzip-compressed) untouched; predictions barely move."""
    from safetensors.numpy import load_file

    from molpred.models.blend import BlendModel
    from molpred.models.checkpoint import load_model, save_model

    _, out, _ = auto_run
    model, _ = load_model(out)
    network = molpred.train(bbbp_file, model="dmpnn", epochs=1, seed=0, workers=1,
                            ensemble_size=len(model.members)).model
    smiles = ["CC(=O)Oc1ccccc1C(=O)O", "CCN(CC)CC", "c1ccc2[nH]ccc2c1", "OC(=O)CCCN"]
    blend = BlendModel(network, model.trees, np.full(len(model.config.tasks), 0.5))
    half, config = load_model(save_model(blend, tmp_path / "half", half_weights=True))
    weights = load_file(str(tmp_path / "half" / "network" / "model.safetensors"))
    assert {w.dtype for name, w in weights.items() if name.endswith("weight")} == {
        np.dtype(np.float16)}
    assert (tmp_path / "half" / "trees" / "trees.json.gz").is_file()
    before, after = molpred.Predictor(blend, config), molpred.Predictor(half, config)
    a = before.predict(smiles, domain=False, alerts=False)["p_np"].to_numpy()
    b = after.predict(smiles, domain=False, alerts=False)["p_np"].to_numpy()
    np.testing.assert_allclose(a, b, atol=5e-3)


def test_a_tiny_time_budget_leaves_the_trees_alone(bbbp_file, tmp_path):
    lines: list[str] = []
    result = molpred.train(bbbp_file, model="auto", time_budget=1, folds=2, workers=1,
                           out=tmp_path / "m", progress_message=lines.append)
    assert any("dmpnn skipped" in line for line in lines)
    assert "dmpnn" not in result.metrics["auto"]["candidates"]
    assert result.metrics["auto"]["weights"] == [0.0]
    assert not (tmp_path / "m" / "network").exists() and (tmp_path / "m" / "trees").is_dir()


def test_tune_searches_on_cv_and_resumes_from_its_journal(bbbp_file, tmp_path):
    from molpred.training.tune import tune

    journal = tmp_path / "study.journal"
    first = tune(bbbp_file, model="rf", trials=2, folds=2, storage=journal, workers=1)
    again = tune(bbbp_file, model="rf", trials=1, folds=2, storage=journal, workers=1)
    assert first["trials"] == 2 and again["trials"] == 3
    assert first["metric"] == "roc_auc" and 0.5 < again["best_score"] <= 1.0
    assert again["command"].startswith(f"molpred train {bbbp_file} --model rf --tree-params ")
    import optuna

    study = optuna.load_study(study_name="bbbp240-rf", storage=optuna.storages.JournalStorage(
        optuna.storages.journal.JournalFileBackend(str(journal))))
    drawn = [json.dumps(t.params, sort_keys=True) for t in study.trials]
    assert len(set(drawn)) == 3  # the resumed trial did not repeat trial 1's settings


def test_step0_keeps_clintox_salts_and_standardizes_where_it_changes_nothing(data_dir,
                                                                            tmp_path):
    """ClinTox's labels ride on salt forms (approved drugs are often salts): its gbdt OOF
    score is far higher on molecules as given; on ESOL's neutral compounds the two
    featurizations score alike and standardization, the default, stays."""
    from molpred.featurizers.featurize import FeaturizerConfig
    from molpred.names import VECTOR_FEATURES
    from molpred.training.auto import choose_standardization
    from molpred.training.prepare import prepare_dataset

    for name, rows, want in (("clintox", 700, False), ("delaney", 300, True)):
        head = tmp_path / f"{name}.csv"
        pd.read_csv(data_dir / f"{name}.csv").head(rows).to_csv(head, index=False)
        variants = {flag: prepare_dataset(head,
                                          FeaturizerConfig(graph=False, vector=VECTOR_FEATURES,
                                                           standardize=flag), workers=2)
                    for flag in (True, False)}
        smiles = variants[True].table.smiles
        chosen = choose_standardization(variants, np.arange(rows), smiles, folds=3, seed=0)
        assert chosen["standardize"] is want, (name, chosen)
        if name == "clintox":
            assert chosen["cv_as_given"] > chosen["cv_standardized"] + 0.05


def test_a_tree_family_past_its_share_of_the_budget_is_dropped(bbbp_file, tmp_path,
                                                               monkeypatch):
    """A many-task file would keep the trees busy for hours: each family past its share of
    --time-budget is dropped and said so; the networks and the rest still run."""
    import molpred.training.auto as auto

    monkeypatch.setattr(auto, "TREE_SHARE", 1e-9)  # every family is out of time at once
    lines: list[str] = []
    result = molpred.train(bbbp_file, model="auto", time_budget=200, folds=2, epochs=2,
                           workers=1, out=tmp_path / "m", progress_message=lines.append)
    step0 = result.metrics["auto"]["standardize"]  # step 0's gbdt is bounded alike
    assert step0["standardize"] and step0["chosen_by"] == "default"
    assert "- molecules: **standardized** (the default: step 0's gbdt fold 1 of 2" in (
        tmp_path / "m" / "card.md").read_text()
    dropped = [line for line in lines if "dropped: " in line]
    assert [line.split()[1] for line in dropped] == ["gbdt", "rf"]
    assert "fold 1 of 2 (its 0 s): out of time after 0 of 1 boosters" in dropped[0]
    assert set(result.metrics["auto"]["candidates"]) == {"dmpnn", "dmpnn_pretrained"}
    assert result.metrics["auto"]["weights"] == [1.0]
    assert set(result.metrics["auto"]["dropped"]) == {"gbdt", "rf"}
    assert "- rf not compared: fold 1 of 2 (its 0 s): out of time" in (
        tmp_path / "m" / "card.md").read_text()


def test_a_budget_too_short_for_both_networks_still_runs_the_first(bbbp_file, tmp_path,
                                                                  monkeypatch):
    """Two networks that cannot both get MIN_NETWORK_SECONDS a fold: the D-MPNN from scratch
    runs on what is left and the pretrained one gives way, said and recorded; before, both
    were skipped as soon as half the budget was under the minimum (a user's 180 s budget
    on 300 ESOL molecules came out with trees only, 160 s unused). auto's clock is moved on
    500 s after the first network, as if it had used them."""
    import time as real_time
    from types import SimpleNamespace

    import molpred.training.auto as auto

    clock = {"offset": 0.0}
    monkeypatch.setattr(auto, "time", SimpleNamespace(
        perf_counter=lambda: real_time.perf_counter() + clock["offset"]))
    fit = auto._cross_fit_network

    def fit_then_late(*args, **kwargs):
        out = fit(*args, **kwargs)
        clock["offset"] += 500.0
        return out

    monkeypatch.setattr(auto, "_cross_fit_network", fit_then_late)
    monkeypatch.setattr(auto, "MIN_NETWORK_SECONDS", 300.0)  # 2 folds: 600 s per network
    lines: list[str] = []
    result = molpred.train(bbbp_file, model="auto", time_budget=1000, folds=2, epochs=2,
                           workers=1, standardize=True, out=tmp_path / "m",
                           progress_message=lines.append)
    auto_metrics = result.metrics["auto"]
    assert "dmpnn" in auto_metrics["candidates"]  # 1000 s less the trees: one network fits
    assert not any("dmpnn skipped" in line for line in lines)
    assert "dmpnn_pretrained" not in auto_metrics["candidates"]  # under 600 s were left
    assert "under 300 s per fold" in auto_metrics["dropped"]["dmpnn_pretrained"]
    assert any(line.startswith("auto: dmpnn_pretrained skipped: ") for line in lines)
    assert "- dmpnn_pretrained not compared: " in (tmp_path / "m" / "card.md").read_text()


def test_when_every_candidate_is_dropped_or_skipped_the_first_tree_family_still_comes_out(
        bbbp_file, tmp_path, monkeypatch):
    import molpred.training.auto as auto

    monkeypatch.setattr(auto, "TREE_SHARE", 1e-9)  # both tree families out of time at once
    monkeypatch.setattr(auto, "_network_can_run", lambda *_: True)  # so none is exempt,
    monkeypatch.setattr(auto, "MIN_NETWORK_SECONDS", 1e9)  # but no network gets its time
    lines: list[str] = []
    result = molpred.train(bbbp_file, model="auto", time_budget=200, folds=2, workers=1,
                           standardize=True, progress_message=lines.append)
    assert any("no candidate finished within the time budget; gbdt is fitted" in line
               for line in lines)
    assert list(result.metrics["auto"]["candidates"]) == ["gbdt"]
    dropped = result.metrics["auto"]["dropped"]
    assert set(dropped) == {"rf", "dmpnn", "dmpnn_pretrained"}
    assert "s budget left, under 1000000000 s per fold" in dropped["dmpnn"]
    assert result.metrics["auto"]["weights"] == [0.0] and 0.5 < result.metrics["test"]["score"]


def test_auto_regression_intervals_hold_their_coverage_on_unseen_scaffolds(data_dir, tmp_path):
    """``auto``'s conformal intervals are fitted on out-of-fold predictions of train+val
    molecules that K-1 of the K final members saw: their spread follows the OOF error, so
    intervals normalized by it were far narrower than new molecules need (here 0.63 of the
    test molecules inside 90 % intervals; ESOL's benchmark test parts 0.66-0.86). They are
    plain split-conformal intervals: a molecule's width does not depend on its members'
    spread, and held-out scaffolds are covered near the confidence."""
    from molpred.training.auto import train_auto
    from molpred.training.settings import (
        AutoSettings,
        DataSettings,
        ModelSettings,
        RunSettings,
        SplitSettings,
        TrainSettings,
    )

    frame = pd.read_csv(data_dir / "delaney.csv").sample(700, random_state=1)
    path = tmp_path / "esol700.csv"
    frame.to_csv(path, index=False)
    settings = TrainSettings(
        data=DataSettings(task_type="regression"),
        split=SplitSettings(split_sizes=(0.6, 0.1, 0.3)),
        model=ModelSettings(standardize=True), auto=AutoSettings(folds=3),
        run=RunSettings(out=tmp_path / "m", workers=1))
    result = train_auto(path, settings, candidates=("gbdt",))
    assert "sigmas" not in result.trust.val
    # the error model reads a value's extremity, as an ensemble's does, and no spread
    assert set(result.trust.error_model.features) == {"dissimilarity", "distance", "extremity"}
    report = result.metrics["trust"]
    assert report["molecules"] >= 180
    assert 0.82 <= report["coverage"] <= 0.98, report
    predictor = molpred.load(tmp_path / "m")
    smiles = ["CCCCCCCCCCCC", "c1ccc2ccccc2c1", "OCC(O)CO", "Clc1ccc(Cl)cc1Cl"]
    table = predictor.predict(smiles, confidence=0.9)
    task = predictor.tasks[0]
    low, high = table[f"{task}_lower"], table[f"{task}_upper"]
    assert (low < table[task]).all() and (table[task] < high).all()
    # the members' spread differs, the width does not within one similarity bin
    values = table[[task]].to_numpy()
    spread = np.array([[0.01], [1.0], [0.3], [2.0]])
    same_bin = np.full(len(smiles), 0.5)
    bounds = predictor.trust.intervals(values, spread, 0.9, same_bin)[:, 0]
    np.testing.assert_allclose(bounds[:, 1] - bounds[:, 0], bounds[0, 1] - bounds[0, 0])


def test_auto_domain_distances_come_from_the_fold_model_that_did_not_train_on_a_molecule(
        bbbp_file, tmp_path, monkeypatch):
    """With a network in the blend, each train+val molecule's embedding distance is taken by
    the fold model that did not train on it (member k = fold k's model)."""
    import molpred.trust.domain as domain
    from molpred.training.auto import train_auto
    from molpred.training.settings import (
        AutoSettings,
        ModelSettings,
        OptimSettings,
        RunSettings,
        TrainSettings,
    )

    calls = []
    real = domain.out_of_fold_distance

    def spy(embedding, embeddings, fold):
        calls.append((len(embedding), embeddings.shape[0], np.bincount(fold).tolist()))
        return real(embedding, embeddings, fold)

    monkeypatch.setattr(domain, "out_of_fold_distance", spy)
    settings = TrainSettings(model=ModelSettings(standardize=True), optim=OptimSettings(epochs=2),
                             auto=AutoSettings(folds=2), run=RunSettings(workers=1))
    result = train_auto(bbbp_file, settings, candidates=("dmpnn",))
    assert calls == [(2, 2, result.metrics["auto"]["folds"])]
    assert 0 < result.trust.max_distance < np.inf


def test_refitting_an_auto_models_trust_reproduces_what_training_fitted(bbbp_file, tmp_path):
    """``refit_cross_trust`` re-creates a saved ``auto`` model's folds and out-of-fold
    predictions (member k predicting fold k) and fits its trust as training did: the same
    calibration, out-of-fold values, domain thresholds and error model; it refuses rows or
    folds the trust file was not fitted on."""
    from molpred.models.checkpoint import load_model
    from molpred.training.auto import cross_validation_rows, train_auto
    from molpred.training.prepare import prepare_dataset
    from molpred.training.settings import (
        AutoSettings,
        ModelSettings,
        OptimSettings,
        RunSettings,
        TrainSettings,
    )
    from molpred.training.splitting import resolve_split
    from molpred.training.trust import refit_cross_trust
    from molpred.trust.model import TrustModel

    out = tmp_path / "auto"
    settings = TrainSettings(model=ModelSettings(standardize=True), optim=OptimSettings(epochs=2),
                             auto=AutoSettings(folds=2), run=RunSettings(workers=1, out=out))
    train_auto(bbbp_file, settings, candidates=("dmpnn", "gbdt"))
    model, _ = load_model(out)
    saved = TrustModel.load(out)
    prepared = prepare_dataset(bbbp_file, model.config.featurizer_config)
    parts = resolve_split(prepared, None, None, settings.split.split, settings.split.split_sizes,
                          settings.optim.seed)
    pool, fold_rows = cross_validation_rows(prepared, parts, 2, settings.optim.seed)

    refit = refit_cross_trust(saved, model, prepared, pool, fold_rows, device="cpu")
    np.testing.assert_allclose(refit.val["values"], saved.val["values"], atol=1e-6)
    np.testing.assert_allclose(refit.platt, saved.platt, rtol=1e-5)
    assert refit.maps.keys() == saved.maps.keys()
    assert refit.max_distance == pytest.approx(saved.max_distance, rel=1e-5)
    assert refit.min_similarity == saved.min_similarity
    assert refit.domain_rule == saved.domain_rule
    assert (refit.error_model is None) == (saved.error_model is None)
    if saved.error_model is not None:
        a, b = refit.error_model.to_dict(), saved.error_model.to_dict()
        assert a.keys() == b.keys()
        for key in ("weights", "threshold"):
            np.testing.assert_allclose(a[key], b[key], rtol=1e-4, atol=1e-8)

    with pytest.raises(ValueError, match="folds"):  # another partition of the same rows
        refit_cross_trust(saved, model, prepared, pool, [pool[::2], pool[1::2]], device="cpu")
    with pytest.raises(ValueError, match="labels"):  # other rows
        refit_cross_trust(saved, model, prepared, pool[1:], fold_rows, device="cpu")
