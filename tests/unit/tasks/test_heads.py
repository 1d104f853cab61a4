"""Task heads own what a task type means: loss, transform, metric, prior, calibration and
conformal predictors; nothing outside them compares a task type's name."""

import re
from pathlib import Path

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from sklearn.metrics import roc_auc_score

from molpred.exceptions import InputError
from molpred.tasks import HEADS, BinaryHead, MulticlassHead, RegressionHead, task_head

SOURCE = Path(__file__).resolve().parents[3] / "molpred"
COMPARISON = re.compile(
    r"""(==|!=)\s*["'](classification|regression|multiclass)["']"""
    r"""|["'](classification|regression|multiclass)["']\s*(==|!=)"""
    r"""|\bin\s*\(\s*["'](classification|regression|multiclass)["']"""
    r"""|(==|!=)\s*(CLASSIFICATION|REGRESSION|MULTICLASS)\b""")


def test_no_task_type_name_is_compared_outside_the_heads():
    offenders = []
    for path in SOURCE.rglob("*.py"):
        if "tasks" in path.relative_to(SOURCE).parts:
            continue
        for number, line in enumerate(path.read_text().splitlines(), 1):
            if COMPARISON.search(line.split("#")[0]):
                offenders.append(f"{path.relative_to(SOURCE)}:{number}: {line.strip()}")
    assert not offenders, "\n".join(offenders)
    assert COMPARISON.search('if task_type == "regression":')  # the check can fail


def test_each_task_type_has_one_head_and_an_unknown_one_is_refused():
    assert set(HEADS) == {"classification", "regression", "multiclass"}
    assert isinstance(task_head("classification"), BinaryHead)
    assert isinstance(task_head("regression"), RegressionHead)
    assert isinstance(task_head("multiclass"), MulticlassHead)
    with pytest.raises(InputError, match="task type must be one of"):
        task_head("ranking")


def test_losses_match_torch_on_the_labelled_entries_of_tox21(tox21):
    torch.manual_seed(0)
    y = torch.tensor(tox21.iloc[:64, 1:13].to_numpy(dtype=np.float32))
    raw = torch.randn_like(y)
    known = ~torch.isnan(y)
    expected = F.binary_cross_entropy_with_logits(raw[known], y[known])
    assert torch.allclose(task_head("classification").loss(raw, y), expected, atol=1e-6)
    values = torch.randn_like(y)
    assert torch.allclose(task_head("regression").loss(raw, values.where(known, torch.nan)),
                          ((raw - values)[known] ** 2).mean(), atol=1e-6)
    classes = torch.tensor([[0.0], [2.0], [float("nan")], [1.0]])
    logits = torch.randn(4, 3)
    keep = torch.tensor([0, 1, 3])
    assert torch.allclose(task_head("multiclass").loss(logits, classes),
                          F.cross_entropy(logits[keep], classes[keep, 0].long()))
    empty = torch.full((2, 12), float("nan"))
    zero = task_head("classification").loss(raw[:2].requires_grad_(), empty)
    assert zero.item() == 0.0 and zero.requires_grad


def test_transforms_give_probabilities_or_units():
    raw = torch.tensor([[0.0, 2.0, -1.0]])
    assert torch.allclose(task_head("classification").transform(raw, None, None),
                          torch.sigmoid(raw))
    soft = task_head("multiclass").transform(raw, None, None)
    assert torch.allclose(soft.sum(dim=1), torch.ones(1))
    mean, std = torch.tensor([1.0, 2.0, 3.0]), torch.tensor([2.0, 1.0, 0.5])
    values = task_head("regression").transform(raw, mean, std)
    assert torch.allclose(values, torch.tensor([[1.0, 4.0, 2.5]]))
    assert torch.allclose(task_head("regression").scale_target(values, mean, std), raw)


def test_scores_are_the_reference_metrics_on_tox21_labels(tox21):
    y = tox21.iloc[:, 1:13].to_numpy(dtype=float)
    rng = np.random.default_rng(0)
    p = np.clip(np.nan_to_num(y, nan=0.5) * 0.3 + rng.random(y.shape) * 0.7, 0, 1)
    tasks = list(tox21.columns[1:13])
    result = task_head("classification").score(y, p, tasks)
    known = ~np.isnan(y[:, 0])
    assert result["tasks"][tasks[0]] == pytest.approx(roc_auc_score(y[known, 0], p[known, 0]))
    assert result["tasks_scored"] == 12 and 0.5 < result["score"] < 1.0
    rmse = task_head("regression").score(np.array([[1.0], [2.0], [np.nan]]),
                                         np.array([[1.0], [4.0], [9.0]]), ["logS"])
    assert rmse["score"] == pytest.approx(np.sqrt(2.0)) and rmse["metric"] == "rmse"
    assert not task_head("regression").higher_is_better


def test_priors_and_errors():
    y = np.array([[1.0, np.nan], [0.0, np.nan], [1.0, np.nan]])
    assert task_head("classification").prior(y) == pytest.approx([2 / 3, 0.5])
    assert task_head("regression").prior(y) == pytest.approx([2 / 3, 0.0])
    assert task_head("multiclass").prior(np.array([[0.0], [2.0], [2.0]]), 3) == pytest.approx(
        [1 / 3, 0, 2 / 3])
    assert task_head("multiclass").fallback(4) == pytest.approx([0.25] * 4)
    np.testing.assert_allclose(
        task_head("classification").pair_errors(np.array([[0.8]]), np.array([[1.0]])), [[0.04]])
    np.testing.assert_allclose(
        task_head("regression").pair_errors(np.array([[3.0]]), np.array([[1.0]])), [[2.0]])


def test_binary_labels_other_than_0_1_are_refused_naming_the_cell():
    import pandas as pd

    frame = pd.DataFrame({"a": [0, 1, 0.5]})
    with pytest.raises(InputError, match=r"column 'a', row 3 holds 0.5"):
        task_head("classification").check_labels(frame[["a"]].to_numpy(float), frame, ["a"],
                                                 "x.csv")
    task_head("regression").check_labels(frame[["a"]].to_numpy(float), frame, ["a"], "x.csv")


def test_the_regression_calibration_is_the_identity_and_keeps_the_spread():
    members = np.stack([np.full((5, 2), 1.0), np.full((5, 2), 3.0)])
    platt, val, maps = task_head("regression").fit_calibration(members, np.ones((5, 2)))
    assert platt.tolist() == [[1.0, 0.0], [1.0, 0.0]] and maps == {}
    np.testing.assert_allclose(val["values"], np.full((5, 2), 2.0))
    np.testing.assert_allclose(val["sigmas"], np.full((5, 2), 1.0))
