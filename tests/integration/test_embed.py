"""``molpred embed`` / ``Predictor.embed``: a network's molecule embeddings as features."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.linear_model import RidgeCV
from sklearn.model_selection import cross_val_score

import molpred
from molpred.exceptions import InputError
from molpred.inference import predict_with_embeddings


def test_embeddings_are_what_the_domain_measures_and_carry_the_property(data_dir):
    esol = pd.read_csv(data_dir / "delaney.csv").head(300)
    model = molpred.load("esol")
    table = model.embed(esol, workers=1)
    columns = [c for c in table.columns if c.startswith("emb_")]
    assert len(columns) == 300 and (table[columns].dtypes == np.float32).all()
    assert table.columns[:2].tolist() == esol.columns[:2].tolist()  # input columns first
    featurized = [model.model.config.featurizer_config]
    from molpred.featurizers.featurize import featurize_smiles

    data, _ = featurize_smiles(esol["smiles"].tolist(), featurized[0], workers=1, arrays=True)
    _, hidden = predict_with_embeddings(model.model, data, embeddings=True)
    assert np.allclose(table[columns].to_numpy(), hidden.mean(axis=0), atol=1e-6)
    # a linear model on the embeddings recovers solubility (the network learned it)
    r2 = cross_val_score(RidgeCV(alphas=np.logspace(-3, 3, 13)), table[columns],
                         esol.iloc[:, 1], cv=5, scoring="r2").mean()
    assert r2 > 0.7


def test_cli_embed_writes_parquet_with_failed_rows_kept(cli_runner, tmp_path):
    out = tmp_path / "emb.parquet"
    result = cli_runner("embed", "-m", "bbbp", "CCO", "not a molecule", "c1ccccc1O", "-o", out)
    assert result.exit_code == 0, result.output
    assert "3 rows x 300 embedding columns (1 with an error)" in result.output
    table = pd.read_parquet(out)
    assert table["smiles"].tolist() == ["CCO", "not a molecule", "c1ccccc1O"]
    assert table.filter(like="emb_").iloc[1].isna().all()
    assert table["error"].iloc[1] and not table["error"].iloc[0]


def test_tree_models_are_refused_with_the_reason(data_dir, tmp_path):
    frame = pd.read_csv(data_dir / "bbbp.csv").head(150)
    path = tmp_path / "b.csv"
    frame.to_csv(path, index=False)
    trees = molpred.train(path, model="gbdt", workers=1, out=tmp_path / "gbdt")
    with pytest.raises(InputError, match="features already"):
        molpred.load(trees.model_dir).embed(["CCO"])


def test_a_blend_embeds_with_its_network_part():
    """The shipped BBBP model is ``auto`` (D-MPNN and random forest): its embeddings are its
    network part's, the vectors its applicability domain measures."""
    from molpred.featurizers.featurize import featurize_smiles

    model = molpred.load("bbbp")
    network = model.model.network
    smiles = ["CCO", "c1ccccc1O", "CN1CCC[C@H]1c1cccnc1"]
    table = model.embed(smiles, workers=1)
    data, _ = featurize_smiles(smiles, network.config.featurizer_config, workers=1, arrays=True)
    _, hidden = predict_with_embeddings(network, data, embeddings=True)
    columns = table.attrs["embedding_columns"]
    assert len(columns) == hidden.shape[2] == 300
    assert np.allclose(table[columns].to_numpy(), hidden.mean(axis=0), atol=1e-6)


@pytest.fixture
def cli_runner():
    from typer.testing import CliRunner

    from molpred_cli.app import app

    runner = CliRunner(env={"COLUMNS": "200"})
    return lambda *args: runner.invoke(app, [str(a) for a in args])
