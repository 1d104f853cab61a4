"""bf16 inference (``precision="bf16"``) agrees with fp32 on real molecules and is refused
when misspelled; the optimized D-MPNN forward equals the textbook formulas."""

import numpy as np
import pytest
import torch
from torch_geometric.data import Batch

import molpred
from molpred.exceptions import InputError
from molpred.featurizers.featurize import FeaturizerConfig, featurize_smiles
from molpred.models.encoders.dmpnn import DMPNNEncoder


@pytest.fixture(scope="module")
def model_dir(tmp_path_factory, tox21_head):
    path = tox21_head(300)
    out = tmp_path_factory.mktemp("runs") / "dmpnn"
    molpred.train(path, targets=["NR-AhR", "SR-MMP"], model="dmpnn", hidden_size=64, epochs=2,
                  patience=2, split="random", out=out, workers=1)
    return out


def test_bf16_predictions_stay_close_to_fp32(model_dir, tox21):
    predictor = molpred.load(model_dir)
    smiles = tox21["smiles"].iloc[300:500].tolist() + ["not a molecule"]
    exact = predictor.predict(smiles, workers=1, precision="fp32")
    fast = predictor.predict(smiles, workers=1, precision="bf16")
    diff = np.abs(exact[predictor.tasks].to_numpy() - fast[predictor.tasks].to_numpy())
    assert np.isnan(diff[-1]).all() and fast["error"].iloc[-1]
    assert np.nanmax(diff) < 0.02 and np.nanmax(diff) > 0  # bf16 really ran, and stays close
    with pytest.raises(InputError, match="precision"):
        predictor.predict(smiles[:2], precision="fp16x")


def test_screen_cli_takes_bf16(model_dir, tox21, tmp_path):
    from typer.testing import CliRunner

    from molpred_cli.app import app

    library = tmp_path / "lib.csv"
    tox21[["smiles"]].iloc[:50].to_csv(library, index=False)
    out = tmp_path / "hits.csv"
    res = CliRunner().invoke(app, ["screen", "-m", str(model_dir), "-i", str(library), "-o",
                                   str(out), "--precision", "bf16", "--workers", "1"])
    assert res.exit_code == 0, res.output
    assert "50 rows" in res.output


def _textbook_dmpnn(enc: DMPNNEncoder, batch: Batch) -> torch.Tensor:
    """Yang et al. 2019 written out literally (no fusion, no in-place ops)."""
    x, ei, ea = batch.x, batch.edge_index, batch.edge_attr
    src, dst = ei[0], ei[1]
    rev = torch.arange(ei.size(1)) ^ 1
    z = enc.W_i(torch.cat([x[src], ea], dim=1))
    h = torch.relu(z)
    for _ in range(enc.depth - 1):
        into = torch.zeros(x.size(0), enc.hidden_size).index_add(0, dst, h)
        h = torch.relu(z + enc.W_h(into[src] - h[rev]))
    atoms = torch.relu(enc.W_o(torch.cat([x, torch.zeros(x.size(0), enc.hidden_size)
                                          .index_add(0, dst, h)], dim=1)))
    pooled = torch.zeros(batch.num_graphs, enc.hidden_size).index_add(0, batch.batch, atoms)
    return pooled / 100.0


def test_dmpnn_forward_and_gradients_match_the_textbook_formulas(tox21):
    data, _ = featurize_smiles(tox21["smiles"].head(64).tolist(), FeaturizerConfig(), workers=1)
    batch = Batch.from_data_list([d for d in data if d is not None])
    torch.manual_seed(0)
    enc = DMPNNEncoder(hidden_size=48, dropout=0.0)
    fast = enc(batch)
    reference = _textbook_dmpnn(enc, batch)
    torch.testing.assert_close(fast, reference, atol=1e-5, rtol=1e-5)
    grads = torch.autograd.grad(fast.sum(), list(enc.parameters()))
    ref_grads = torch.autograd.grad(reference.sum(), list(enc.parameters()))
    for g, r in zip(grads, ref_grads):
        torch.testing.assert_close(g, r, atol=1e-4, rtol=1e-4)
