"""``screen_ray`` on a local 2-CPU Ray writes exactly what the local streaming engine writes."""

import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from tests_support import MESSY

import molpred
from molpred.exceptions import InputError
from molpred.screening.engine import screen
from molpred.screening.ray_engine import screen_ray

pytest.importorskip("ray")

TASKS = ["NR-AR", "SR-MMP"]


@pytest.fixture(scope="module")
def model_dir(tmp_path_factory, tox21) -> Path:
    data = tmp_path_factory.mktemp("data") / "train.csv"
    tox21.head(300).to_csv(data, index=False)
    out = tmp_path_factory.mktemp("runs") / "dmpnn"
    molpred.train(data, targets=TASKS, model="dmpnn", hidden_size=32, epochs=1, patience=1,
                  split="random", seed=0, out=out, workers=1, device="cpu")
    return out


@pytest.fixture(scope="module")
def library(tmp_path_factory, tox21) -> Path:
    """~1,000 real Tox21 molecules with the messy rows spread through them; a column that
    shares a task's name (-> ``NR-AR_pred``), an ``error`` column (-> ``molpred_error``) and
    text that pandas would otherwise turn into NaN."""
    real = tox21.iloc[300:1290][["smiles", "NR-AR"]].copy()
    real.insert(0, "id", [f"tox21-{i}" for i in real.index])
    real["NR-AR"] = real["NR-AR"].map(lambda v: "" if pd.isna(v) else str(int(v)))
    messy = pd.read_csv(MESSY, dtype=str, keep_default_na=False).assign(**{"NR-AR": "NA"})
    parts, at = [], 0
    for k, (_, row) in enumerate(messy.iterrows()):
        stop = 37 + 97 * k
        parts += [real.iloc[at:stop], row.to_frame().T]
        at = stop
    frame = pd.concat(parts + [real.iloc[at:]], ignore_index=True)
    frame["error"] = ["n/a" if i % 5 == 0 else "" for i in range(len(frame))]
    path = tmp_path_factory.mktemp("lib") / "library.csv"
    frame.to_csv(path, index=False)
    return path


def _same(local: Path, distributed: Path, numeric: list[str]) -> pd.DataFrame:
    """Same columns, rows and text; predictions equal up to float noise (< 1e-6)."""
    read = (lambda p: pd.read_parquet(p)) if local.suffix == ".parquet" else (
        lambda p: pd.read_csv(p, dtype=str, keep_default_na=False))
    a, b = read(local), read(distributed)
    assert list(a.columns) == list(b.columns)
    assert len(a) == len(b)
    for col in a.columns:
        if col in numeric:
            x, y = (np.array([np.nan if v == "" else float(v) for v in f[col]]) for f in (a, b))
            assert np.array_equal(np.isnan(x), np.isnan(y)), col
            ok = ~np.isnan(x)
            assert np.max(np.abs(x[ok] - y[ok])) < 1e-6, col
        else:
            assert a[col].tolist() == b[col].tolist(), col
    return a


def test_ray_screen_matches_the_local_engine(model_dir, library, tmp_path):
    local, distributed = tmp_path / "local.csv", tmp_path / "ray.csv"
    seen: list[int] = []
    report_local = screen(model_dir, library, local, chunk_size=400, workers=1)
    report_ray = screen_ray(model_dir, library, distributed, chunk_size=400, batch_size=64,
                            device="cpu", progress=seen.append)  # starts its own 2-CPU Ray
    out = _same(local, distributed, ["NR-AR_pred", "SR-MMP"])
    assert (report_ray.rows, report_ray.errors) == (report_local.rows, report_local.errors)
    assert report_ray.rows == len(out) == 1000 and sum(seen) == 1000 and len(seen) == 3
    assert list(out.columns) == ["id", "smiles", "NR-AR", "error", "NR-AR_pred", "SR-MMP",
                                 "molpred_error"]
    failed = set(out.loc[out["molpred_error"] != "", "id"])
    assert {"garbage", "empty", "valence-error", "unclosed-ring"} <= failed
    assert report_ray.errors == len(failed) >= 4
    # the raw text survives: "NA" stays "NA", empty cells stay empty
    assert (out.loc[out["id"] == "garbage", "NR-AR"] == "NA").all()


def test_ray_screen_parquet_on_a_running_ray(model_dir, tmp_path):
    ray = pytest.importorskip("ray")
    local, distributed = tmp_path / "local.parquet", tmp_path / "ray.parquet"
    screen(model_dir, MESSY, local, chunk_size=4, workers=1)
    lines = MESSY.read_text().splitlines()
    lines[3] = lines[3] + ",an extra field"  # a malformed line: one row with a reason, no stop
    malformed = tmp_path / "malformed.csv"
    malformed.write_text("\n".join(lines) + "\n")
    screen(model_dir, malformed, tmp_path / "local_malformed.csv", chunk_size=4, workers=1)
    ray.init(num_cpus=1, include_dashboard=False, log_to_driver=False)
    try:  # an initialized Ray is used as is (and left running)
        screen_ray(molpred.load(model_dir), MESSY, distributed, chunk_size=4, batch_size=3,
                   num_actors=1)
        assert ray.is_initialized()
        screen_ray(molpred.load(model_dir), malformed, tmp_path / "ray_malformed.csv",
                   chunk_size=4, batch_size=3, num_actors=1)
    finally:
        ray.shutdown()
    out = _same(local, distributed, TASKS)
    assert list(out.columns) == ["id", "smiles", *TASKS, "error"] and len(out) == 10
    out = _same(tmp_path / "local_malformed.csv", tmp_path / "ray_malformed.csv", TASKS)
    assert len(out) == 10 and out["error"].iloc[2].startswith("malformed input line 4")
    assert not list(tmp_path.glob(".molpred-ray-*"))  # the staging file was moved into place


def test_without_ray_the_error_says_how_to_install_it(model_dir, library, tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "ray", None)
    with pytest.raises(InputError, match=r"molpred\[distributed\]"):
        screen_ray(model_dir, library, tmp_path / "out.csv")



@pytest.mark.parametrize(("name", "fragment"), [("out.xlsx", "xlsx"),
                                                ("missing/out.csv", "does not exist")])
def test_ray_checks_the_output_before_starting_ray(model_dir, library, tmp_path, name,
                                                   fragment):
    ray = pytest.importorskip("ray")
    with pytest.raises(InputError, match=fragment) as info:
        screen_ray(model_dir, library, tmp_path / name)
    assert "\n" not in str(info.value) and not ray.is_initialized()
    with pytest.raises(InputError, match="differ"):
        screen_ray(model_dir, library, library)
    with pytest.raises(InputError, match="unknown precision 'fp8'"):
        screen_ray(model_dir, library, tmp_path / "out.csv", precision="fp8")
    assert not ray.is_initialized()
