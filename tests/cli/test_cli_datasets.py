"""``molpred datasets list|fetch`` (no network: only local copies are fetched)."""

from __future__ import annotations

from molpred.data import get_card
from molpred_cli.commands import datasets


def test_list_shows_cards_and_local_copies(cli, data_dir):
    result = cli("datasets", "list")
    assert result.exit_code == 0, result.output
    rows = {line.split()[1]: line for line in result.stdout.splitlines()
            if line.startswith("│") and len(line.split()) > 2}
    assert "tox21" in rows and "delaney" in rows
    assert "12" in rows["tox21"] and "ROC-AUC" in rows["tox21"] and "data dir" in rows["tox21"]
    assert "RMSE" in rows["delaney"] and "log(mol/L)" in rows["delaney"]
    assert "…" not in result.stdout  # nothing cut short in an 80-column terminal


def test_fetch_reports_the_local_copy(cli, data_dir):
    result = cli("datasets", "fetch", "tox21")
    assert result.exit_code == 0, result.output
    assert str(data_dir / "tox21.csv") in result.stdout and "local copy" in result.stdout


def test_fetch_unknown_dataset(cli, one_line_error):
    one_line_error(cli("datasets", "fetch", "tox22"), "tox22", "tox21")


def test_list_without_data_dir_uses_the_cache(cli, monkeypatch, tmp_path):
    monkeypatch.delenv("MOLPRED_DATA_DIR")
    monkeypatch.setenv("MOLPRED_CACHE_DIR", str(tmp_path))
    (tmp_path / "datasets").mkdir()
    (tmp_path / "datasets" / get_card("bace").filename).write_text("mol,Class\nCCO,1\n")
    result = cli("datasets", "list")
    assert result.exit_code == 0, result.output
    rows = {line.split()[1]: line for line in result.stdout.splitlines()
            if line.startswith("│") and len(line.split()) > 2}
    assert "cache" in rows["bace"] and "data dir" not in result.stdout.replace("data dir =", "")


def test_fetch_reports_a_download(cli, monkeypatch, tmp_path):
    """The download itself is molpred.data's business (and needs the network): fake it."""
    target = tmp_path / "bace.csv"

    def fake_fetch(name, force=False, progress=None):
        progress(512, 1024)
        progress(1024, 1024)
        return target

    monkeypatch.setattr(datasets, "fetch_dataset", fake_fetch)
    result = cli("datasets", "fetch", "bace", "--force")
    assert result.exit_code == 0, result.output
    assert f"bace: downloaded to {target}" in result.stdout
