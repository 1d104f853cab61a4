"""The error model on real molecules: ESOL molecules far from a training subset, and a
regressor whose errors grow with that distance, as a model's do."""

from __future__ import annotations

import numpy as np
import pytest

from molpred.trust.domain import FingerprintIndex, ecfp4_bits
from molpred.trust.error_model import (
    ERROR_KEEP,
    ErrorModel,
    choose_domain_rule,
    pair_errors,
)


@pytest.fixture(scope="module")
def delaney(data_dir):
    import pandas as pd

    return pd.read_csv(data_dir / "delaney.csv")


@pytest.fixture(scope="module")
def esol_signals(delaney):
    """Similarity of 400 ESOL molecules to 300 others, and errors that grow with distance."""
    smiles = delaney["smiles"].tolist()
    train, held = smiles[:300], smiles[300:700]
    similarity = FingerprintIndex(ecfp4_bits(train)).max_similarity(ecfp4_bits(held))
    rng = np.random.default_rng(0)
    labels = delaney.iloc[300:700, 1].to_numpy(dtype=float)[:, None]
    noise = rng.normal(size=labels.shape) * (0.05 + 4.0 * (1.0 - similarity[:, None]) ** 4)
    values = labels + noise
    distance = rng.gamma(2.0, 1.0, size=len(held))  # carries no signal here
    return similarity, distance, values, labels


def test_expected_error_rises_with_dissimilarity_and_flags_the_worst(esol_signals):
    similarity, distance, values, labels = esol_signals
    model = ErrorModel.fit("regression", similarity, distance, values, None, labels)
    assert model.features == ("dissimilarity", "distance", "extremity")
    assert (model.weights[1:] >= 0).all() and model.weights[1] > 0  # dissimilarity carries weight
    expected = model.expected(similarity, distance, values, None)
    order = np.argsort(similarity)
    assert expected[order[0]] > expected[order[-1]]
    inside = model.in_domain(expected)
    assert inside.mean() == pytest.approx(ERROR_KEEP, abs=0.02)
    err = np.abs(values - labels)[:, 0]
    assert np.sqrt((err[~inside] ** 2).mean()) > 1.5 * np.sqrt((err[inside] ** 2).mean())
    # relative: a typical held-out molecule scores about 1
    assert np.mean(model.relative(similarity, distance, values, None)) == pytest.approx(1.0, rel=0.1)


def test_a_failed_row_has_no_expected_error_and_is_not_in_the_domain(esol_signals):
    similarity, distance, values, labels = esol_signals
    model = ErrorModel.fit("regression", similarity, distance, values, None, labels)
    sim, dist, val = similarity[:3].copy(), distance[:3].copy(), values[:3].copy()
    sim[1], dist[1], val[1] = np.nan, np.nan, np.nan
    expected = model.expected(sim, dist, val, None)
    assert np.isnan(expected[1]) and np.isfinite(expected[[0, 2]]).all()
    assert not model.in_domain(expected)[1]


def test_round_trip_and_refusal_of_a_malformed_model(esol_signals):
    similarity, distance, values, labels = esol_signals
    model = ErrorModel.fit("regression", similarity, distance, values, None, labels)
    again = ErrorModel.from_dict(model.to_dict(), tasks=1)
    assert np.array_equal(again.expected(similarity, distance, values, None),
                          model.expected(similarity, distance, values, None))
    bad = model.to_dict() | {"features": ["dissimilarity", "os.system"]}
    with pytest.raises(ValueError, match="subset"):
        ErrorModel.from_dict(bad, tasks=1)
    with pytest.raises(ValueError, match="wrong length"):
        ErrorModel.from_dict(model.to_dict(), tasks=2)


def test_too_few_labels_give_no_model(esol_signals):
    similarity, distance, values, labels = esol_signals
    few = labels.copy()
    few[10:] = np.nan
    assert ErrorModel.fit("regression", similarity, distance, values, None, few) is None


def test_classification_uses_the_probability_and_the_cv_picks_the_better_rule(esol_signals):
    similarity, _, _, _ = esol_signals
    rng = np.random.default_rng(1)
    n = len(similarity)
    p = rng.uniform(0.02, 0.98, size=(n, 2))
    labels = (rng.random((n, 2)) < p).astype(float)  # calibrated: errors follow p (1 - p)
    labels[::7, 1] = np.nan
    distance = rng.gamma(2.0, 1.0, size=n)
    model = ErrorModel.fit("classification", similarity, distance, p, None, labels)
    assert "ambiguity" in model.features
    assert model.weights[1 + model.features.index("ambiguity")] > 0
    choice = choose_domain_rule("classification", similarity, distance, p, None, labels)
    assert choice["rule"] == "error_model"
    assert choice["ratio_error_model"] > choice["ratio_thresholds"]
    assert 0.1 <= choice["flagged_error_model"] <= 0.4
    brier = pair_errors("classification", p, labels)
    assert np.nanmean(brier) == pytest.approx(np.nanmean((p - labels) ** 2))
