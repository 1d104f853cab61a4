"""``molpred screen --filter/--top/--sort-by/--druglike/--resume/--engine``: what is written,
what the summary says, and one-line errors for options that cannot work."""

from __future__ import annotations

import pandas as pd
import pytest

from molpred.chem.druglike import DRUGLIKE_COLUMNS


@pytest.fixture
def src(library, tmp_path):
    path = tmp_path / "library.csv"
    library.to_csv(path, index=False)
    return path


def _screen(cli, model_dir, src, dst, *options):
    return cli("screen", "-m", model_dir, "-i", src, "-o", dst, "--chunk-size", "25",
               "--workers", "1", "--device", "cpu", *options)


def test_druglike_filter_and_top_together(cli, model_dir, src, tmp_path, garbage_rows):
    full_path, dst = tmp_path / "full.csv", tmp_path / "top.csv"
    assert _screen(cli, model_dir, src, full_path, "--druglike").exit_code == 0
    full = pd.read_csv(full_path, keep_default_na=False)
    assert list(full.columns)[-len(DRUGLIKE_COLUMNS):] == list(DRUGLIKE_COLUMNS)
    assert (full.loc[garbage_rows, "qed"] == "").all()

    result = _screen(cli, model_dir, src, dst, "--druglike", "--filter", "mol_weight < 400",
                     "--top", "5", "--sort-by", "p_np", "--ascending")
    assert result.exit_code == 0, result.output
    ok = full[(full["error"] == "") & (pd.to_numeric(full["mol_weight"]) < 400)]
    expected = ok.assign(p=pd.to_numeric(ok["p_np"])).sort_values("p", kind="stable").head(5)
    assert pd.read_csv(dst)["id"].tolist() == expected["id"].tolist()
    unmatched = len(full) - len(ok)
    assert (f"60 rows, 3 errors, {unmatched} not matching the filter, 5 written "
            "(top 5 by lowest p_np)") in result.stdout


def test_resume_flag_after_a_finished_run_starts_afresh(cli, model_dir, src, tmp_path):
    dst = tmp_path / "hits.parquet"
    result = _screen(cli, model_dir, src, dst, "--resume")
    assert result.exit_code == 0, result.output
    assert "60 rows, 3 errors, 60 written" in result.stdout and "resumed" not in result.stdout
    assert not (tmp_path / "hits.parquet.partial").exists()


@pytest.mark.parametrize(("options", "fragments"), [
    (["--filter", "p_np >"], ["bad --filter"]),
    (["--filter", "logS < 1"], ["logS", "known columns"]),
    (["--top", "5"], ["--sort-by"]),
    (["--top", "5", "--sort-by", "qed"], ["qed", "not an output column"]),
    (["--engine", "ray", "--workers", "2"], ["--workers", "local-engine"]),
])
def test_unusable_options_are_one_line_errors(cli, model_dir, src, tmp_path, one_line_error,
                                              options, fragments):
    dst = tmp_path / "hits.csv"
    one_line_error(_screen(cli, model_dir, src, dst, *options), *fragments)
    assert not dst.exists()


def test_help_explains_the_new_options(cli):
    result = cli("screen", "--help")
    assert result.exit_code == 0
    for option in ("--resume", "--filter", "--top", "--sort-by", "--ascending", "--druglike",
                   "--engine"):
        assert option in result.stdout


def test_a_descriptor_model_says_how_to_screen_faster(cli, small_csv, src, model_dir, tmp_path,
                                                      monkeypatch):
    monkeypatch.setattr("molpred_cli.commands.screen.DESCRIPTOR_HINT_ROWS", 10)
    described = tmp_path / "described"
    trained = cli("train", small_csv, "--targets", "p_np", "--model", "mlp", "--epochs", "1",
                  "--extra-features", "rdkit2d", "--device", "cpu", "--workers", "1",
                  "-o", described)
    assert trained.exit_code == 0, trained.output
    hinted = cli("screen", "-m", described, "-i", src, "-o", tmp_path / "a.csv")
    assert hinted.exit_code == 0, hinted.output
    assert "RDKit 2D descriptors" in hinted.stderr and "--plain" in hinted.stderr
    plain = cli("screen", "-m", model_dir, "-i", src, "-o", tmp_path / "b.csv")
    assert plain.exit_code == 0 and "descriptors" not in plain.stderr
