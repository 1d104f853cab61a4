"""``molpred calibrate``: a shipped model refitted on new labelled molecules."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

import molpred
from molpred.exceptions import InputError
from molpred.trust.recalibrate import recalibrate


@pytest.fixture(scope="module")
def drifted(data_dir, tmp_path_factory):
    """300 BBBP molecules whose labels drifted: a third of the 1s became 0s."""
    frame = pd.read_csv(data_dir / "bbbp.csv").iloc[1500:1800].reset_index(drop=True)
    labels = frame["p_np"].to_numpy().copy()
    ones = np.flatnonzero(labels == 1)
    labels[ones[::3]] = 0
    path = tmp_path_factory.mktemp("drift") / "drifted.csv"
    pd.DataFrame({"smiles": frame["smiles"], "BBB_penetration": labels}).to_csv(path, index=False)
    return path


def test_recalibration_refits_calibration_and_keeps_the_model(drifted, tmp_path):
    out = tmp_path / "bbbp-recalibrated"
    report = recalibrate("bbbp", drifted, out)
    assert report.molecules == 300 and report.labels == 300
    assert report.after["ece"] < report.before["ece"]  # the drift is what it repairs
    assert abs(report.after["coverage_90"] - 0.9) < abs(report.before["coverage_90"] - 0.9) + 0.02
    old, new = molpred.load("bbbp"), molpred.load(out)  # sealed trust files load
    assert not np.allclose(old.trust.platt, new.trust.platt)
    smiles = ["CC(=O)Oc1ccccc1C(=O)O", "CN1C=NC2=C1C(=O)N(C(=O)N2C)C"]
    a, b = (m.predict(smiles, alerts=False) for m in (old, new))
    np.testing.assert_allclose(a["max_similarity"], b["max_similarity"])  # same domain
    assert (a["BBB_penetration"] != b["BBB_penetration"]).all()  # new calibration
    record = json.loads((out / "recalibration.json").read_text())
    assert record["molecules"] == 300 and record["before"]["ece"] == report.before["ece"]
    with pytest.raises(InputError, match="exists"):
        recalibrate("bbbp", drifted, out)


def test_a_file_without_the_task_columns_is_refused(data_dir, tmp_path):
    path = tmp_path / "wrong.csv"
    pd.read_csv(data_dir / "bbbp.csv").head(50).to_csv(path, index=False)  # p_np, not the task
    with pytest.raises(InputError, match="no column for task"):
        recalibrate("bbbp", path, tmp_path / "x")
    assert not (tmp_path / "x").exists()


def test_the_command_prints_before_and_after(cli_runner_app, drifted, tmp_path):
    runner, app = cli_runner_app
    result = runner.invoke(app, ["calibrate", str(drifted), "-m", "bbbp", "-o",
                                 str(tmp_path / "m"), "--workers", "1"])
    assert result.exit_code == 0, result.output
    assert "before: ece" in result.stdout and "after (fitted on these data): ece" in result.stdout


@pytest.fixture
def cli_runner_app():
    from typer.testing import CliRunner

    from molpred_cli.app import app

    return CliRunner(), app
