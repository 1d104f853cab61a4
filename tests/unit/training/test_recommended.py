"""Per-dataset recommended settings: read from the dataset cards, filled in only where the
caller gave nothing, the default model's hyper-parameters kept to the default model."""

import json
from pathlib import Path

import pytest

from molpred.data.cards import DatasetCard
from molpred.exceptions import DatasetError
from molpred.training.fit import FitSettings
from molpred.training.recommended import PLAIN, describe, recommended_config, with_recommended

UNSET = {"standardize": None, "extra_features": None, "ensemble_size": None, "epochs": None,
         "encoder_params": {}}


def test_tox21_takes_its_descriptors_and_a_file_takes_nothing():
    settings, applied = with_recommended("tox21", "dmpnn", UNSET)
    assert settings["extra_features"] == ["rdkit2d"] and applied == {"extra_features": ["rdkit2d"]}
    assert settings["standardize"] is True and settings["epochs"] == FitSettings.epochs
    settings, applied = with_recommended("runs/my_tox21.csv", "dmpnn", UNSET)
    assert applied == {} and list(settings["extra_features"]) == []
    assert recommended_config("TOX21")["extra_features"] == ["rdkit2d"]
    assert recommended_config(Path("tox21")) == {}  # a Path is always a file


def test_what_the_caller_gives_wins_and_plain_ignores_the_card():
    settings, applied = with_recommended("tox21", "dmpnn", {**UNSET, "extra_features": []})
    assert settings["extra_features"] == [] and applied == {}
    settings, applied = with_recommended("clintox", "dmpnn", UNSET, use=False)
    assert settings["standardize"] is True and applied == {}
    settings, applied = with_recommended("clintox", "mlp", UNSET)
    assert settings["standardize"] is False and applied == {"standardize": False}


def test_hyper_parameters_go_to_the_default_model_only(monkeypatch):
    config = {"encoder_params": {"depth": 5, "dropout": 0.2}, "head_params": {"num_layers": 2},
              "epochs": 80, "ensemble_size": 3, "extra_features": ["ecfp"]}
    monkeypatch.setattr("molpred.training.recommended.recommended_configs",
                        lambda: {"bbbp": config})
    settings, applied = with_recommended("bbbp", "dmpnn", {**UNSET,
                                                           "encoder_params": {"depth": 4}})
    assert settings["encoder_params"] == {"depth": 4, "dropout": 0.2}  # explicit depth wins
    assert applied["encoder_params"] == {"dropout": 0.2}
    assert (settings["epochs"], settings["ensemble_size"]) == (80, 3)
    assert settings["head_params"] == {"num_layers": 2}
    other, applied_other = with_recommended("bbbp", "gin", UNSET)
    assert other["encoder_params"] == {} and other["head_params"] == {}
    assert (other["epochs"], other["ensemble_size"]) == (PLAIN["epochs"], 1)
    assert applied_other == {"extra_features": ["ecfp"]}  # features apply to every encoder
    assert describe(applied) == ("ECFP4 bits into the head; ensemble of 3; dmpnn dropout 0.2; "
                                 "head num layers 2; 80 epochs")


def test_plain_epochs_are_the_fit_default():
    assert PLAIN["epochs"] == FitSettings.epochs


def test_a_card_with_a_bad_recommendation_is_refused_naming_it(monkeypatch):
    card = json.loads((Path(__file__).resolve().parents[3] / "datasets" / "bbbp.json").read_text())
    card["recommended"] = {"encoder_params": {"depth": "five"}, "epochs": 0}
    with pytest.raises(DatasetError, match=r"bbbp card: recommended settings: epochs must be"):
        DatasetCard.from_dict(card, source="bbbp card")
    # parameter names are checked where the settings are used (reading a card needs no torch)
    card["recommended"] = {"encoder_params": {"depht": 4}}
    parsed = DatasetCard.from_dict(card, source="bbbp card")
    monkeypatch.setattr("molpred.data.cards.list_cards", lambda: [parsed])
    with pytest.raises(DatasetError, match=r"bbbp card: recommended settings: encoder_params .*"
                                           r"unknown: \['depht'\]"):
        with_recommended("bbbp", "dmpnn", UNSET)
