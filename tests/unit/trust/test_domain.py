"""Applicability domain: ECFP4 similarity to the training set and embedding distance."""

import numpy as np

from molpred.trust.domain import (
    EmbeddingDistance,
    FingerprintIndex,
    domain_thresholds,
    ecfp4_bits,
    in_domain,
    out_of_fold_distance,
)

TRAIN = ["CC(=O)Oc1ccccc1C(=O)O", "CC(=O)Nc1ccc(O)cc1", "CC(C)Cc1ccc(cc1)C(C)C(=O)O",
         "Cn1cnc2c1c(=O)n(C)c(=O)n2C"]


def test_a_training_molecule_is_identical_and_an_alkane_is_far():
    index = FingerprintIndex(ecfp4_bits(TRAIN))
    sim = index.max_similarity(ecfp4_bits(["CC(=O)Oc1ccccc1C(=O)O", "CCCCCCCCCCCC",
                                           "CC(=O)Oc1ccccc1C(=O)OC", "not smiles"]))
    assert sim[0] == 1.0
    assert sim[1] < 0.2 < sim[2] < 1.0
    assert np.isnan(sim[3])


def test_fingerprint_index_round_trips_through_its_arrays():
    index = FingerprintIndex(ecfp4_bits(TRAIN + ["bad"]))
    assert len(index) == 4
    again = FingerprintIndex.from_arrays(**{k[3:]: v for k, v in index.arrays().items()})
    queries = ecfp4_bits(["c1ccccc1O", "CCN"])
    np.testing.assert_array_equal(index.max_similarity(queries), again.max_similarity(queries))
    assert index.arrays()["fp_indices"].dtype == np.uint16


def test_embedding_distance_is_mahalanobis_in_the_principal_axes():
    rng = np.random.default_rng(0)
    train = rng.normal(0, [5.0, 1.0, 0.2], size=(5000, 3)) + 10
    distance = EmbeddingDistance.fit(train, n_components=3)
    d = distance.distance(np.array([[10, 10, 10], [15, 10, 10], [10, 10, 11], [np.nan, 0, 0]]))
    assert d[0] < 0.1
    assert abs(d[1] - 1.0) < 0.1 and abs(d[2] - 5.0) < 0.5  # one std along x, five along z
    assert np.isnan(d[3])


def test_thresholds_keep_the_chosen_share_of_validation_molecules():
    rng = np.random.default_rng(1)
    sim, dist = rng.random(1000), rng.random(1000) * 10
    low, high = domain_thresholds(sim, dist, keep=0.9)
    assert abs((sim >= low).mean() - 0.9) < 0.01 and abs((dist <= high).mean() - 0.9) < 0.01
    flags = in_domain(np.array([0.5, 0.01, np.nan]), np.array([1.0, 1.0, 1.0]), low, high)
    assert flags.tolist() == [True, False, False]


def test_a_salt_is_compared_as_its_parent_when_the_model_standardizes():
    index = FingerprintIndex(ecfp4_bits(TRAIN, standardize=True))
    salt, parent = "CC(=O)Oc1ccccc1C(=O)[O-].[Na+]", "CC(=O)Oc1ccccc1C(=O)O"
    with_std = index.max_similarity(ecfp4_bits([salt, parent], standardize=True))
    assert with_std[0] == with_std[1] == 1.0
    assert index.max_similarity(ecfp4_bits([salt]))[0] < 1.0  # as written, the salt differs


def test_the_sparse_similarity_is_rdkits_tanimoto_on_real_molecules(tox21, monkeypatch):
    """Training: 1,500 Tox21 molecules; queries: 700 others (and a failed row), in blocks
    small enough that several are used."""
    import molpred.trust.domain as domain

    monkeypatch.setattr(domain, "SIMILARITY_BLOCK", 1_500 * 40)  # blocks of 40 queries
    smiles = tox21["smiles"].tolist()
    index = FingerprintIndex(ecfp4_bits(smiles[:1500]))
    queries = ecfp4_bits(smiles[3000:3700] + ["not smiles"])
    fast, reference = index.max_similarity(queries), index.max_similarity_rdkit(queries)
    assert np.isnan(fast[-1]) and np.isnan(reference[-1])
    np.testing.assert_allclose(fast[:-1], reference[:-1], rtol=0, atol=1e-12)
    assert 0.05 < np.nanmin(fast) and np.nanmedian(fast) < 0.6  # a real spread


def test_out_of_fold_distances_measure_each_molecule_by_the_member_that_did_not_train_on_it():
    """Three fold members that each pull the molecules they trained on towards the centre
    (as a fitted network does): in-sample distances come out smaller than a new molecule's;
    the out-of-fold ones, each from the member that did not train on the molecule, are
    distributed as a new molecule's."""
    rng = np.random.default_rng(0)
    n, hidden = 600, 24
    base = rng.normal(size=(n, hidden))
    fold = np.arange(n) % 3
    embeddings = np.stack([np.where((fold != k)[:, None], 0.5 * base, base) for k in range(3)])
    spaces = [EmbeddingDistance.fit(e) for e in embeddings]  # as the model saves them
    distances = out_of_fold_distance(spaces, embeddings, fold)
    for k in range(3):
        held = fold == k
        np.testing.assert_allclose(distances[held], spaces[k].distance(embeddings[k][held]))
    in_sample = np.mean([s.distance(e) for s, e in zip(spaces, embeddings)], axis=0)
    fresh = rng.normal(size=(200, hidden))  # new molecules: no member trained on them
    new = np.mean([s.distance(fresh) for s in spaces], axis=0)
    assert np.median(in_sample) < 0.8 * np.median(new)
    assert abs(np.median(distances) / np.median(new) - 1) < 0.1
