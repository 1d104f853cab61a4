"""``molpred datasets list|fetch`` (no network: only local copies are fetched)."""

from __future__ import annotations


def test_list_shows_cards_and_local_copies(cli, data_dir):
    result = cli("datasets", "list")
    assert result.exit_code == 0, result.output
    rows = {line.split()[1]: line for line in result.stdout.splitlines()
            if line.startswith("│") and len(line.split()) > 2}
    assert "tox21" in rows and "delaney" in rows
    assert "12" in rows["tox21"] and "ROC-AUC" in rows["tox21"] and "data dir" in rows["tox21"]
    assert "RMSE" in rows["delaney"] and "log(mol/L)" in rows["delaney"]


def test_fetch_reports_the_local_copy(cli, data_dir):
    result = cli("datasets", "fetch", "tox21")
    assert result.exit_code == 0, result.output
    assert str(data_dir / "tox21.csv") in result.stdout and "local copy" in result.stdout


def test_fetch_unknown_dataset(cli, one_line_error):
    one_line_error(cli("datasets", "fetch", "tox22"), "tox22", "tox21")
