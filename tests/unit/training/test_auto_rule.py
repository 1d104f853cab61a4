"""The pieces of auto's rule on real molecules: scaffold folds, the blend choice, defaults."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest

from molpred.exceptions import InputError
from molpred.training.api import default_model
from molpred.training.auto import choose_blend
from molpred.training.folds import murcko_scaffold, scaffold_folds
from molpred.training.prepare import label_columns, load_labelled


def test_scaffold_folds_partition_rows_and_never_share_a_scaffold(tox21):
    smiles = tox21["smiles"].tolist()
    rows = np.arange(0, 900, dtype=np.int64)
    folds = scaffold_folds(smiles, rows, 3, seed=1)
    assert sorted(np.concatenate(folds).tolist()) == rows.tolist()
    scaffolds = [{murcko_scaffold(smiles[r]) for r in f} for f in folds]
    for a in range(3):
        for b in range(a + 1, 3):
            assert not scaffolds[a] & scaffolds[b]
    assert min(len(f) for f in folds) > 150  # balanced enough to validate on


def _prepared(y: np.ndarray, task_type: str = "classification"):
    return SimpleNamespace(y=y, tasks=[f"t{j}" for j in range(y.shape[1])], task_type=task_type)


def test_blend_follows_the_out_of_fold_scores():
    rng = np.random.default_rng(0)
    y = rng.integers(0, 2, size=(400, 2)).astype(float)
    noise = rng.random((400, 2))
    good, bad = 0.3 * y + 0.7 * noise, rng.random((400, 2))  # good: ROC-AUC about 0.9
    pool = np.arange(400)
    chosen = choose_blend(_prepared(y), pool, {"dmpnn": good, "gbdt": bad, "rf": bad})
    assert chosen["weights"] == [1.0, 1.0] and chosen["dataset_weight"] == 1.0
    chosen = choose_blend(_prepared(y), pool, {"dmpnn": bad, "gbdt": bad * 0.5, "rf": good})
    assert chosen["tree_family"] == "rf" and chosen["weights"] == [0.0, 0.0]
    # a task whose rarer class has fewer than 30 OOF molecules takes the dataset-level weight
    y_rare = y.copy()
    y_rare[:, 1] = 0.0
    y_rare[:10, 1] = 1.0
    mixed = good.copy()
    mixed[:, 1] = rng.random(400)
    chosen = choose_blend(_prepared(y_rare), pool, {"dmpnn": mixed, "gbdt": bad})
    assert not chosen["per_task"]["t1"]["own_weight"]
    assert chosen["weights"][1] == chosen["dataset_weight"]


def test_the_better_network_enters_the_blend_and_a_tie_goes_to_the_one_from_scratch():
    rng = np.random.default_rng(2)
    y = rng.integers(0, 2, size=(400, 1)).astype(float)
    good, bad = 0.3 * y + 0.7 * rng.random((400, 1)), rng.random((400, 1))
    pool = np.arange(400)
    chosen = choose_blend(_prepared(y), pool, {"dmpnn": bad, "dmpnn_pretrained": good,
                                               "gbdt": bad})
    assert chosen["network_family"] == "dmpnn_pretrained" and chosen["weights"] == [1.0]
    assert chosen["candidates"]["dmpnn_pretrained"] > chosen["candidates"]["dmpnn"]
    chosen = choose_blend(_prepared(y), pool, {"dmpnn": good, "dmpnn_pretrained": good.copy(),
                                               "gbdt": bad})
    assert chosen["network_family"] == "dmpnn"
    chosen = choose_blend(_prepared(y), pool, {"gbdt": good})  # trees alone
    assert chosen["network_family"] is None and chosen["weights"] == [0.0]


def test_regression_blend_minimizes_rmse():
    rng = np.random.default_rng(1)
    y = rng.normal(size=(300, 1))
    a = y + rng.normal(scale=0.5, size=y.shape)
    b = y + rng.normal(scale=0.5, size=y.shape)
    chosen = choose_blend(_prepared(y, "regression"), np.arange(300), {"dmpnn": a, "gbdt": b})
    assert chosen["dataset_weight"] == 0.5  # two independent errors: averaging wins
    assert chosen["cv_score"]["score"] < min(np.sqrt(np.mean((a - y) ** 2)),
                                             np.sqrt(np.mean((b - y) ** 2)))


def test_default_model_is_auto_for_files_and_dmpnn_for_moleculenet_names(tmp_path):
    assert default_model("tox21") == "dmpnn"
    assert default_model(tmp_path / "mine.csv") == "auto"
    assert default_model(str(tmp_path / "mine.csv")) == "auto"


def test_numeric_columns_become_targets_when_none_are_named(tox21, tmp_path):
    frame = tox21.head(300)[["smiles", "NR-AR", "SR-p53"]].copy()  # both classes in each
    frame.insert(0, "id", [f"mol{i}" for i in range(300)])
    frame["comment"] = "tested in 2014"
    path = Path(tmp_path / "mine.csv")
    frame.to_csv(path, index=False)
    table, card, kind = load_labelled(path)
    assert card is None and kind == "classification"
    assert table.targets == ["NR-AR", "SR-p53"] == label_columns(table)
    assert pd.isna(table.y).any()  # missing labels stay missing


def test_target_columns_nothing_can_be_learnt_from_are_refused_naming_them(data_dir, tmp_path):
    """A column of one class, or of three labels, trained silently before and predicted a
    confident constant for every molecule (NaN score). It is refused with what it holds and
    the --targets that leaves it out; a learnable file still loads."""
    frame = pd.read_csv(data_dir / "bbbp.csv").head(150)
    frame["allzero"] = 0
    frame["sparse"] = [1.0, 0.0, 1.0] + [np.nan] * 147
    path = tmp_path / "assay.csv"
    frame.to_csv(path, index=False)
    with pytest.raises(InputError, match=r"'allzero' \(150 labels, 0 of class 1 and 150 of class "
                                         r"0\); 'sparse' \(3 labels, 2 of class 1 and 1 of class "
                                         r"0\).*--targets p_np"):
        load_labelled(path)
    assert load_labelled(path, targets=["p_np"])[0].targets == ["p_np"]
    frame["constant"] = 2.5
    frame[["smiles", "constant"]].to_csv(path, index=False)
    with pytest.raises(InputError, match="'constant' .150 labels, every one 2.5.*No other"):
        load_labelled(path, task_type="regression")


def test_scoring_on_labels_of_one_class_is_not_refused(data_dir, tmp_path):
    """An external test file may hold one class for a task: evaluation reads it (the task's
    ROC-AUC is skipped), only training refuses it."""
    import molpred
    from molpred.training.evaluate import evaluate

    frame = pd.read_csv(data_dir / "bbbp.csv").head(60)
    train_file, external = tmp_path / "train.csv", tmp_path / "external.csv"
    frame.to_csv(train_file, index=False)
    molpred.train(train_file, model="gbdt", workers=1, out=tmp_path / "m")
    frame.head(20).assign(p_np=1).to_csv(external, index=False)
    with pytest.raises(InputError, match="nothing to learn"):
        molpred.train(external, model="gbdt", workers=1)
    result = evaluate(tmp_path / "m", external, workers=1)
    assert result["rows"] == 20 and np.isnan(result["score"])  # one class: no ROC-AUC


def test_the_task_line_counts_repeated_smiles_and_those_whose_labels_disagree(data_dir,
                                                                             tmp_path):
    from molpred.featurizers.featurize import FeaturizerConfig
    from molpred.training.prepare import describe_tasks, prepare_dataset

    frame = pd.read_csv(data_dir / "bbbp.csv").head(40)
    extra = frame.head(3).copy()
    extra.loc[extra.index[0], "p_np"] = 1 - extra["p_np"].iloc[0]  # one copy disagrees
    path = tmp_path / "repeats.csv"
    pd.concat([frame, extra]).to_csv(path, index=False)
    config = FeaturizerConfig(graph=False, vector=("ecfp_counts",), standardize=False)
    line = describe_tasks(prepare_dataset(path, config, workers=1), named=False)
    assert line.endswith("; 3 SMILES appear more than once, 1 of them with different labels "
                         "(trained on as given)")
    frame.to_csv(path, index=False)
    assert "more than once" not in describe_tasks(prepare_dataset(path, config, workers=1))
