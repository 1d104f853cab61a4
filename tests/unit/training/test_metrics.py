"""score_predictions on Tox21 labels: score.py's rules (missing labels masked, one-class tasks
skipped, mean over tasks), and non-finite predictions refused as score.py refuses them."""

import math

import numpy as np
import pytest
from sklearn.metrics import roc_auc_score

from molpred.training.metrics import score_predictions

TASKS = ["NR-AR", "NR-ER", "SR-MMP"]


@pytest.fixture(scope="module")
def labels(tox21):
    return tox21[TASKS].to_numpy(dtype=float)[:600]


@pytest.fixture(scope="module")
def predictions(labels):
    rng = np.random.default_rng(0)  # informative but imperfect: label + noise
    return 1 / (1 + np.exp(-(np.nan_to_num(labels) * 1.5 + rng.normal(size=labels.shape))))


def test_roc_auc_masks_missing_labels_and_averages_tasks(labels, predictions):
    assert np.isnan(labels).any(axis=0).all()  # every task has missing labels here
    result = score_predictions(labels, predictions, TASKS, "classification")
    expected = {}
    for j, task in enumerate(TASKS):
        known = ~np.isnan(labels[:, j])
        expected[task] = roc_auc_score(labels[known, j], predictions[known, j])
    assert result["tasks"] == pytest.approx(expected)
    assert result["score"] == pytest.approx(np.mean(list(expected.values())))
    assert result["tasks_scored"] == 3 and 0.5 < result["score"] < 1


def test_a_task_with_one_class_is_skipped(labels, predictions):
    one_class = labels.copy()
    one_class[:, 0] = np.where(np.isnan(one_class[:, 0]), np.nan, 0.0)
    result = score_predictions(one_class, predictions, TASKS, "classification")
    assert set(result["tasks"]) == {"NR-ER", "SR-MMP"} and result["tasks_scored"] == 2


def test_rmse_in_the_dataset_units():
    y = np.array([[1.0], [2.0], [np.nan], [4.0]])
    p = np.array([[1.5], [2.0], [100.0], [3.0]])  # the unlabelled row's prediction is ignored
    assert score_predictions(y, p, ["logS"], "regression")["score"] == pytest.approx(
        math.sqrt((0.25 + 0 + 1) / 3))


@pytest.mark.parametrize("bad", [np.nan, np.inf])
def test_a_non_finite_prediction_on_a_labelled_row_gives_nan(labels, predictions, bad):
    broken = predictions.copy()
    row = int(np.flatnonzero(~np.isnan(labels[:, 1]))[0])
    broken[row, 1] = bad
    result = score_predictions(labels, broken, TASKS, "classification")
    assert math.isnan(result["tasks"]["NR-ER"]) and math.isnan(result["score"])
    assert not math.isnan(result["tasks"]["NR-AR"])
    y, p = np.array([[1.0], [2.0]]), np.array([[1.0], [bad]])
    assert math.isnan(score_predictions(y, p, ["logS"], "regression")["score"])
