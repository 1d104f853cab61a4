"""Multiclass pieces on their own: loss, metric, task inference, label mapping, config and
schema checks, temperature scaling and label-conditional conformal sets."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from sklearn.metrics import roc_auc_score

from molpred.exceptions import InputError, ModelFileError
from molpred.models.model import ModelConfig
from molpred.training.losses import masked_loss
from molpred.training.metrics import score_predictions
from molpred.training.prepare import class_indices, infer_task_type
from molpred.trust.calibration import apply_temperature, fit_temperature
from molpred.trust.conformal import MulticlassConformal


def test_the_loss_is_cross_entropy_over_labelled_rows_only():
    raw = torch.tensor([[2.0, 0.0, -1.0], [0.0, 3.0, 0.0], [5.0, 5.0, 5.0]])
    target = torch.tensor([[0.0], [1.0], [float("nan")]])
    expected = torch.nn.functional.cross_entropy(raw[:2], torch.tensor([0, 1]))
    assert torch.isclose(masked_loss(raw, target, "multiclass"), expected)
    nothing = masked_loss(raw, torch.full((3, 1), float("nan")), "multiclass")
    assert float(nothing) == 0.0


def test_the_score_is_scikit_learns_one_vs_rest_macro_roc_auc():
    rng = np.random.default_rng(0)
    y = rng.integers(0, 3, 200)
    p = rng.dirichlet([1, 1, 1], 200) + np.eye(3)[y] * 0.3
    p /= p.sum(axis=1, keepdims=True)
    labels = y[:, None].astype(float)
    labels[:5] = np.nan  # missing labels are skipped
    got = score_predictions(labels, p, ["kind"], "multiclass")
    want = roc_auc_score(y[5:], p[5:], multi_class="ovr", average="macro")
    assert got["score"] == pytest.approx(want)
    assert got["tasks"] == {"kind": pytest.approx(want)}
    assert got["accuracy"] == pytest.approx((p[5:].argmax(1) == y[5:]).mean())
    p[7, 1] = np.nan  # a diverged model must not score
    assert np.isnan(score_predictions(labels, p, ["kind"], "multiclass")["score"])


def test_one_target_of_a_few_whole_numbers_is_multiclass_and_nothing_else_is():
    assert infer_task_type(np.array([[0.0], [1.0], [2.0], [np.nan]])) == "multiclass"
    assert infer_task_type(np.array([[0.0], [1.0], [1.0]])) == "classification"
    assert infer_task_type(np.array([[0.0], [1.5], [2.0]])) == "regression"
    assert infer_task_type(np.arange(12.0)[:, None]) == "regression"  # 12 values: a number
    assert infer_task_type(np.array([[0.0, 1.0], [1.0, 2.0], [2.0, 0.0]])) == "regression"


def test_labels_map_to_class_indices_and_a_foreign_label_names_its_row():
    y = np.array([[5.0], [7.0], [np.nan], [9.0], [5.0]])
    index, classes = class_indices(y, "f.csv", "kind")
    assert classes == ["5", "7", "9"]
    assert index[:, 0].tolist()[:2] == [0.0, 1.0] and np.isnan(index[2, 0])
    with pytest.raises(InputError, match="row 2 holds 8"):
        class_indices(np.array([[5.0], [8.0]]), "f.csv", "kind", classes)
    with pytest.raises(InputError, match="one target column"):
        class_indices(np.zeros((3, 2)), "f.csv", "kind")
    with pytest.raises(InputError, match="2 distinct"):
        class_indices(np.array([[1.0], [2.0]]), "f.csv", "kind")


def test_a_multiclass_config_has_one_target_and_three_classes_or_more():
    config = ModelConfig.build("dmpnn", ["kind"], "multiclass", classes=["a", "b", "c"])
    assert config.outputs == ["kind_pa", "kind_pb", "kind_pc"]
    with pytest.raises(InputError, match="one target"):
        ModelConfig.build("dmpnn", ["x", "y"], "multiclass", classes=["a", "b", "c"])
    with pytest.raises(InputError, match="3 to"):
        ModelConfig.build("dmpnn", ["x"], "multiclass", classes=["a", "b"])
    with pytest.raises(InputError, match="classes are for multiclass"):
        ModelConfig.build("dmpnn", ["x"], "regression", classes=["a", "b", "c"])


def test_the_saved_config_schema_refuses_two_classes():
    from molpred.models.schema import validate_config

    config = ModelConfig.build("dmpnn", ["kind"], "multiclass", classes=["a", "b", "c"])
    folder = {"format": "molpred-model", "format_version": 1, "model": config.to_dict()}
    validate_config(folder, "config.json")
    folder["model"] = {**config.to_dict(), "classes": ["a", "b"]}
    with pytest.raises(ModelFileError, match="classes"):
        validate_config(folder, "config.json")


def _overconfident(n: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Probabilities whose arg-max is right 60 % of the time but which claim ~95 %."""
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 3, n)
    guess = np.where(rng.random(n) < 0.6, y, (y + rng.integers(1, 3, n)) % 3)
    p = np.full((n, 3), 0.025)
    p[np.arange(n), guess] = 0.95
    return p, y[:, None].astype(float)


def test_temperature_scaling_softens_overconfident_probabilities_and_keeps_the_ranking():
    p, y = _overconfident(600, 0)
    params = fit_temperature(p, y)
    assert params[0, 0] < 1.0  # a temperature above 1
    q = apply_temperature(p, params)
    assert np.allclose(q.sum(axis=1), 1.0)
    assert (q.argmax(axis=1) == p.argmax(axis=1)).all()
    test_p, test_y = _overconfident(600, 1)
    test_q = apply_temperature(test_p, params)
    truth = test_y[:, 0].astype(int)
    nll = lambda probs: -np.log(probs[np.arange(len(truth)), truth]).mean()  # noqa: E731
    assert nll(test_q) < nll(test_p) - 0.1
    assert np.isnan(apply_temperature(np.array([[np.nan] * 3]), params)).all()


def test_well_calibrated_probabilities_keep_their_temperature():
    rng = np.random.default_rng(2)
    p = rng.dirichlet([2, 2, 2], 800)
    y = np.array([rng.choice(3, p=row) for row in p])[:, None].astype(float)
    assert abs(fit_temperature(p, y)[0, 0] - 1.0) < 0.25


def test_label_conditional_sets_cover_every_class_even_the_rare_one():
    rng = np.random.default_rng(3)

    def draw(n):
        y = rng.choice(3, n, p=[0.7, 0.25, 0.05])
        # a model trained on imbalanced data leans to the common class (the log prior)
        logits = rng.normal(0, 1, (n, 3)) + 1.2 * np.eye(3)[y] + np.log([0.7, 0.25, 0.05])
        p = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
        return p, y

    val_p, val_y = draw(10_000)
    test_p, test_y = draw(20_000)
    sets = MulticlassConformal(val_p, val_y).predict_set(test_p, 0.9)
    hit = sets[np.arange(len(test_y)), test_y]
    for c in range(3):
        assert 0.86 <= hit[test_y == c].mean() <= 0.94, c
    # one threshold for all classes (marginal conformal) leaves the rare class short
    alphas = np.sort(1 - val_p[np.arange(len(val_y)), val_y])
    threshold = alphas[int(np.ceil(0.9 * (len(alphas) + 1))) - 1]
    marginal = (1 - test_p[np.arange(len(test_y)), test_y]) <= threshold
    assert marginal[test_y == 2].mean() < 0.8
    assert not MulticlassConformal(val_p, val_y).predict_set(np.full((1, 3), np.nan)).any()
