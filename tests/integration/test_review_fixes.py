"""Row accounting and error paths found in review: blank lines, SDF screens, bad files."""

import gzip

import pandas as pd
import pytest
from rdkit import Chem
from typer.testing import CliRunner

import molpred
from molpred.data import iter_table_chunks, read_table
from molpred.exceptions import InputError
from molpred.featurizers.featurize import default_workers
from molpred_cli.app import app


def test_blank_csv_line_is_a_row_not_dropped(tmp_path):
    path = tmp_path / "mols.csv"
    path.write_text("smiles\nCCO\n\nc1ccccc1\n")
    assert len(read_table(path).frame) == 3
    assert sum(len(c) for c in iter_table_chunks(path, chunk_size=2)) == 3


@pytest.fixture(scope="module")
def model(tmp_path_factory, tox21):
    work = tmp_path_factory.mktemp("review")
    labelled = work / "train.csv"
    tox21.head(120).to_csv(labelled, index=False)
    molpred.train(labelled, targets=["SR-MMP"], model="mlp", epochs=1, split="random",
                  out=work / "model", workers=1, device="cpu")
    return work / "model"


def test_screen_to_sdf_with_an_upper_case_smiles_column(tmp_path, tox21, model):
    frame = pd.DataFrame({"ID": ["a", "b", "c"], "SMILES": [tox21.smiles[0], "garbage", "CCO"]})
    source = tmp_path / "in.csv"
    frame.to_csv(source, index=False)
    report = molpred.screen(model, source, tmp_path / "hits.sdf", workers=1)
    assert report.rows == 3 and report.errors == 1
    records = list(Chem.SDMolSupplier(str(tmp_path / "hits.sdf")))
    assert len(records) == 3


def test_corrupt_gzip_input_is_a_one_line_cli_error(tmp_path, model):
    bad = tmp_path / "mols.smi.gz"
    bad.write_bytes(b"this is not gzip data")
    result = CliRunner().invoke(app, ["predict", "-m", str(model), "-i", str(bad)])
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert "gzip" in result.output.lower() or "mols.smi.gz" in result.output


def test_bad_worker_count_is_a_clear_error(monkeypatch):
    monkeypatch.setenv("MOLPRED_NUM_WORKERS", "abc")
    with pytest.raises(InputError, match="MOLPRED_NUM_WORKERS"):
        default_workers()


def test_gzip_fixture_sanity(tmp_path):
    good = tmp_path / "ok.smi.gz"
    with gzip.open(good, "wt") as fh:
        fh.write("CCO ethanol\n")
    assert read_table(good).frame.shape[0] == 1
