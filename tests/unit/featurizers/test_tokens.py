"""SMILES tokenizer, vocabulary and the ``tokens`` featurizer input, on real SMILES."""

import numpy as np
import pytest
import torch
from rdkit import Chem
from torch_geometric.data import Batch

from molpred.chem.parse import parse_smiles
from molpred.chem.standardize import Standardizer
from molpred.featurizers import FeaturizerConfig, featurize_smiles
from molpred.featurizers.tokens import (
    MAX_TOKENS,
    PAD_ID,
    TOKEN_TO_ID,
    UNK_ID,
    VOCAB,
    VOCAB_SIZE,
    decode,
    detokenize,
    encode,
    smiles_tokens,
    tokenize,
)
from molpred.models.encoders import ENCODERS


@pytest.mark.parametrize(
    ("smiles", "tokens"),
    [
        # two-letter halogens are one token; B alone stays boron
        ("BC(Br)Cl", ["B", "C", "(", "Br", ")", "Cl"]),
        ("ClC(Cl)(Cl)Cl", ["Cl", "C", "(", "Cl", ")", "(", "Cl", ")", "Cl"]),
        # bracket atoms (charge, chirality, isotope, aromatic NH, metals) are one token each
        ("C[C@@H](N)C(=O)[O-]", ["C", "[C@@H]", "(", "N", ")", "C", "(", "=", "O", ")", "[O-]"]),
        ("c1cc[nH]c1", ["c", "1", "c", "c", "[nH]", "c", "1"]),
        ("[13CH4]", ["[13CH4]"]),
        ("[Na+].[Cl-]", ["[Na+]", ".", "[Cl-]"]),
        ("[Sc]", ["[Sc]"]),  # scandium, not sulfur + aromatic carbon
        # double and triple bonds, cis/trans
        ("C#N", ["C", "#", "N"]),
        ("F/C=C\\F", ["F", "/", "C", "=", "C", "\\", "F"]),
        # ring closures above 9 are two digits after %, and "12" is two single closures
        ("C%10CC%10", ["C", "%10", "C", "C", "%10"]),
        ("C12CC1C2", ["C", "1", "2", "C", "C", "1", "C", "2"]),
    ],
)
def test_tokenize_known_smiles(smiles, tokens):
    assert tokenize(smiles) == tokens
    assert detokenize(tokens) == smiles


def test_tokenize_a_real_molecule_with_ring_closures_above_nine():
    # a fused polycycle: RDKit's canonical SMILES needs ring-closure labels %10 and %11
    mol = Chem.MolFromSmiles(
        "C1CC2CC3CC4CC5CC6CC7CC8CC9CC%10CC%11CC1C2C3C4C5C6C7C8C9C%10%11"
    )
    smiles = Chem.MolToSmiles(mol)
    tokens = tokenize(smiles)
    assert "%10" in tokens and "%11" in tokens
    assert detokenize(tokens) == smiles
    assert UNK_ID not in encode(smiles)


def test_round_trip_on_every_tox21_smiles(tox21):
    for smiles in tox21["smiles"]:
        tokens = tokenize(smiles)
        assert detokenize(tokens) == smiles
        assert "r" not in tokens and "l" not in tokens  # never split Br / Cl


def test_vocabulary_covers_standardized_tox21(tox21):
    standardizer = Standardizer()
    total = unknown = 0
    for smiles in tox21["smiles"].iloc[:800]:
        mol, _ = parse_smiles(smiles, standardizer)
        if mol is None:
            continue
        ids = smiles_tokens(mol)
        real = ids[ids != PAD_ID]
        total += real.size
        unknown += int((real == UNK_ID).sum())
        if real.size < MAX_TOKENS:
            assert decode(ids) == Chem.MolToSmiles(mol) or UNK_ID in real
    assert unknown / total < 1e-3


def test_vocabulary_is_fixed_and_padding_is_zero():
    assert VOCAB[PAD_ID] == "<pad>" and PAD_ID == 0
    assert VOCAB[UNK_ID] == "<unk>"
    assert len(set(VOCAB)) == VOCAB_SIZE == len(TOKEN_TO_ID)
    # every vocabulary entry is exactly one token for the tokenizer
    for token in VOCAB[2:]:
        assert tokenize(token) == [token], token


def test_unknown_tokens_map_to_unk_and_nothing_is_dropped():
    ids = encode("[U]C")  # uranium is not in the vocabulary
    assert ids[:3].tolist() == [UNK_ID, TOKEN_TO_ID["C"], PAD_ID]
    assert decode(ids) == "<unk>C"
    assert tokenize("C\u00e9C") == ["C", "\u00e9", "C"]  # stray characters stay, as <unk>
    assert encode("C\u00e9C")[1] == UNK_ID


def test_long_smiles_are_truncated_keeping_the_start():
    mol = Chem.MolFromSmiles("OC(=O)" + "C(Cl)" * 100 + "Br")
    smiles = Chem.MolToSmiles(mol)
    assert len(tokenize(smiles)) > MAX_TOKENS
    ids = smiles_tokens(mol)
    assert ids.shape == (MAX_TOKENS,) and ids.dtype == np.int64 and PAD_ID not in ids
    assert decode(ids) == detokenize(tokenize(smiles)[:MAX_TOKENS])
    assert smiles.startswith(decode(ids))
    short = encode("CCO")
    assert short.shape == (MAX_TOKENS,) and (short[3:] == PAD_ID).all()


def test_tokens_come_from_the_canonical_smiles():
    assert np.array_equal(smiles_tokens(Chem.MolFromSmiles("OCC")),
                          smiles_tokens(Chem.MolFromSmiles("C(O)C")))


def test_featurizer_adds_tokens_that_batch_per_molecule():
    config = FeaturizerConfig(graph=False, tokens=True)
    data, errors = featurize_smiles(["CCO", "c1ccccc1Cl", "not a smiles"], config, workers=1)
    assert errors[0] == errors[1] == "" and data[2] is None and errors[2]
    assert data[0].tokens.shape == (1, MAX_TOKENS) and data[0].tokens.dtype == torch.int64
    batch = Batch.from_data_list(data[:2])
    assert batch.tokens.shape == (2, MAX_TOKENS) and batch.num_graphs == 2
    assert decode(batch.tokens[1]) == "Clc1ccccc1"
    default, _ = featurize_smiles(["CCO"], FeaturizerConfig(), workers=1)
    assert "tokens" not in default[0]  # off unless asked for


def test_featurizer_config_tokens_flag_round_trips_and_old_configs_load():
    config = FeaturizerConfig(tokens=True)
    assert FeaturizerConfig.from_dict(config.to_dict()) == config
    old = {"graph": True, "ecfp": False, "extra_features": [], "standardize": True}
    assert FeaturizerConfig.from_dict(old).tokens is False


def test_encoders_ask_for_tokens_only_when_they_read_them():
    cnn = ENCODERS.get("cnn").featurizer_config()
    assert cnn.tokens and not cnn.graph and not cnn.ecfp
    assert not ENCODERS.get("dmpnn").featurizer_config().tokens
    assert not ENCODERS.get("transformer").featurizer_config().tokens
