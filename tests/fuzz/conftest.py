"""Fixtures of the fuzz tests: a tiny trained graph model and real SMILES to mutate.

The model (a 1-epoch D-MPNN, hidden size 16, on 120 real BBBP rows) is trained once per
session through the library: the fuzz tests only need a model that featurizes graphs and
predicts, not a good one.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from molpred.predictor import Predictor, load


@pytest.fixture(scope="session")
def fuzz_model_dir(data_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    from molpred.training.api import train

    work = tmp_path_factory.mktemp("fuzz_model")
    table = work / "small.csv"
    pd.read_csv(data_dir / "bbbp.csv").head(120).to_csv(table, index=False)
    out = work / "model"
    train(table, smiles_col="smiles", targets=["p_np"], model="dmpnn", out=out, split="random",
          epochs=1, hidden_size=16, depth=2, device="cpu", workers=1)
    return out


@pytest.fixture(scope="session")
def fuzz_predictor(fuzz_model_dir: Path) -> Predictor:
    return load(fuzz_model_dir)
