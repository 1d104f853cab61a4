"""Platt scaling and the expected calibration error."""

import numpy as np
from sklearn.metrics import roc_auc_score

from molpred.trust.calibration import apply_platt, expected_calibration_error, fit_platt


def _overconfident(n: int, seed: int):
    """Labels drawn with P(1) = sigmoid(z / 3), predicted as sigmoid(z): overconfident."""
    rng = np.random.default_rng(seed)
    z = rng.normal(0, 3, size=(n, 1))
    y = (rng.random((n, 1)) < 1 / (1 + np.exp(-z / 3))).astype(float)
    return 1 / (1 + np.exp(-z)), y


def test_platt_fitted_on_val_lowers_the_calibration_error_on_fresh_data():
    val_p, val_y = _overconfident(2000, 0)
    test_p, test_y = _overconfident(2000, 1)
    params = fit_platt(val_p, val_y)
    assert abs(params[0, 0] - 1 / 3) < 0.08  # recovers the temperature
    before = expected_calibration_error(test_p, test_y)
    after = expected_calibration_error(apply_platt(test_p, params), test_y)
    assert before > 0.1 and after < 0.04


def test_platt_keeps_the_ranking_and_nan():
    p, y = _overconfident(500, 2)
    p[3, 0] = np.nan
    out = apply_platt(p, fit_platt(p, y))
    assert np.isnan(out[3, 0])
    ok = ~np.isnan(p[:, 0])
    assert roc_auc_score(y[ok, 0], out[ok, 0]) == roc_auc_score(y[ok, 0], p[ok, 0])


def test_a_task_with_one_class_or_few_labels_is_left_alone():
    p = np.linspace(0.1, 0.9, 40).reshape(20, 2)
    y = np.zeros((20, 2))
    y[:5, 1] = np.nan
    y[5:, 1] = [0, 1] * 7 + [0]
    params = fit_platt(p, y)
    assert params[0].tolist() == [1.0, 0.0]
    np.testing.assert_allclose(apply_platt(p, params)[:, 0], p[:, 0])


def test_ece_of_perfect_and_of_wrong_predictions():
    y = np.array([0, 1, 0, 1, 1, 0], dtype=float)
    assert expected_calibration_error(y, y) == 0.0
    assert expected_calibration_error(1 - y, y) == 1.0
    assert np.isnan(expected_calibration_error(np.array([np.nan]), np.array([1.0])))


def test_already_calibrated_probabilities_stay_as_they_are():
    rng = np.random.default_rng(3)
    p = rng.uniform(0.02, 0.98, size=(3000, 1))
    y = (rng.random((3000, 1)) < p).astype(float)
    a, b = fit_platt(p, y)[0]  # identity, or a fit close to it
    assert abs(a - 1) < 0.1 and abs(b) < 0.1
