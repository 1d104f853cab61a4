"""Grouped training settings: keywords reach the right group, typos are refused."""

from dataclasses import fields

import pytest

import molpred
from molpred.training.settings import GROUPS, ModelSettings, TrainSettings


def test_each_keyword_lands_in_its_group_and_the_rest_keep_their_defaults():
    base = TrainSettings(model=ModelSettings(model="gbdt", ensemble_size=5))
    s = base.with_keywords(lr=3e-4, out="runs/x", split_key="seed2", time_budget=60.0,
                           targets=["p_np"], extra_features=["rdkit2d_fast"])
    assert (s.optim.lr, s.run.out, s.split.split_key, s.auto.time_budget) == (
        3e-4, "runs/x", "seed2", 60.0)
    assert s.data.targets == ["p_np"] and s.model.extra_features == ["rdkit2d_fast"]
    assert (s.model.model, s.model.ensemble_size) == ("gbdt", 5)  # untouched by the keywords
    assert s.optim.batch_size == 64 and s.split.split == "scaffold"
    assert base.optim.lr == 1e-3  # frozen: with_keywords returns a copy


def test_no_setting_name_is_in_two_groups():
    names = [f.name for cls in GROUPS.values() for f in fields(cls)]
    assert len(names) == len(set(names))


def test_a_mistyped_keyword_names_the_closest_setting(data_dir):
    with pytest.raises(TypeError, match=r"unexpected setting 'learning_rat'.*"):
        TrainSettings().with_keywords(learning_rat=0.1)
    with pytest.raises(TypeError, match=r"'epoch'; did you mean epochs"):
        molpred.train("bbbp", epoch=3)  # refused before anything is read


def test_grouped_and_keyword_settings_train_the_same_model(tmp_path, data_dir):
    """molpred.train(data, TrainSettings(...)) and the same settings as keywords give the
    same scores on real molecules (gbdt: deterministic; 300 BBBP molecules, seconds)."""
    import pandas as pd

    from molpred.training.settings import OptimSettings, RunSettings, SplitSettings

    data = tmp_path / "bbbp300.csv"
    pd.read_csv(data_dir / "bbbp.csv").head(300).to_csv(data, index=False)
    grouped = molpred.train(data, TrainSettings(
        model=ModelSettings(model="gbdt", ensemble_size=1),
        split=SplitSettings(split="random"), optim=OptimSettings(seed=3),
        run=RunSettings(out=tmp_path / "a", workers=1)))
    flat = molpred.train(data, model="gbdt", ensemble_size=1, split="random", seed=3,
                         out=tmp_path / "b", workers=1)
    assert grouped.metrics["test"]["score"] == flat.metrics["test"]["score"]
    assert 0.6 < flat.metrics["test"]["score"] <= 1.0
    assert grouped.metrics["rows"] == flat.metrics["rows"]
