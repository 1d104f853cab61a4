"""Fuzzing of the SMILES reader and featurizers: any text, never an exception; every row
gives either a graph (and all other features) or a non-empty one-line reason."""

from __future__ import annotations

import math

import numpy as np
import pytest
from fuzz_strategies import (
    TOKENS,
    any_smiles_text,
    fuzz,
    long_strings,
    mutated_smiles,
    short_smiles_text,
)
from hypothesis import example, given
from hypothesis import strategies as st

from molpred.chem import Standardizer, parse_smiles
from molpred.chem.parse import MAX_SMILES_LENGTH
from molpred.featurizers import FeaturizerConfig, featurize_smiles

ALL_FEATURES = FeaturizerConfig(graph=True, ecfp=True, extra_features=("rdkit2d", "ecfp"),
                                tokens=True)
NO_RDKIT2D = FeaturizerConfig(graph=True, ecfp=True, extra_features=("ecfp",), tokens=True)
"""For very long inputs: RDKit's Ipc/AvgIpc descriptors take minutes on 1,000-atom molecules."""

_STANDARDIZER = Standardizer()


def check_parse(smiles: object) -> None:
    for standardizer in (None, _STANDARDIZER):
        mol, reason = parse_smiles(smiles, standardizer)
        assert isinstance(reason, str)
        if mol is None:
            assert reason.strip(), f"no reason for {smiles!r}"
            assert "\n" not in reason, f"multi-line reason for {smiles!r}: {reason!r}"
        else:
            assert reason == ""
            assert mol.GetNumAtoms() > 0


@fuzz(300)
@given(st.one_of(any_smiles_text, st.none(), st.just(math.nan), st.integers(), st.binary()))
@example("\x00")
@example("C\x00C")
@example("[13C+3H4@@:99]%99CC%99")
@example("C" * (MAX_SMILES_LENGTH + 1))
@example("C1" * 120)
def test_parse_smiles_never_raises(smiles):
    check_parse(smiles)


@fuzz(300)
@given(mutated_smiles())
def test_parse_mutated_real_smiles_never_raises(smiles):
    check_parse(smiles)


def check_features(smiles: list[object], data: list, errors: list[str],
                   config: FeaturizerConfig) -> None:
    assert len(data) == len(errors) == len(smiles)
    for s, d, error in zip(smiles, data, errors):
        if d is None:
            assert error.strip() and "\n" not in error, (s, error)
            continue
        assert error == "", (s, error)
        n = d.x.shape[0]
        assert n > 0 and d.x.shape[1] == 78 and d.edge_attr.shape[1] == 14
        assert d.edge_index.shape == (2, d.edge_attr.shape[0])
        assert d.edge_index.numel() == 0 or (0 <= int(d.edge_index.min()) and
                                              int(d.edge_index.max()) < n)
        assert d.fp.shape == (1, 2048) and d.tokens.shape == (1, 160)
        assert d.mol_features.shape == (1, config.extra_dim)
        for name in ("x", "edge_attr", "fp", "mol_features"):
            assert np.isfinite(getattr(d, name).numpy()).all(), (s, name)


@fuzz(40)
@given(st.lists(st.one_of(short_smiles_text, st.none(), st.just(math.nan)), max_size=8))
def test_featurize_every_row_graph_or_reason(smiles):
    data, errors = featurize_smiles(smiles, ALL_FEATURES, workers=1)
    check_features(smiles, data, errors, ALL_FEATURES)


@fuzz(15)
@given(st.lists(st.one_of(long_strings, mutated_smiles()), max_size=3))
def test_featurize_long_inputs_every_row_graph_or_reason(smiles):
    data, errors = featurize_smiles(smiles, NO_RDKIT2D, workers=1)
    check_features(smiles, data, errors, NO_RDKIT2D)


@pytest.mark.parametrize("token", TOKENS)
def test_each_token_alone_and_after_a_real_smiles(token):
    smiles = [token, "CCO" + token, token + "c1ccccc1", f"[{token}]", token * 3]
    for s in smiles:
        check_parse(s)
    check_features(smiles, *featurize_smiles(smiles, ALL_FEATURES, workers=1), ALL_FEATURES)
