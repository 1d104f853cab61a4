"""Pretraining runs, resumes where it was cut off and exports a backbone; the shipped backbone
fine-tunes on 500 molecules with no network."""

from __future__ import annotations

import csv
import gzip
import json
import socket

import pandas as pd
import pytest
import torch
from tests_support import DATA_DIR

import molpred.pretraining.fit as fit
from molpred.exceptions import InputError
from molpred.predictor import load
from molpred.pretraining.backbone import load_backbone
from molpred.pretraining.embed import backbone_predictor
from molpred.pretraining.fit import PretrainSettings, pretrain
from molpred.training.api import train

CORPUS = DATA_DIR.parent / "corpora" / "moses_train.csv.gz"


@pytest.fixture
def tiny_benchmark(tmp_path):
    """A corpus of 260 real molecules (MOSES, else BBBP) whose 5th is a benchmark test
    molecule as a salt, and a one-dataset benchmark holding it in its test part."""
    source = CORPUS if CORPUS.exists() else DATA_DIR / "bbbp.csv"
    opener = gzip.open if source.suffix == ".gz" else open
    with opener(source, "rt") as handle:
        rows = [line.split(",")[0] for line, _ in zip(handle, range(262))][1:]
    test_molecule = "OC(=O)c1ccccc1O"  # salicylic acid
    corpus = rows[:4] + ["[Na+].[O-]C(=O)c1ccccc1O"] + rows[4:]
    (tmp_path / "corpus.csv").write_text("SMILES\n" + "\n".join(corpus) + "\n")
    datasets, splits = tmp_path / "datasets", tmp_path / "splits"
    datasets.mkdir()
    splits.mkdir()
    (datasets / "mini.csv").write_text(f"smiles,y\nCCO,1\nCCCO,0\n{test_molecule},1\n")
    (splits / "mini.json").write_text(json.dumps({"dataset": "mini.csv", "splits": {
        "seed0": {"train": [0], "val": [1], "test": [2]}}}))
    return PretrainSettings(corpus=str(tmp_path / "corpus.csv"), size=240,
                            datasets_dir=str(datasets), splits_dir=str(splits), epochs=2,
                            batch_size=32, hidden_size=32, depth=2)


def test_pretraining_cut_off_mid_epoch_resumes_to_the_weights_of_an_unbroken_run(
        tiny_benchmark, tmp_path, monkeypatch):
    whole = pretrain(tiny_benchmark, tmp_path / "whole")
    run = tmp_path / "run"
    original = fit.DescriptorPretrainer.training_step
    steps, cut = [], [True]

    def cut_off(self, batch, batch_idx):
        steps.append(self.global_step)
        if cut[0] and self.global_step == 11:  # mid-epoch 2 (8 steps per epoch)
            raise RuntimeError("session cut off")
        return original(self, batch, batch_idx)

    monkeypatch.setattr(fit.DescriptorPretrainer, "training_step", cut_off)
    with pytest.raises(RuntimeError, match="cut off"):
        pretrain(tiny_benchmark, run)
    assert (run / "checkpoints" / "last.ckpt").exists() and not (run / "backbone").exists()
    with pytest.raises(InputError, match="other settings"):
        pretrain(PretrainSettings(**{**tiny_benchmark.__dict__, "epochs": 3}), run)
    lines, steps[:], cut[0] = [], [], False
    pretrain(tiny_benchmark, run, report=lines.append)
    assert any("resuming" in line for line in lines)
    assert steps == list(range(8, 16))  # epoch 2 redone whole, epoch 1 not again
    history = list(csv.DictReader((run / "history.csv").open()))
    assert [row["epoch"] for row in history] == ["1", "2"]  # each epoch once
    resumed, unbroken = load_backbone(run / "backbone"), load_backbone(whole / "backbone")
    for name, value in unbroken.state.items():
        assert torch.allclose(resumed.state[name], value, atol=1e-6), name
    corpus = json.loads((run / "corpus.json").read_text())
    assert corpus["held_out_test_molecules"] == 1 and corpus["size"] == 240
    assert resumed.encoder_params["hidden_size"] == 32
    assert resumed.card["corpus"]["digest"] == corpus["digest"]
    frame = backbone_predictor(run / "backbone").embed(["CCO", "c1ccccc1", "nope"])
    assert frame.filter(like="emb_").shape == (3, 32)
    assert frame["error"].tolist()[:2] == ["", ""] and frame["error"][2]


def test_a_session_out_of_time_keeps_its_last_epoch_and_exports_nothing(tiny_benchmark, tmp_path):
    run = tmp_path / "run"
    pretrain(tiny_benchmark, run, max_seconds=0.0)  # stops after its first batch
    assert not (run / "backbone").exists() and not (run / "history.csv").exists()
    pretrain(tiny_benchmark, run)
    assert load_backbone(run / "backbone").card["history"][-1]["epoch"] == 2


@pytest.fixture
def no_network(monkeypatch):
    def refuse(*args, **kwargs):
        raise OSError("network disabled in this test")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(socket, "getaddrinfo", refuse)


@pytest.fixture
def bbbp_500(tmp_path):
    path = tmp_path / "bbbp_500.csv"
    pd.read_csv(DATA_DIR / "bbbp.csv").head(500).to_csv(path, index=False)
    return path


def test_the_shipped_backbone_fine_tunes_on_500_molecules_offline(no_network, bbbp_500, tmp_path):
    with pytest.raises(OSError):
        socket.create_connection(("pypi.org", 443))
    backbone = load_backbone("molpred-base")
    frozen = train(bbbp_500, targets=["p_np"], model="dmpnn", pretrained="molpred-base",
                   freeze_encoder=True, epochs=2, workers=1, out=tmp_path / "frozen")
    for name, value in frozen.model.encoder.state_dict().items():
        assert torch.equal(value, backbone.state[name]), name  # started from it, kept it
    tuned = train(bbbp_500, targets=["p_np"], pretrained="molpred-base", epochs=2, workers=1,
                  out=tmp_path / "tuned", encoder_lr_ratio=0.5)
    moved = [not torch.equal(v, backbone.state[k])
             for k, v in tuned.model.encoder.state_dict().items()]
    assert all(moved)
    saved = load(tmp_path / "tuned").predict(["CCN(CC)CC(=O)Nc1c(C)cccc1C", "C1CC1"])
    assert saved["p_np"].between(0, 1).all() and (saved["error"] == "").all()
    config = json.loads((tmp_path / "tuned" / "config.json").read_text())
    assert config["training"]["pretrained"] == "molpred-base"
    assert config["training"]["encoder_lr_ratio"] == 0.5


def test_fine_tuning_refuses_other_families_and_architectures(bbbp_500):
    with pytest.raises(InputError, match="--from-pretrained fine-tunes a network"):
        train(bbbp_500, targets=["p_np"], model="gbdt", pretrained="molpred-base")
    with pytest.raises(InputError, match="is a dmpnn encoder"):
        train(bbbp_500, targets=["p_np"], model="gin", pretrained="molpred-base")
    with pytest.raises(InputError, match="drop --hidden-size"):
        train(bbbp_500, targets=["p_np"], pretrained="molpred-base", hidden_size=64)


def test_auto_starts_its_dmpnn_candidate_from_the_backbone(bbbp_500, tmp_path, monkeypatch):
    import molpred.pretraining.backbone as backbone_module

    loaded = []
    original = backbone_module.load_backbone

    def counting(name):
        loaded.append(str(name))
        return original(name)

    monkeypatch.setattr(backbone_module, "load_backbone", counting)
    result = train(bbbp_500, targets=["p_np"], model="auto", pretrained="molpred-base",
                   standardize=True, folds=2, epochs=2, workers=1, out=tmp_path / "auto")
    assert loaded.count("molpred-base") >= 3  # the settings check, then each of the 2 folds
    auto = result.metrics["auto"]
    assert auto["network_epoch"] is not None
    assert set(auto["network_epochs"]) == {"dmpnn", "dmpnn_pretrained"}
    config = json.loads((tmp_path / "auto" / "config.json").read_text())
    assert config["training"]["pretrained_candidate"] == "molpred-base"


def test_auto_leaves_the_pretrained_candidate_out_when_asked_or_when_the_set_is_large(
        bbbp_500, tmp_path, monkeypatch):
    import molpred.training.auto as auto_module

    lines: list[str] = []
    result = train(bbbp_500, targets=["p_np"], model="auto", pretrained="none", standardize=True,
                   folds=2, epochs=1, workers=1, progress_message=lines.append)
    assert set(result.metrics["auto"]["candidates"]) == {"dmpnn", "gbdt", "rf"}
    monkeypatch.setattr(auto_module, "PRETRAINED_MAX_MOLECULES", 100)  # 500 is "large" now
    result = train(bbbp_500, targets=["p_np"], model="auto", standardize=True, folds=2,
                   epochs=1, workers=1, progress_message=lines.append)
    assert set(result.metrics["auto"]["candidates"]) == {"dmpnn", "gbdt", "rf"}
    assert any("dmpnn_pretrained not tried" in line for line in lines)


def test_a_cards_recommended_depth_gives_way_to_the_backbone(monkeypatch):
    """BBBP's card recommends depth 5; fine-tuning the depth-3 backbone takes depth 3 (only a
    depth the caller asks for is refused)."""
    import molpred.training.api as api

    seen = {}

    def stop(prepared_source, featurizer, *args, **kwargs):
        raise RuntimeError("stop before featurizing")

    monkeypatch.setattr(api, "prepare_dataset", stop)
    original = api.fine_tune_encoder_params

    def spy(model, name, overrides):
        seen["overrides"] = overrides
        return original(model, name, overrides)

    monkeypatch.setattr(api, "fine_tune_encoder_params", spy)
    with pytest.raises(RuntimeError, match="stop before"):
        train("bbbp", pretrained="molpred-base")
    assert seen["overrides"] == {}
    with pytest.raises(InputError, match="drop --depth"):
        train("bbbp", pretrained="molpred-base", depth=5)
