"""Inference products through NumPy's BLAS equal torch's up to float32 rounding, are used only
without autograd, and MOLPRED_CPU_GEMM chooses the library."""

import pytest
import torch

import molpred
from molpred.exceptions import InputError
from molpred.models import cpu_gemm


@pytest.fixture
def choose(monkeypatch):
    def set_choice(value: str) -> None:
        monkeypatch.setenv("MOLPRED_CPU_GEMM", value)
        cpu_gemm.numpy_gemm_preferred.cache_clear()

    yield set_choice
    cpu_gemm.numpy_gemm_preferred.cache_clear()


def test_numpy_products_equal_torch_products(choose):
    torch.manual_seed(0)
    a, b, bias = torch.randn(257, 300), torch.randn(300, 300).t(), torch.randn(257, 300)
    layer = torch.nn.Linear(300, 40)
    choose("numpy")
    close = {"rtol": 1e-5, "atol": 1e-4}  # float32 sums of 300 terms of size ~1: ulps of ~17
    with torch.inference_mode():
        assert cpu_gemm.numpy_gemm_preferred()
        torch.testing.assert_close(cpu_gemm.addmm(bias, a, b), torch.addmm(bias, a, b), **close)
        torch.testing.assert_close(cpu_gemm.mm(a, b), torch.mm(a, b), **close)
        torch.testing.assert_close(cpu_gemm.linear(a, layer), layer(a), **close)


def test_training_keeps_torch_and_its_gradients(choose):
    choose("numpy")
    a = torch.randn(8, 5, requires_grad=True)
    out = cpu_gemm.mm(a, torch.randn(5, 3))
    assert out.grad_fn is not None  # autograd graph kept: torch did the product
    out.sum().backward()
    assert a.grad is not None


def test_override_is_checked(choose):
    choose("mkl")
    with pytest.raises(InputError, match="MOLPRED_CPU_GEMM"):
        cpu_gemm.numpy_gemm_preferred()
    choose("torch")
    assert not cpu_gemm.numpy_gemm_preferred()


def test_dmpnn_predictions_agree_between_libraries(choose, tox21_head, tmp_path):
    data = tox21_head(200)
    molpred.train(data, targets=["NR-AR", "SR-MMP"], model="dmpnn", hidden_size=64, epochs=1,
                  split="random", seed=0, out=tmp_path / "m", workers=1)
    smiles = ["CC(=O)Oc1ccccc1C(=O)O", "c1ccc2ccccc2c1", "CCN(CC)CC", "not a smiles"]
    predictor = molpred.load(tmp_path / "m")
    choose("torch")
    exact = predictor.predict(smiles, workers=1)
    choose("numpy")
    fast = predictor.predict(smiles, workers=1)
    assert fast["error"].tolist() == exact["error"].tolist()
    torch.testing.assert_close(torch.tensor(fast[["NR-AR", "SR-MMP"]].to_numpy()),
                               torch.tensor(exact[["NR-AR", "SR-MMP"]].to_numpy()),
                               rtol=1e-5, atol=1e-6, equal_nan=True)
