"""The shipped panel from the shell: predict without a model, models list/card, explain."""

import pandas as pd
import pytest
from tests_support import REPO

from molpred.panel import shipped_models

ASPIRIN = "CC(=O)Oc1ccccc1C(=O)O"


def test_predict_without_a_model_prints_every_shipped_endpoint(cli):
    result = cli("predict", ASPIRIN)
    assert result.exit_code == 0, result.output
    for name in shipped_models():
        assert name in result.stdout
    assert "in domain" in result.stdout and "90% conformal" in result.stdout
    assert "structural alerts: Brenk: phenol_ester" in result.stdout


def test_readmes_aspirin_panel_is_what_predict_prints(cli):
    """README's first command ends with ``molpred predict ASPIRIN`` and shows its table: a
    newcomer compares the two, so every cell must match (it had drifted when Tox21's NR-AhR
    calibration changed)."""
    text = (REPO / "README.md").read_text()
    shown = text.split("then prints aspirin's panel:", 1)[1].split("```", 2)[1]

    def rows(block: str) -> list[list[str]]:
        return [[cell.strip() for cell in line.strip().strip("│┃").split("│")]
                for line in block.splitlines() if line.strip().startswith("│")]

    result = cli("predict", ASPIRIN)
    assert result.exit_code == 0, result.output
    assert len(rows(shown)) == 18 and rows(result.stdout) == rows(shown)
    assert "structural alerts: Brenk: phenol_ester" in shown


def test_predict_panel_to_csv_keeps_every_row_and_names_columns_by_model(cli, tmp_path):
    out = tmp_path / "panel.csv"
    result = cli("predict", ASPIRIN, "not smiles", "-m", "clintox", "-m", "tox21",
                 "--confidence", "0.8", "-o", out)
    assert result.exit_code == 0, result.output
    table = pd.read_csv(out, keep_default_na=False)
    assert len(table) == 2 and table.loc[1, "error"] and not table.loc[0, "error"]
    for column in ("clintox.CT_TOX", "clintox.CT_TOX_std", "clintox.CT_TOX_set",
                   "clintox.in_domain", "tox21.SR-MMP", "tox21.max_similarity", "alerts"):
        assert column in table.columns
    assert 0 <= float(table.loc[0, "clintox.CT_TOX"]) <= 1
    assert not any(c.startswith(("hiv.", "esol.")) for c in table.columns)


def test_a_shipped_name_works_where_a_model_folder_does(cli, library, workdir):
    lib = workdir / "panel_lib.csv"
    library.to_csv(lib, index=False)
    out = workdir / "panel_lib_out.csv"
    result = cli("screen", "-m", "clintox", "-i", lib, "-o", out, "--workers", "1")
    assert result.exit_code == 0, result.output
    assert len(pd.read_csv(out)) == len(library)


def test_unknown_model_name_is_one_clear_error(cli, one_line_error):
    result = cli("predict", "-m", "toxcast21", ASPIRIN)
    one_line_error(result, "neither a model folder nor a panel model", "shipped: tox21")


def test_models_list_and_card(cli):
    listing = cli("models", "list")
    assert listing.exit_code == 0
    for name in shipped_models():
        assert name in listing.stdout
    card = cli("models", "card", "clintox")
    assert card.exit_code == 0 and "Intended use" in card.stdout and "Limits" in card.stdout


def test_explain_writes_a_picture_and_lists_atoms(cli, tmp_path):
    out = tmp_path / "atoms.png"
    result = cli("explain", "-m", "clintox", ASPIRIN, "--task", "CT_TOX", "-o", out,
                 "--method", "shap")
    assert result.exit_code == 0, result.output
    assert out.read_bytes()[:4] == b"\x89PNG"
    assert result.stdout.count("\n  ") >= 13  # one line per heavy atom
    assert "shap attributions in probability units" in result.stdout


@pytest.mark.parametrize(("model", "dataset", "metric"), [("esol", "delaney", "rmse"),
                                                         ("clintox", "clintox", "roc_auc")])
def test_evaluate_a_shipped_model_on_its_dataset_reproduces_its_card(cli, splits_dir, model,
                                                                     dataset, metric):
    """The ESOL ensemble and the ClinTox ``auto`` blend (D-MPNN and trees: ``evaluate``
    crashed on tree models and blends, every default ``auto`` model included)."""
    import json

    from molpred.panel import MODELS_DIR

    reported = json.loads((MODELS_DIR / model / "metrics.json").read_text())["test"]["score"]
    result = cli("evaluate", "-m", model, dataset, "--splits", splits_dir / f"{dataset}.json",
                 "--part", "test", "--workers", "1")
    assert result.exit_code == 0, result.output
    line = next(li for li in result.stdout.splitlines() if li.startswith(f"test {metric}: "))
    assert abs(float(line.split(": ")[1]) - reported) < 1e-4


def test_a_model_you_trained_joins_your_panel_and_leaves_it(cli, trained, tmp_path,
                                                            monkeypatch, one_line_error):
    import pandas as pd

    model_dir, _ = trained
    monkeypatch.setenv("MOLPRED_PANEL_DIR", str(tmp_path / "panel"))
    added = cli("models", "add", "herg", model_dir, "--title", "hERG block (in-house)",
                "--area", "toxicity")
    assert added.exit_code == 0, added.output
    assert (tmp_path / "panel" / "herg" / "model.safetensors").is_file()
    listed = cli("models", "list")
    assert "herg (yours)" in listed.stdout and "hERG block (in-house)" in listed.stdout
    assert "tox21" in listed.stdout
    assert "p_np" in cli("models", "card", "herg").stdout
    out = tmp_path / "panel.csv"
    assert cli("predict", "CCO", "c1ccccc1O", "-o", out).exit_code == 0
    table = pd.read_csv(out)
    assert {"herg.p_np", "herg.p_np_set", "herg.in_domain", "tox21.SR-MMP"} <= set(table.columns)
    by_name = cli("predict", "-m", "herg", "CCO", "-o", tmp_path / "one.csv")
    assert by_name.exit_code == 0
    assert pd.read_csv(tmp_path / "one.csv")["p_np"].iloc[0] == table["herg.p_np"].iloc[0]
    one_line_error(cli("models", "add", "herg", model_dir), "already has 'herg'", "--replace")
    one_line_error(cli("models", "add", "tox21", model_dir), "shipped model's name")
    one_line_error(cli("models", "add", "other", tmp_path), "not a molpred model folder")
    broken = tmp_path / "broken"
    import shutil

    shutil.copytree(model_dir, broken)
    (broken / "model.safetensors").write_bytes(b"not weights")
    one_line_error(cli("models", "add", "broken", broken))
    assert not (tmp_path / "panel" / "broken").exists()  # a broken model never enters
    linked = tmp_path / "linked"
    shutil.copytree(model_dir, linked)
    (linked / "extra").symlink_to(tmp_path)
    one_line_error(cli("models", "add", "linked", linked), "symbolic link")
    (tmp_path / "panel" / ".half.adding").mkdir()  # a copy cut short is not a panel model
    (tmp_path / "panel" / ".half.adding" / "config.json").write_text("{}")
    (tmp_path / "panel" / ".half.adding" / "panel.json").write_text("{}")
    assert ".half" not in cli("models", "list").stdout
    assert cli("models", "remove", "herg").exit_code == 0
    assert model_dir.is_dir() and not (tmp_path / "panel" / "herg").exists()
    assert "herg" not in cli("models", "list").stdout
    one_line_error(cli("models", "remove", "bbbp"), "shipped with molpred and cannot be removed")
