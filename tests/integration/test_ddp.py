"""Data-parallel training: two CPU processes (gloo) agree, and val_score covers the whole val part."""

import json
import os
import subprocess
import sys
import textwrap

import pytest

SCRIPT = textwrap.dedent('''
    import hashlib, json, sys
    from pathlib import Path

    import numpy as np
    import torch

    from molpred.inference import predict_data
    from molpred.models import ModelConfig
    from molpred.models.encoders import ENCODERS
    from molpred.training.fit import FitSettings, fit_model
    from molpred.training.metrics import score_predictions
    from molpred.training.prepare import prepare_dataset

    data, out = sys.argv[1], Path(sys.argv[2])
    prepared = prepare_dataset(data, ENCODERS.get("dmpnn").featurizer_config(), targets=["logp"],
                               workers=1)
    rows = np.flatnonzero(prepared.valid)
    split = {"train": rows[:240], "val": rows[240:301], "test": rows[:0]}  # 61: padded by DDP
    config = ModelConfig.build("dmpnn", prepared.tasks, prepared.task_type, {"hidden_size": 32})
    settings = FitSettings(epochs=2, patience=5, batch_size=32, seed=0, device="cpu",
                           devices=2, strategy="ddp")
    fit = fit_model(prepared, split, config, settings)

    val = [prepared.data[i] for i in split["val"]]
    pred = predict_data(fit.model, val)  # one process, the returned model, every val row
    y = prepared.y[split["val"]]
    score = score_predictions(y, pred, prepared.tasks, prepared.task_type)["score"]
    half = score_predictions(y[::2], pred[::2], prepared.tasks, prepared.task_type)["score"]
    digest = hashlib.sha256()
    for name, tensor in sorted(fit.model.state_dict().items()):
        digest.update(name.encode() + tensor.cpu().numpy().tobytes())
    (out / f"rank{fit.global_rank}.json").write_text(json.dumps({
        "global_rank": fit.global_rank, "best_val_score": fit.best_val_score,
        "best_epoch": fit.best_epoch, "epochs_run": fit.epochs_run,
        "val_scores": fit.val_scores, "train_losses": fit.train_losses,
        "group_open_after_fit": torch.distributed.is_initialized(),
        "single_process_score": score, "half_score": half, "weights": digest.hexdigest(),
    }))
''')


@pytest.fixture(scope="module")
def ranks(tmp_path_factory, data_dir):
    tmp = tmp_path_factory.mktemp("ddp")
    data = tmp / "delaney_300.csv"
    lines = (data_dir / "delaney.csv").read_text().splitlines()[:302]
    data.write_text("\n".join(lines) + "\n")
    script = tmp / "train_ddp.py"
    script.write_text(SCRIPT)
    env = {**os.environ, "OMP_NUM_THREADS": "1", "MOLPRED_NUM_WORKERS": "1",
           "PYTHONWARNINGS": "ignore"}
    done = subprocess.run([sys.executable, str(script), str(data), str(tmp)], env=env,
                          capture_output=True, text=True, timeout=240, cwd=tmp)
    assert done.returncode == 0, done.stderr[-3000:]
    return [json.loads((tmp / f"rank{r}.json").read_text()) for r in (0, 1)]


def test_both_ranks_finish_and_only_one_is_rank_zero(ranks):
    assert [r["global_rank"] for r in ranks] == [0, 1]
    # an open gloo group at interpreter exit can abort the process with SIGABRT
    assert not any(r["group_open_after_fit"] for r in ranks)
    for r in ranks:
        assert r["epochs_run"] == 2 and len(r["train_losses"]) == 2 and len(r["val_scores"]) == 2


def test_ranks_agree_on_scores_history_and_best_weights(ranks):
    first, second = ranks
    for key in ("best_val_score", "best_epoch", "val_scores", "train_losses", "weights"):
        assert first[key] == second[key], key


def test_val_score_is_the_whole_val_part_scored_in_one_process(ranks):
    for r in ranks:
        assert r["best_val_score"] == pytest.approx(r["single_process_score"], abs=1e-6)
        # a score over one rank's share would differ: the check above can tell
        assert abs(r["half_score"] - r["single_process_score"]) > 1e-4
