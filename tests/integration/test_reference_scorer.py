"""`evaluate` agrees with the reference scorer shared/benchmarks/score.py to 1e-4."""

import json
import subprocess
import sys

import pytest
from tests_support import SHARED_BENCHMARKS

import molpred


@pytest.mark.parametrize("dataset", ["tox21", "delaney"])
def test_evaluate_matches_score_py(dataset, tmp_path, data_dir):
    score_py = SHARED_BENCHMARKS / "score.py"
    if not score_py.exists():
        pytest.skip("no shared/benchmarks/score.py")
    splits = SHARED_BENCHMARKS / "splits" / f"{dataset}.json"
    model_dir = tmp_path / "model"
    molpred.train(dataset, model="mlp", splits=splits, split_key="seed1", epochs=1,
                  out=model_dir, device="cpu")
    preds = tmp_path / "preds.csv"
    ours = molpred.evaluate(model_dir, dataset, splits=splits, split_key="seed1", part="test",
                            predictions_out=preds, device="cpu")
    done = subprocess.run([sys.executable, str(score_py), dataset, "seed1", str(preds),
                           "--data-dir", str(data_dir)], capture_output=True, text=True, check=True)
    reference = json.loads(done.stdout)
    assert reference["metric"] == ours["metric"]
    assert abs(reference["score"] - ours["score"]) < 1e-4
    assert ours["rows"] == len(json.loads(splits.read_text())["splits"]["seed1"]["test"])
