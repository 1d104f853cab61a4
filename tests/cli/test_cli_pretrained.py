"""``molpred embed -m molpred-base``, ``train --from-pretrained`` and ``pretrain`` from the
shell."""

from __future__ import annotations

import pandas as pd


def test_embed_with_the_shipped_backbone_writes_one_row_per_input(cli, tmp_path):
    out = tmp_path / "emb.parquet"
    result = cli("embed", "-m", "molpred-base", "CCO", "c1ccccc1O", "not a smiles", "-o", out)
    assert result.exit_code == 0, result.output
    frame = pd.read_parquet(out)
    assert len(frame) == 3 and frame.filter(like="emb_").shape[1] == 300
    assert frame["error"].iloc[2] and not frame["error"].iloc[0]
    assert frame.filter(like="emb_").iloc[0].notna().all()


def test_fine_tuning_options_need_a_backbone(cli, tmp_path, one_line_error):
    result = cli("train", "bbbp", "--encoder-lr-ratio", "0.1", "-o", tmp_path / "m")
    assert result.exit_code != 0
    assert "--from-pretrained" in result.output
    missing = cli("train", "bbbp", "--from-pretrained", tmp_path / "nowhere", "-o", tmp_path / "m")
    one_line_error(missing, "no pretrained backbone")


def test_pretrain_help_says_how_to_resume(cli):
    result = cli("pretrain", "--help")
    assert result.exit_code == 0
    assert "resume" in result.output.lower() and "--corpus" in result.output
