"""Predicting with a D-MPNN model does not import torch-geometric (about 2.7 s of start-up)."""

import subprocess
import sys

import molpred


def test_dmpnn_predict_and_screen_leave_pyg_unimported(tox21, tmp_path):
    tox21.head(200).to_csv(tmp_path / "train.csv", index=False)
    trained_model_dir = tmp_path / "m"
    molpred.train(tmp_path / "train.csv", targets=["NR-AR", "SR-MMP"], model="dmpnn",
                  hidden_size=16, epochs=1, split="random", seed=0, out=trained_model_dir,
                  workers=1)
    library = tmp_path / "lib.csv"
    library.write_text("smiles\nCC(=O)Oc1ccccc1C(=O)O\nnot a smiles\nc1ccccc1O\n")
    code = f"""
import sys
import molpred
from molpred.predictor import load
predictor = load({str(trained_model_dir)!r})
frame = predictor.predict(["CC(=O)Oc1ccccc1C(=O)O", "c1ccccc1O"])
assert frame[predictor.tasks].notna().all().all()
report = molpred.screen(predictor, {str(library)!r}, {str(tmp_path / 'out.csv')!r})
assert (report.rows, report.errors) == (3, 1)
sys.exit(3 if "torch_geometric" in sys.modules else 0)
"""
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr[-2000:]


def test_datasets_list_leaves_torch_unimported():
    code = """
import sys
from molpred_cli.app import app
from typer.testing import CliRunner
result = CliRunner().invoke(app, ["datasets", "list"])
assert result.exit_code == 0 and "tox21" in result.output, result.output
sys.exit(3 if "torch" in sys.modules else 0)
"""
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr[-2000:]
