"""Issue 20's failures, on real Tox21 molecules: two runs on one output, resume across a
changed trust file, a model folder without trust files, changed weights, tree models."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import molpred
from molpred.exceptions import InputError, ModelFileError
from molpred.models.checkpoint import load_model
from molpred.screening.lock import OutputLock, lock_path
from molpred.screening.resume import work_folder


@pytest.fixture(scope="module")
def folder(tmp_path_factory, tox21) -> Path:
    folder = tmp_path_factory.mktemp("reliability")
    tox21.head(300).to_csv(folder / "train.csv", index=False)
    tox21.iloc[300:900][["smiles"]].to_csv(folder / "library.csv", index=False)
    molpred.train(folder / "train.csv", targets=["NR-AR", "SR-MMP"], model="mlp",
                  hidden_size=32, epochs=2, split="random", seed=0, out=folder / "mlp",
                  workers=1)
    return folder


def test_a_second_run_on_the_same_output_is_refused_naming_the_first(folder, tmp_path):
    out = tmp_path / "hits.csv.gz"
    holder = OutputLock(out)  # what a running screen holds
    try:
        with pytest.raises(InputError, match=r"another molpred run \(pid \d+"):
            molpred.screen(folder / "mlp", folder / "library.csv", out, workers=1)
        assert not out.exists() and not work_folder(out).exists()
    finally:
        holder.release()
    report = molpred.screen(folder / "mlp", folder / "library.csv", out, workers=1)
    assert report.rows == 600 and len(pd.read_csv(out)) == 600
    assert not lock_path(out).exists()  # released and removed at the end


class _Stop(Exception):
    pass


def test_resume_is_refused_when_the_trust_files_changed(folder, tmp_path):
    model = tmp_path / "mlp"
    shutil.copytree(folder / "mlp", model)
    out = tmp_path / "hits.csv"
    seen = []

    def stop_after_first_chunk(rows: int) -> None:
        seen.append(rows)
        raise _Stop

    with pytest.raises(_Stop):
        molpred.screen(model, folder / "library.csv", out, chunk_size=200, workers=1,
                       progress=stop_after_first_chunk)
    assert work_folder(out).is_dir() and not lock_path(out).exists()
    (model / "trust.json").unlink()
    with pytest.warns(UserWarning, match="no trust files"):
        with pytest.raises(InputError, match="model"):
            molpred.screen(model, folder / "library.csv", out, chunk_size=200, workers=1,
                           resume=True)


def test_a_model_without_trust_files_says_so_on_load(folder, tmp_path):
    model = tmp_path / "mlp"
    shutil.copytree(folder / "mlp", model)
    for name in ("trust.json", "trust.safetensors"):
        (model / name).unlink()
    with pytest.warns(UserWarning, match="without calibration, conformal sets"):
        predictor = molpred.load(model)
    assert predictor.trust is None


def test_flipped_bytes_in_the_weights_are_refused(folder, tmp_path):
    model = tmp_path / "mlp"
    shutil.copytree(folder / "mlp", model)
    weights = model / "model.safetensors"
    data = bytearray(weights.read_bytes())
    for i in range(len(data) - 64, len(data)):  # 64 bytes of the last tensor
        data[i] ^= 0x10
    weights.write_bytes(bytes(data))
    with pytest.raises(ModelFileError, match="changed or corrupted"):
        load_model(model)


def test_tree_models_screen_like_networks(folder, tmp_path):
    molpred.train(folder / "train.csv", targets=["NR-AR", "SR-MMP"], model="gbdt",
                  split="random", seed=0, out=tmp_path / "gbdt", workers=1)
    out = tmp_path / "hits.csv"
    report = molpred.screen(tmp_path / "gbdt", folder / "library.csv", out, workers=2,
                            chunk_size=2000)
    table = pd.read_csv(out)
    assert report.rows == 600 and len(table) == 600
    direct = molpred.load(tmp_path / "gbdt").predict(table["smiles"].tolist()[:50], domain=False,
                                                       alerts=False)
    np.testing.assert_allclose(table["SR-MMP"].to_numpy()[:50], direct["SR-MMP"].to_numpy(),
                               rtol=1e-6)
    config = json.loads((tmp_path / "gbdt" / "config.json").read_text())
    assert config["family"] == "trees"


@pytest.mark.parametrize("batch_size", [0, -1])
def test_a_batch_size_under_one_is_a_clear_error(folder, tmp_path, batch_size):
    with pytest.raises(InputError, match="batch size must be"):
        molpred.load(folder / "mlp").predict(["CCO"], batch_size=batch_size)
    with pytest.raises(InputError, match="batch size must be"):
        molpred.screen(folder / "mlp", folder / "library.csv", tmp_path / "o.csv",
                       batch_size=batch_size, workers=1)


def test_an_empty_local_folder_does_not_hide_a_shipped_model(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "esol").mkdir()
    table = molpred.load("esol").predict(["CCO"], alerts=False, domain=False)
    assert table["error"].iloc[0] == "" and np.isfinite(table["logS"].iloc[0])


def test_one_malformed_line_costs_one_row_not_the_run(folder, tmp_path, tox21):
    smiles = tox21["smiles"].iloc[:3000].tolist()
    lines = ["id,smiles"] + [f"m{i},{s}" for i, s in enumerate(smiles)]
    lines[1502] = f"m1501,{smiles[1501]},an extra field"
    lines[2500] = f'm2499,"{smiles[2499]}'  # a quote that never closes
    library = tmp_path / "library.csv"
    library.write_text("\n".join(lines) + "\n")
    out = tmp_path / "hits.csv"
    report = molpred.screen(folder / "mlp", library, out, chunk_size=1000, workers=1)
    table = pd.read_csv(out, keep_default_na=False)
    assert report.rows == 3000 and len(table) == 3000
    assert table["id"].tolist() == [f"m{i}" for i in range(3000)]
    for row, why in ((1501, "3 fields where the header has 2"), (2499, "unbalanced quote")):
        assert why in table["error"].iloc[row] and table["SR-MMP"].iloc[row] == ""
    assert (table["error"].drop([1501, 2499]) == "").mean() > 0.95  # the rest is predicted


def _children(pid: int) -> list[int]:
    path = Path(f"/proc/{pid}/task/{pid}/children")
    try:
        return [int(p) for p in path.read_text().split()]
    except OSError:
        return []


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().split(")")[-1].split()[0]
    except OSError:
        return False
    return state != "Z"


@pytest.mark.skipif(not Path("/proc/self/task").exists(), reason="needs Linux /proc")
def test_pool_workers_die_with_a_killed_parent(folder, tmp_path, tox21):
    import os
    import signal
    import subprocess
    import sys
    import time

    library = tmp_path / "big.csv"
    smiles = tox21["smiles"].tolist()
    pd.DataFrame({"smiles": (smiles * 4)[:30000]}).to_csv(library, index=False)
    model, out = str(folder / "mlp"), str(tmp_path / "o.csv")
    code = (f"import molpred; molpred.screen({model!r}, {str(library)!r}, {out!r}, workers=2, "
            "chunk_size=5000)")
    proc = subprocess.Popen([sys.executable, "-c", code], env={**os.environ,
                                                              "OMP_NUM_THREADS": "1"})
    deadline = time.monotonic() + 120
    workers: list[int] = []
    while len(workers) < 2 and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.2)
        workers = [c for c in _children(proc.pid) if _alive(c)]
    assert len(workers) >= 2, "the pool did not start"
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    deadline = time.monotonic() + 20
    while any(_alive(w) for w in workers) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not any(_alive(w) for w in workers), "pool workers outlived their parent"


def test_a_changed_chunk_in_the_work_folder_is_refused_on_resume(folder, tmp_path):
    out = tmp_path / "hits.csv"

    def stop_after_two(rows: int, seen: list = []) -> None:  # noqa: B006 - a call counter
        seen.append(rows)
        if len(seen) == 2:
            raise _Stop

    with pytest.raises(_Stop):
        molpred.screen(folder / "mlp", folder / "library.csv", out, chunk_size=200, workers=1,
                       progress=stop_after_two)
    chunks = sorted(work_folder(out).glob("chunk-*.parquet"))
    assert len(chunks) == 2
    first, second = chunks[0].read_bytes(), chunks[1].read_bytes()
    chunks[0].write_bytes(second)  # swapped
    chunks[1].write_bytes(first)
    with pytest.raises(InputError, match="changed after it was written"):
        molpred.screen(folder / "mlp", folder / "library.csv", out, chunk_size=200, workers=1,
                       resume=True)
    chunks[0].write_bytes(first[: len(first) // 2])  # truncated
    with pytest.raises(InputError, match="changed after it was written"):
        molpred.screen(folder / "mlp", folder / "library.csv", out, chunk_size=200, workers=1,
                       resume=True)


SCHEMA_BREAKS = {  # config.json edits the schema (molpred.models.schema) refuses, and its words
    "members": (lambda c: c.update(ensemble_size=0), "ensemble_size: Input should be greater"),
    "task type": (lambda c: c["model"].update(task_type="ordinal"), "model.task_type"),
    "no tasks": (lambda c: c["model"].update(tasks=[]), "model.tasks"),
    "width": (lambda c: c["model"]["encoder_params"].update(hidden_size=10**9),
              "hidden_size = 1000000000 is outside 0..65536"),
    "object as a size": (lambda c: c["model"]["encoder_params"].update(depth={"$ref": "x"}),
                         "model.encoder_params.depth"),
    "foreign key": (lambda c: c["model"].update(loader="pickle"), "model.loader: Extra inputs"),
    "family": (lambda c: c.update(family="pickle"), "family: Input should be"),
    "hash": (lambda c: c.update(files={"model.safetensors": "00"}), "files.model.safetensors"),
    "featurizer": (lambda c: c["model"]["featurizer"].update(graph="yes"),
                   "model.featurizer.graph"),
}


@pytest.mark.parametrize("name", sorted(SCHEMA_BREAKS))
def test_a_config_breaking_the_schema_is_one_line_naming_the_field(folder, tmp_path, name):
    change, words = SCHEMA_BREAKS[name]
    model = tmp_path / "mlp"
    shutil.copytree(folder / "mlp", model)
    config = json.loads((model / "config.json").read_text())
    change(config)
    (model / "config.json").write_text(json.dumps(config))
    with pytest.raises(ModelFileError) as info:
        load_model(model)
    assert words in str(info.value) and "\n" not in str(info.value)


@pytest.mark.parametrize("change", ["depth", "layers", "fifo", "nested"])
def test_hostile_model_configs_are_refused_before_anything_runs(folder, tmp_path, change):
    import os

    model = tmp_path / "mlp"
    shutil.copytree(folder / "mlp", model)
    config_path = model / "config.json"
    config = json.loads(config_path.read_text())
    if change == "depth":
        config["model"]["encoder_params"]["depth"] = 1_000_000_000
        config_path.write_text(json.dumps(config))
    elif change == "layers":
        config["model"]["head_params"]["num_layers"] = 10_000_000
        config_path.write_text(json.dumps(config))
    elif change == "fifo":
        config_path.unlink()
        os.mkfifo(config_path)
    else:
        config_path.write_text("[" * 100_000 + "]" * 100_000)
    with pytest.raises(ModelFileError):
        load_model(model)


def test_trust_files_of_another_model_are_refused_on_load(folder, tmp_path, data_dir):
    model = tmp_path / "mlp"
    shutil.copytree(folder / "mlp", model)
    meta = json.loads((model / "trust.json").read_text())
    meta["task_type"] = "regression"
    (model / "trust.json").write_text(json.dumps(meta))
    with pytest.raises(ModelFileError, match="do not belong to this model"):
        molpred.load(model)
    meta["task_type"], meta["members"] = "classification", 0
    (model / "trust.json").write_text(json.dumps(meta))
    with pytest.raises(ModelFileError, match="do not belong to this model"):
        molpred.load(model)


def test_latin1_and_utf16_inputs_keep_their_ids(folder, tmp_path):
    ids = ["café-1", "naïve-2", "Müller-3"]
    frame = pd.DataFrame({"id": ids, "smiles": ["CCO", "c1ccccc1", "CC(=O)O"]})
    latin = tmp_path / "latin.csv"
    latin.write_bytes(frame.to_csv(index=False).encode("latin-1"))
    utf16 = tmp_path / "utf16.csv"
    utf16.write_bytes(frame.to_csv(index=False).encode("utf-16"))  # with its byte-order mark
    for source, encoding in ((latin, "latin-1"), (utf16, None)):
        out = tmp_path / f"{source.stem}-out.csv"
        report = molpred.screen(folder / "mlp", source, out, workers=1, encoding=encoding)
        table = pd.read_csv(out, keep_default_na=False)
        assert report.rows == 3 and table["id"].tolist() == ids
        assert (table["error"] == "").all()
    with pytest.raises(InputError, match="unknown text encoding"):
        molpred.screen(folder / "mlp", latin, tmp_path / "x.csv", encoding="klingon")
    from typer.testing import CliRunner

    from molpred_cli.app import app

    out = tmp_path / "predicted.csv"  # molpred predict -i reads the same way
    result = CliRunner().invoke(app, ["predict", "-m", str(folder / "mlp"), "-i", str(latin),
                                      "--encoding", "latin-1", "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert pd.read_csv(out, keep_default_na=False)["id"].tolist() == ids


def test_a_guessed_smiles_column_without_smiles_is_refused_with_the_right_column(folder,
                                                                                 tmp_path):
    frame = pd.DataFrame({"ID": ["A-1", "A-2", "A-3"], "Structure": ["CCO", "c1ccccc1", "CC#N"]})
    path = tmp_path / "mols.csv"
    frame.to_csv(path, index=False)
    with pytest.raises(InputError, match="pass --smiles-col Structure"):
        molpred.screen(folder / "mlp", path, tmp_path / "o.csv", workers=1)
    report = molpred.screen(folder / "mlp", path, tmp_path / "o.csv", workers=1,
                            smiles_col="Structure")
    assert report.rows == 3 and report.errors == 0
    from molpred.data.readers import read_text_table

    with pytest.raises(InputError, match="pass --smiles-col Structure"):
        read_text_table(path)


@pytest.mark.parametrize("ids", [["1000", "1001", "1002", "1003"],
                                 ["CPD-1", "CPD-2", "CPD-3", "CPD-4"]])
def test_the_smiles_hint_skips_columns_of_single_letters_and_sees_past_numeric_ids(ids, tmp_path):
    """A ``series`` column of "C"/"B" parses as methane and boron: the hint must name the
    column of real structures, for text and for numeric identifiers, in training too (a
    numeric first column was read as numbers and gave no hint at all)."""
    frame = pd.DataFrame({"compound_id": ids, "series": ["C", "B", "C", "N"],
                          "Structure": ["CCO", "c1ccccc1", "CC#N", "CC(=O)Oc1ccccc1C(=O)O"],
                          "logS": [0.5, -1.6, 0.3, -1.7]})
    path = tmp_path / "assay.csv"
    frame.to_csv(path, index=False)
    from molpred.data.readers import read_text_table

    with pytest.raises(InputError, match="column 'Structure' looks like SMILES: pass "
                                         "--smiles-col Structure"):
        read_text_table(path)
    with pytest.raises(InputError, match="pass --smiles-col Structure"):
        molpred.train(path, model="gbdt")
