"""Calibration maps chosen by cross-validation (none, Platt, Venn-ABERS, isotonic) and the expected
calibration error."""

import numpy as np
from sklearn.metrics import roc_auc_score

from molpred.trust.calibration import apply_platt, expected_calibration_error, fit_calibration


def fit_platt(p, y):
    """The Platt parameters ``[T, 2]`` cross-validation chose (identity where it chose none)."""
    return fit_calibration(p, y)[0]


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


def _stepped(n: int, seed: int):
    """True P(1) is a step in the predicted probability (no sigmoid can fit it): below 0.5 the
    model's 0.1-0.5 all mean 0.05, above it 0.5-0.9 all mean 0.8."""
    rng = np.random.default_rng(seed)
    p = rng.uniform(0.1, 0.9, size=(n, 1))
    y = (rng.random((n, 1)) < np.where(p < 0.5, 0.05, 0.8)).astype(float)
    return p, y


def test_cross_validation_chooses_the_map_each_task_needs():
    from molpred.trust.calibration import apply_map, fit_calibration

    over_p, over_y = _overconfident(2000, 0)
    step_p, step_y = _stepped(2000, 0)
    rng = np.random.default_rng(3)
    fine_p = rng.uniform(0.05, 0.95, size=(2000, 1))
    fine_y = (rng.random((2000, 1)) < fine_p).astype(float)
    platt, maps = fit_calibration(np.hstack([over_p, step_p, fine_p]),
                                  np.hstack([over_y, step_y, fine_y]))
    assert abs(platt[0, 0] - 1 / 3) < 0.08 and 0 not in maps  # a sigmoid distortion
    # a step: a monotone step map, Venn-ABERS (isotonic does no better by a standard error)
    assert maps[1].shape == (3, 2001) and platt[1].tolist() == [1.0, 0.0]
    test_p, test_y = _stepped(4000, 1)
    after = expected_calibration_error(apply_map(test_p[:, 0], maps[1]), test_y[:, 0])
    assert expected_calibration_error(test_p, test_y) > 0.1 and after < 0.03
    assert 2 not in maps and abs(platt[2, 0] - 1) < 0.15  # calibrated stays near identity


def test_venn_abers_map_gives_the_packages_merged_probabilities():
    """The stored table reproduces ``venn-abers``' ``predict_proba`` (Vovk et al. 2015), also
    at calibration scores themselves and at 0 and 1, within the clip every monotone map keeps;
    NaN stays NaN."""
    from molpred.trust.calibration import ISOTONIC_CLIP, _venn_abers, apply_map

    state = np.geterr()
    from venn_abers import VennAbers  # its import sets NumPy's error state for the process

    np.seterr(**state)

    p, y = _stepped(500, 5)
    new = np.concatenate([np.random.default_rng(6).uniform(size=300), p[:20, 0], [0.0, 1.0]])
    reference = VennAbers()
    with np.errstate(divide="ignore", invalid="ignore"):  # the package's own divisions
        reference.fit(np.column_stack([1 - p[:, 0], p[:, 0]]), y[:, 0].astype(int))
        expected = reference.predict_proba(np.column_stack([1 - new, new]))[0][:, 1]
    out = apply_map(np.append(new, np.nan), _venn_abers(p[:, 0], y[:, 0]))
    np.testing.assert_allclose(out[:-1], np.clip(expected, *ISOTONIC_CLIP), rtol=0, atol=1e-12)
    assert np.isnan(out[-1]) and (expected > ISOTONIC_CLIP[0]).sum() > 250


def test_monotone_maps_never_claim_certainty():
    from molpred.trust.calibration import ISOTONIC_CLIP, _isotonic, _venn_abers, apply_map, fit_calibration

    p, y = _stepped(2000, 4)
    _, maps = fit_calibration(p, y)
    for table in (maps[0], _isotonic(p[:, 0], y[:, 0])):  # Venn-ABERS (chosen), isotonic
        out = apply_map(np.array([0.0, 0.3, 0.99, np.nan]), table)
        assert ISOTONIC_CLIP[0] <= out[:3].min() and out[:3].max() <= ISOTONIC_CLIP[1]
        assert np.isnan(out[3])
    # 3,000 negatives below 3,000 positives: Venn-ABERS alone would say 1/3,002 and 3,001/3,002
    separated = np.random.default_rng(8).uniform(size=6000)
    table = _venn_abers(separated, (separated > 0.5).astype(float))
    assert apply_map(np.array([0.01, 0.99]), table).tolist() == list(ISOTONIC_CLIP)


def test_calibration_that_only_fits_noise_is_not_applied():
    """Calibrated probabilities on a small validation part (200 molecules, like BBBP's):
    Platt or isotonic may score a hair better in CV by chance, but not by a standard error,
    so each task keeps its probabilities as they are."""
    from molpred.trust.calibration import fit_calibration

    rng = np.random.default_rng(7)
    p = rng.uniform(0.02, 0.98, size=(200, 5))
    y = (rng.random((200, 5)) < p).astype(float)
    platt, maps = fit_calibration(p, y)
    assert not maps and np.array_equal(platt, np.tile([1.0, 0.0], (5, 1)))


def test_one_standard_error_rule_keeps_the_simplest_option_within_noise():
    from molpred.trust.calibration import one_standard_error_choice

    rng = np.random.default_rng(0)
    base = rng.uniform(0, 0.5, 400)
    noise = rng.normal(0, 0.05, 400)
    # a little better on average, but by less than a standard error of the difference
    assert one_standard_error_choice({"none": base, "platt": base - 0.001 + noise}) == "none"
    # clearly better on every molecule: chosen
    assert one_standard_error_choice({"none": base, "platt": base - 0.05}) == "platt"
    # isotonic best, Platt within a standard error of it: Platt, the simpler, is kept
    chosen = one_standard_error_choice({"none": base + 0.1, "platt": base + 0.001 + noise,
                                        "isotonic": base})
    assert chosen == "platt"
