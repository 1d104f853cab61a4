"""Conformal prediction sets and intervals (crepes)."""

import numpy as np
import pytest

from molpred.trust.conformal import ClassConformal, RegressionConformal


def _calibrated(n: int, seed: int):
    rng = np.random.default_rng(seed)
    p = rng.beta(0.7, 0.7, size=n)
    return p, (rng.random(n) < p).astype(float)


@pytest.mark.parametrize("confidence", [0.8, 0.9, 0.95])
def test_class_sets_cover_exchangeable_labels_at_the_confidence(confidence):
    conformal = ClassConformal(*_calibrated(3000, 0))
    p, y = _calibrated(3000, 1)
    sets = conformal.predict_set(p, confidence)
    coverage = sets[np.arange(len(y)), y.astype(int)].mean()
    assert abs(coverage - confidence) < 0.025


def test_sets_grow_with_confidence_and_nan_rows_get_an_empty_set():
    conformal = ClassConformal(*_calibrated(1000, 0))
    p = np.array([0.02, 0.5, 0.98, np.nan])
    low, high = conformal.predict_set(p, 0.6), conformal.predict_set(p, 0.99)
    assert (high >= low).all()
    assert high[:3].sum() > low[:3].sum()
    assert low[0].tolist() == [True, False] and low[2].tolist() == [False, True]
    assert high[3].tolist() == [False, False]


def _rare(n: int, seed: int):
    """Calibrated probabilities of a task with about 6 % actives, as many Tox21 assays."""
    rng = np.random.default_rng(seed)
    p = rng.beta(0.4, 6.0, size=n)
    return p, (rng.random(n) < p).astype(float)


def test_mondrian_sets_cover_the_rare_class_where_marginal_sets_do_not():
    (p_val, y_val), (p, y) = _rare(3000, 0), _rare(20000, 1)
    coverage = {}
    for kind in ("mondrian", "marginal"):
        sets = ClassConformal(p_val, y_val, kind).predict_set(p, 0.9)
        hit = sets[np.arange(len(y)), y.astype(int)]
        coverage[kind] = {c: hit[y == c].mean() for c in (0, 1)} | {"all": hit.mean()}
    assert abs(coverage["mondrian"][1] - 0.9) < 0.03 and abs(coverage["mondrian"][0] - 0.9) < 0.03
    assert coverage["marginal"][1] < 0.7 and abs(coverage["marginal"]["all"] - 0.9) < 0.02


def test_a_class_without_validation_molecules_is_never_excluded():
    sets = ClassConformal(np.array([0.1, 0.2, 0.05]), np.zeros(3)).predict_set(
        np.array([0.01, 0.9]), 0.9)
    assert sets[:, 1].all()


def test_an_unknown_kind_is_refused():
    with pytest.raises(ValueError, match="unknown conformal"):
        ClassConformal(*_calibrated(50, 0), kind="bayes")


def test_confidence_outside_zero_one_is_refused():
    with pytest.raises(ValueError, match="between 0 and 1"):
        ClassConformal(*_calibrated(50, 0)).predict_set(np.array([0.5]), 1.5)


def test_regression_intervals_cover_and_widen_where_members_disagree():
    rng = np.random.default_rng(0)
    sigma = rng.uniform(0.1, 2.0, 4000)
    y = rng.normal(0, sigma)
    conformal = RegressionConformal(np.zeros(2000), y[:2000], sigma[:2000])
    bounds = conformal.predict_interval(np.zeros(2000), sigma[2000:], 0.9)
    inside = (y[2000:] >= bounds[:, 0]) & (y[2000:] <= bounds[:, 1])
    assert abs(inside.mean() - 0.9) < 0.03
    width = bounds[:, 1] - bounds[:, 0]
    # sigma + beta (beta = median sigma, about 1) grows from about 1.1 to 3
    assert width[np.argmax(sigma[2000:])] > 2.5 * width[np.argmin(sigma[2000:])]
    assert np.isnan(conformal.predict_interval(np.array([np.nan]), np.array([1.0]), 0.9)).all()


def test_without_spreads_the_intervals_are_split_conformal_and_ignore_a_spread():
    """What a model cross-fitted on K folds (auto) gets: the interval is the residual
    quantile around each prediction, whatever spread the prediction comes with."""
    rng = np.random.default_rng(1)
    y = rng.normal(0, 1.0, 4000)
    conformal = RegressionConformal(np.zeros(2000), y[:2000], None)
    spread = rng.uniform(0.01, 3.0, 2000)
    bounds = conformal.predict_interval(np.zeros(2000), spread, 0.9)
    width = bounds[:, 1] - bounds[:, 0]
    np.testing.assert_allclose(width, width[0])
    assert abs(width[0] / 2 - np.quantile(np.abs(y[:2000]), 0.9)) < 0.05
    inside = (y[2000:] >= bounds[:, 0]) & (y[2000:] <= bounds[:, 1])
    assert abs(inside.mean() - 0.9) < 0.03


def test_an_empty_set_is_a_word_and_a_failed_row_an_empty_cell():
    from molpred.trust.conformal import EMPTY_SET, set_labels

    included = np.array([[True, False], [True, True], [False, False], [False, False]])
    labels = set_labels(included, np.array([True, True, True, False]))
    assert labels == ["0", "0,1", EMPTY_SET, ""] and EMPTY_SET == "empty"
    import io

    import pandas as pd

    back = pd.read_csv(io.StringIO(pd.DataFrame({"s": labels}).to_csv(index=False)))
    assert back["s"].isna().tolist() == [False, False, False, True]  # only the failed row


def _far_is_harder(n: int, seed: int):
    """Regression where the error grows as similarity to the training set falls and the
    ensemble spread does not see it (constant): what a scaffold split does to a model."""
    rng = np.random.default_rng(seed)
    similarity = rng.uniform(0.2, 0.9, n)
    y = rng.normal(0, 0.2 + 2 * (0.9 - similarity))
    return similarity, y, np.full(n, 0.3)


def test_similarity_bins_hold_coverage_far_from_the_training_set():
    from molpred.trust.conformal import similarity_edges

    sim_val, y_val, sig_val = _far_is_harder(3000, 0)
    sim, y, sig = _far_is_harder(20000, 1)
    edges = similarity_edges(sim_val)
    assert len(edges) == 2 and len(similarity_edges(sim_val[:250])) == 1  # 3 bins; 2 of 125
    far, near = sim < np.quantile(sim, 0.2), sim > np.quantile(sim, 0.8)
    hits = {}
    for name, given in (("pooled", None), ("binned", sim_val)):
        bounds = RegressionConformal(np.zeros(3000), y_val, sig_val, given).predict_interval(
            np.zeros(len(y)), sig, 0.9, sim)
        hits[name] = (y >= bounds[:, 0]) & (y <= bounds[:, 1])
    pooled, binned = hits["pooled"], hits["binned"]
    assert pooled[far].mean() < 0.75 and pooled[near].mean() > 0.99  # wrong at both ends
    assert binned[far].mean() > 0.83 and binned[near].mean() < 0.97
    bins = np.searchsorted(edges, sim, side="right")
    for b in range(3):  # each bin holds its coverage (1,000 calibration molecules each)
        assert abs(binned[bins == b].mean() - 0.9) < 0.04


def test_few_validation_molecules_keep_one_bin_and_the_class_conditional_sets():
    from molpred.trust.conformal import similarity_edges

    p, y = _calibrated(150, 0)
    similarity = np.random.default_rng(0).uniform(0.2, 0.9, 150)
    assert len(similarity_edges(similarity)) == 0
    by_similarity = ClassConformal(p, y, "similarity", similarity)
    test_p, test_sim = _calibrated(500, 1)[0], np.random.default_rng(1).uniform(0, 1, 500)
    np.testing.assert_array_equal(by_similarity.predict_set(test_p, 0.9, test_sim),
                                  ClassConformal(p, y, "mondrian").predict_set(test_p, 0.9))


def test_class_sets_by_similarity_cover_each_class_in_each_bin():
    """Probabilities that are right near the training set and overconfident far from it."""
    def draw(n, seed):
        rng = np.random.default_rng(seed)
        similarity = rng.uniform(0.2, 0.9, n)
        p = rng.beta(0.7, 0.7, n)
        truth = np.where(similarity < 0.45, 0.5 + 0.3 * (p - 0.5), p)  # far: less sure
        return p, (rng.random(n) < truth).astype(float), similarity

    p_val, y_val, sim_val = draw(3000, 0)
    p, y, sim = draw(30000, 1)
    sets = ClassConformal(p_val, y_val, "similarity", sim_val).predict_set(p, 0.9, sim)
    hit = sets[np.arange(len(y)), y.astype(int)]
    for c in (0, 1):
        for low, high in ((0.2, 0.433), (0.433, 0.667), (0.667, 0.9)):
            cell = (y == c) & (sim >= low) & (sim < high)
            assert abs(hit[cell].mean() - 0.9) < 0.03
    pooled = ClassConformal(p_val, y_val, "mondrian").predict_set(p, 0.9)
    pooled_hit = pooled[np.arange(len(y)), y.astype(int)]
    assert pooled_hit[sim < 0.4].mean() < 0.86  # what the bins repair


def test_a_predictor_by_similarity_needs_the_similarities():
    with pytest.raises(ValueError, match="similarity"):
        ClassConformal(*_calibrated(50, 0), kind="similarity")
