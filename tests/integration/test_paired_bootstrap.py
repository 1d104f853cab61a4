"""benchmarks/paired_bootstrap.py: its margins are score.py's score differences, and a model
compared with itself has a margin of exactly zero on every resample."""

import json
import subprocess
import sys
from pathlib import Path

import pytest
from tests_support import SHARED_BENCHMARKS

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "benchmarks" / "paired_bootstrap.py"
OURS = ROOT / "benchmarks" / "results" / "predictions" / "bbbp" / "seed{seed}.csv"
DEPTH3 = (ROOT / "benchmarks" / "results" / "bbbp_dmpnn_depth3" / "predictions" / "bbbp"
          / "dmpnn" / "seed{seed}.csv")


def _bootstrap(ours, peer, tmp_path):
    out = tmp_path / "margins.json"
    subprocess.run([sys.executable, str(SCRIPT), "bbbp", "--ours", str(ours), "--peer", str(peer),
                    "--seeds", "0,1", "--resamples", "200", "--shared",
                    str(SHARED_BENCHMARKS.parent), "--out", str(out)],
                   check=True, capture_output=True, text=True)
    return json.loads(out.read_text())


def _score_py(predictions, seed, data_dir):
    done = subprocess.run([sys.executable, str(SHARED_BENCHMARKS / "score.py"), "bbbp",
                           f"seed{seed}", str(predictions), "--data-dir", str(data_dir)],
                          check=True, capture_output=True, text=True)
    return json.loads(done.stdout)["score"]


def test_margins_are_score_py_differences(tmp_path, data_dir):
    if not (SHARED_BENCHMARKS / "score.py").exists():
        pytest.skip("no shared/benchmarks/score.py")
    result = _bootstrap(OURS, DEPTH3, tmp_path)
    for seed in (0, 1):
        expected = (_score_py(str(OURS).format(seed=seed), seed, data_dir)
                    - _score_py(str(DEPTH3).format(seed=seed), seed, data_dir))
        found = result["seeds"][f"seed{seed}"]
        assert found["margin"] == pytest.approx(expected, abs=2e-4)
        low, high = found["ci95"]
        assert low < found["margin"] < high
    mean = result["mean_over_seeds"]
    assert mean["margin"] == pytest.approx(
        (result["seeds"]["seed0"]["margin"] + result["seeds"]["seed1"]["margin"]) / 2, abs=1e-4)


def test_a_model_against_itself_has_zero_margin_on_every_resample(tmp_path, data_dir):
    result = _bootstrap(OURS, OURS, tmp_path)
    for summary in [*result["seeds"].values(), result["mean_over_seeds"]]:
        assert summary["margin"] == 0 and summary["ci95"] == [0, 0]
        assert summary["share_above_0"] == 0
