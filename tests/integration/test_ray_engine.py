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
DOMAIN = ["max_similarity", "embedding_distance", "expected_error"]
TRUST = ["NR-AR_set", "SR-MMP_set", *DOMAIN, "in_domain", "alerts"]
"""The trust columns both engines write after the tasks (default confidence 0.9)."""


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
    """Same columns, rows and text; numbers equal up to float noise (< 1e-6, relative above
    1; 1e-5 for the embedding distance and conformal bounds)."""
    read = (lambda p: pd.read_parquet(p)) if local.suffix == ".parquet" else (
        lambda p: pd.read_csv(p, dtype=str, keep_default_na=False))
    a, b = read(local), read(distributed)
    assert list(a.columns) == list(b.columns)
    assert len(a) == len(b)
    for col in a.columns:
        if col in numeric:
            x, y = (np.array([np.nan if v == "" else float(v) for v in f[col]]) for f in (a, b))
            assert np.array_equal(np.isnan(x), np.isnan(y)), col
            ok = ~np.isnan(x)  # Ray's actors group molecules into forward passes as the
            # local engine does, with one thread: float32 sums in the same order
            assert np.max(np.abs(x[ok] - y[ok]), initial=0.0) < 1e-6, col
        else:
            assert a[col].tolist() == b[col].tolist(), col
    return a


def test_ray_screen_matches_the_local_engine(model_dir, library, tmp_path):
    local, distributed = tmp_path / "local.csv", tmp_path / "ray.csv"
    seen: list[int] = []
    report_local = screen(model_dir, library, local, chunk_size=400, workers=1)
    report_ray = screen_ray(model_dir, library, distributed, chunk_size=400, device="cpu",
                            progress=seen.append)  # starts its own 2-CPU Ray
    out = _same(local, distributed, ["NR-AR_pred", "SR-MMP", *DOMAIN])
    assert (report_ray.rows, report_ray.errors) == (report_local.rows, report_local.errors)
    assert report_ray.rows == len(out) == 1000 and sum(seen) == 1000 and len(seen) == 3
    assert list(out.columns) == ["id", "smiles", "NR-AR", "error", "NR-AR_pred",
                                 "NR-AR_pred_set", "SR-MMP", "SR-MMP_set", *DOMAIN, "in_domain",
                                 "alerts", "molpred_error"]
    assert out["in_domain"].isin(["True", "False"]).all() and (out["in_domain"] == "True").any()
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
    out = _same(local, distributed, TASKS + DOMAIN)
    assert list(out.columns) == ["id", "smiles", "NR-AR", "NR-AR_set", "SR-MMP", "SR-MMP_set",
                                 *DOMAIN, "in_domain", "alerts", "error"] and len(out) == 10
    out = _same(tmp_path / "local_malformed.csv", tmp_path / "ray_malformed.csv",
                TASKS + DOMAIN)
    assert len(out) == 10 and out["error"].iloc[2].startswith("malformed input line 4")
    assert not list(tmp_path.glob("*.partial"))  # the work folder is gone, its output moved


def test_filter_top_and_druglike_give_the_local_engines_rows_on_ray(model_dir, library,
                                                                    tmp_path):
    """One engine, two executors: selection and drug-likeness happen after the executor, so
    Ray writes the local engine's rows, in the same order."""
    selection = dict(druglike=True, filter="in_domain and qed > 0.3", top=40,
                     sort_by="SR-MMP", ascending=True)
    local, distributed = tmp_path / "local.csv", tmp_path / "ray.csv"
    screen(model_dir, library, local, chunk_size=300, workers=1, **selection)
    report = screen_ray(model_dir, library, distributed, chunk_size=300, batch_size=64,
                        device="cpu", num_actors=2, **selection)
    out = _same(local, distributed, ["NR-AR_pred", "SR-MMP", *DOMAIN, "qed", "mol_weight",
                                     "clogp", "tpsa"])
    assert report.written == len(out) == 40
    assert (out["in_domain"] == "True").all() and (out["qed"].astype(float) > 0.3).all()
    assert out["SR-MMP"].astype(float).is_monotonic_increasing


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


def _descendants(pid: int) -> list[int]:
    import psutil

    try:
        return [p.pid for p in psutil.Process(pid).children(recursive=True)]
    except psutil.Error:
        return []


def _alive(pids: list[int]) -> list[int]:
    import psutil

    alive = []
    for pid in pids:
        try:
            if psutil.Process(pid).status() != psutil.STATUS_ZOMBIE:
                alive.append(pid)
        except psutil.Error:
            pass
    return alive


@pytest.mark.skipif(not Path("/proc/self/task").exists(), reason="needs Linux /proc")
def test_ray_killed_driver_leaves_no_process_nor_output_and_resumes(model_dir, library,
                                                                    tmp_path):
    """kill -9 of the driver after 2 of 5 chunks: no Ray process survives it, nothing is at
    the output path, and --resume finishes with the 3 missing chunks only, giving the
    local engine's output."""
    import os
    import signal
    import subprocess
    import time

    out, pids = tmp_path / "ray.csv", tmp_path / "pids.txt"
    code = (
        "import os, signal, psutil\n"
        "from molpred.screening.ray_engine import screen_ray\n"
        "done = []\n"
        "def progress(n):\n"
        "    done.append(n)\n"
        "    if len(done) == 2:\n"
        f"        kids = [p.pid for p in psutil.Process().children(recursive=True)]\n"
        f"        open({str(pids)!r}, 'w').write(' '.join(map(str, kids)))\n"
        "        os.kill(os.getpid(), signal.SIGKILL)\n"
        f"screen_ray({str(model_dir)!r}, {str(library)!r}, {str(out)!r}, chunk_size=200, "
        "batch_size=64, device='cpu', progress=progress)\n")
    proc = subprocess.run([sys.executable, "-c", code], env={**os.environ, "MOLPRED_NUM_WORKERS": "2"},
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == -signal.SIGKILL, proc.stderr[-2000:]
    ray_processes = [int(p) for p in pids.read_text().split()]
    assert len(ray_processes) >= 3  # gcs, raylet, agents, actors (and the reaper)
    deadline = time.monotonic() + 30
    while _alive(ray_processes) and time.monotonic() < deadline:
        time.sleep(0.5)
    assert not _alive(ray_processes), "Ray processes outlived the killed driver"
    assert not out.exists()  # nothing half-written at the output path
    local = tmp_path / "local.csv"
    screen(model_dir, library, local, chunk_size=200, workers=1)
    seen: list[int] = []
    report = screen_ray(model_dir, library, out, chunk_size=200, batch_size=64, device="cpu",
                        resume=True, progress=seen.append)
    assert report.resumed_rows == 400 and report.rows == 1000 and sum(seen) == 1000
    _same(local, out, ["NR-AR_pred", "SR-MMP", *DOMAIN])
    assert not (tmp_path / "ray.csv.partial").exists()
    with pytest.raises(InputError, match="chunk_size changed"):  # a run with other arguments
        _killed_work_folder_of_another_run(model_dir, library, tmp_path)


def _killed_work_folder_of_another_run(model_dir, library, tmp_path):
    """A Ray work folder left by a chunk-size-100 run cannot be resumed with chunk size 50."""
    from molpred import __version__
    from molpred.screening.resume import ChunkStore, model_fingerprint, run_fingerprint, work_folder

    out = tmp_path / "other.csv"
    predictor = molpred.load(model_dir)
    fingerprint = dict(version=__version__, engine="ray", chunk_size=100, smiles_col="smiles",
                       precision="fp32", druglike=False, filter=None, top=None, sort_by=None,
                       ascending=False, encoding=None, columns="full", confidence=0.9)
    ChunkStore(work_folder(out), run_fingerprint(
        library, out, model_fingerprint(predictor.path, predictor.model), **fingerprint))
    screen_ray(model_dir, library, out, chunk_size=50, device="cpu", resume=True)


def test_the_whole_panel_screens_on_ray_as_it_does_locally(tmp_path, monkeypatch):
    """No model: every panel model in each actor, ``MODEL.COLUMN`` columns, local values."""
    monkeypatch.setenv("MOLPRED_PANEL_DIR", str(tmp_path / "no-user-models"))
    local, distributed = tmp_path / "local.csv", tmp_path / "ray.csv"
    screen(None, MESSY, local, chunk_size=4, workers=1)
    screen_ray(None, MESSY, distributed, chunk_size=4, batch_size=3, device="cpu", num_actors=1)
    table = pd.read_csv(local, dtype=str, keep_default_na=False)
    numeric = [c for c in table.columns if "." in c and not c.endswith(("_set", "in_domain"))]
    out = _same(local, distributed, numeric)
    assert len(out) == 10 and {"tox21.NR-AR", "hiv.in_domain", "alerts"} <= set(out.columns)
