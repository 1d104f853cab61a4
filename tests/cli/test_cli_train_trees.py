"""``molpred train --model rf|gbdt`` and ``--tree-params`` from the shell."""

from __future__ import annotations

import json

import pandas as pd


def test_cli_trains_a_forest_with_given_settings(cli, data_dir, tmp_path):
    bbbp_file = tmp_path / "bbbp200.csv"
    pd.read_csv(data_dir / "bbbp.csv").sample(200, random_state=1).to_csv(bbbp_file, index=False)
    result = cli("train", bbbp_file, "--model", "rf", "--tree-params", '{"num_leaves": 31}',
                 "-o", tmp_path / "rf", "--workers", "1")
    assert result.exit_code == 0, result.output
    config = json.loads((tmp_path / "rf" / "config.json").read_text())
    assert config["family"] == "trees" and config["model"]["params"]["num_leaves"] == 31
    bad = cli("train", bbbp_file, "--model", "rf", "--tree-params", "[1]", "-o", tmp_path / "x")
    assert bad.exit_code != 0 and "JSON object" in bad.output
