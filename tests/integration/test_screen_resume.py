"""A screen killed at any point resumes from its last finished chunk: every input row once,
in input order, identical to an uninterrupted run; resuming a different run is refused."""

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest

import molpred
from molpred.exceptions import InputError
from molpred.screening import resume as resume_module
from molpred.screening.resume import MANIFEST, TRASH_INFIX, work_folder

ROWS, CHUNK = 3000, 100


@pytest.fixture(scope="module")
def model(tmp_path_factory, tox21) -> Path:
    """A tiny mlp trained on 400 real Tox21 rows."""
    folder = tmp_path_factory.mktemp("resume")
    tox21.head(400).to_csv(folder / "train.csv", index=False)
    molpred.train(folder / "train.csv", targets=["NR-AR", "SR-MMP"], model="mlp",
                  hidden_size=32, epochs=2, split="random", seed=0, out=folder / "mlp",
                  workers=1)
    return folder / "mlp"


@pytest.fixture(scope="module")
def library(library_with_messy_rows) -> Path:
    """3,000 real Tox21 molecules (ids tox0..) with the messy rows mixed in at row 1,234."""
    return library_with_messy_rows(ROWS, 1234)


@pytest.fixture(scope="module")
def reference(model, library, tmp_path_factory) -> pd.DataFrame:
    """The output of an uninterrupted run."""
    out = tmp_path_factory.mktemp("reference") / "hits.csv"
    report = molpred.screen(model, library, out, chunk_size=CHUNK, workers=1)
    assert report.rows == ROWS and report.resumed_rows == 0
    return pd.read_csv(out, keep_default_na=False)


def assert_same_output(got: pd.DataFrame, expected: pd.DataFrame) -> None:
    """Same rows, order, columns and text; predictions equal up to float32 rounding, which
    differs between processes with different torch thread counts (reduction order)."""
    pd.testing.assert_frame_equal(_as_numbers(got), _as_numbers(expected), check_exact=False,
                                  rtol=1e-5, atol=1e-7)


def _as_numbers(frame: pd.DataFrame) -> pd.DataFrame:
    """Columns read as text because failed rows leave them empty, as floats (empty = NaN)."""
    out = frame.copy()
    for column in out.columns:
        if out[column].dtype.kind == "f":
            continue
        text = out[column].astype(str)
        numbers = pd.to_numeric(text.where(text != "", None), errors="coerce")
        if numbers.notna().sum() == (text != "").sum() and numbers.notna().any():
            out[column] = numbers.astype(float)
    return out


def _chunks_done(folder: Path) -> int:
    try:
        return len(json.loads((folder / MANIFEST).read_text())["chunks"])
    except (OSError, ValueError, KeyError):
        return 0


def _cli(*args: object) -> list[str]:
    return [sys.executable, "-c", "from molpred_cli.app import main; main()",
            *map(str, args)]


def test_kill_9_then_resume_gives_the_uninterrupted_output(model, library, reference,
                                                           tmp_path):
    out = tmp_path / "hits.csv"
    folder = work_folder(out)
    args = ["screen", "-m", model, "-i", library, "-o", out, "--chunk-size", CHUNK,
            "--workers", "1", "--device", "cpu"]
    env = {**os.environ, "OMP_NUM_THREADS": "1", "MOLPRED_NUM_WORKERS": "1"}
    proc = subprocess.Popen(_cli(*args), env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE)
    deadline = time.monotonic() + 300
    while _chunks_done(folder) < 2 and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.05)
    proc.send_signal(signal.SIGKILL)
    proc.communicate()
    done = _chunks_done(folder)
    assert proc.returncode == -signal.SIGKILL, "the screen ended before it could be killed"
    assert 2 <= done < ROWS // CHUNK and not out.exists()

    resumed = subprocess.run(_cli(*args, "--resume"), env=env, capture_output=True,
                             text=True, timeout=600)
    assert resumed.returncode == 0, resumed.stderr
    assert f"{done * CHUNK:,} resumed" in resumed.stdout, resumed.stdout
    assert_same_output(pd.read_csv(out, keep_default_na=False), reference)
    assert not folder.exists()


class Crash(Exception):
    """Stands in for a crash after some chunks."""


def _crash_after(chunks: int):
    seen = 0

    def progress(rows: int) -> None:
        nonlocal seen
        seen += 1
        if seen == chunks:
            raise Crash

    return progress


@pytest.mark.parametrize("options", [{}, {"filter": "SR-MMP < 0.52", "top": 50,
                                          "sort_by": "NR-AR"}])
def test_crash_then_resume_skips_finished_chunks(model, library, tmp_path, options):
    out, again = tmp_path / "hits.parquet", tmp_path / "again.parquet"
    with pytest.raises(Crash):
        molpred.screen(model, library, out, chunk_size=CHUNK, workers=1,
                       progress=_crash_after(3), **options)
    assert _chunks_done(work_folder(out)) == 3 and not out.exists()
    report = molpred.screen(model, library, out, chunk_size=CHUNK, workers=1, resume=True,
                            **options)
    assert report.resumed_rows == 3 * CHUNK and report.rows == ROWS
    uninterrupted = molpred.screen(model, library, again, chunk_size=CHUNK, workers=1,
                                   **options)
    assert_same_output(pd.read_parquet(out), pd.read_parquet(again))
    assert (report.written, report.errors, report.unmatched) == (
        uninterrupted.written, uninterrupted.errors, uninterrupted.unmatched)


def test_resume_refuses_a_run_with_other_arguments(model, library, tmp_path):
    out = tmp_path / "hits.csv"
    with pytest.raises(Crash):
        molpred.screen(model, library, out, chunk_size=CHUNK, workers=1,
                       progress=_crash_after(1))
    with pytest.raises(InputError, match="chunk_size changed") as info:
        molpred.screen(model, library, out, chunk_size=CHUNK * 2, workers=1, resume=True)
    assert "\n" not in str(info.value)
    with pytest.raises(InputError, match="filter changed"):
        molpred.screen(model, library, out, chunk_size=CHUNK, workers=1, resume=True,
                       filter="NR-AR < 0.5")
    os.utime(library)  # the library was touched: it may have changed
    with pytest.raises(InputError, match="input_mtime_ns"):
        molpred.screen(model, library, out, chunk_size=CHUNK, workers=1, resume=True)
    assert _chunks_done(work_folder(out)) == 1  # a refused resume leaves the folder alone


def test_without_resume_a_leftover_work_folder_is_replaced(model, library, reference,
                                                           tmp_path):
    out = tmp_path / "hits.csv"
    with pytest.raises(Crash):
        molpred.screen(model, library, out, chunk_size=CHUNK, workers=1,
                       progress=_crash_after(2))
    report = molpred.screen(model, library, out, chunk_size=CHUNK, workers=1)
    assert report.resumed_rows == 0
    assert_same_output(pd.read_csv(out, keep_default_na=False), reference)


def test_resume_without_a_work_folder_starts_afresh(model, library, reference, tmp_path):
    out = tmp_path / "hits.csv"
    report = molpred.screen(model, library, out, chunk_size=CHUNK, workers=1, resume=True)
    assert report.resumed_rows == 0
    assert_same_output(pd.read_csv(out, keep_default_na=False), reference)


def test_a_foreign_folder_in_the_way_is_never_deleted(model, library, tmp_path):
    out = tmp_path / "hits.csv"
    folder = work_folder(out)
    folder.mkdir()
    (folder / "notes.txt").write_text("mine")
    with pytest.raises(InputError, match="not a molpred screen work folder"):
        molpred.screen(model, library, out, chunk_size=CHUNK, workers=1)
    assert (folder / "notes.txt").read_text() == "mine"


def test_a_kill_during_the_final_clean_up_blocks_no_rerun(model, library, reference, tmp_path,
                                                          monkeypatch):
    """Killed while removing the work folder (its manifest already gone, chunks left): the
    output is complete and the next run, with or without --resume, is not blocked."""
    out = tmp_path / "hits.csv"

    def killed_rmtree(path, ignore_errors=False):
        (Path(path) / MANIFEST).unlink()  # rmtree had removed the manifest, not yet the chunks
        raise Crash

    monkeypatch.setattr(resume_module.shutil, "rmtree", killed_rmtree)
    with pytest.raises(Crash):
        molpred.screen(model, library, out, chunk_size=CHUNK, workers=1)
    monkeypatch.undo()
    assert_same_output(pd.read_csv(out, keep_default_na=False), reference)
    assert not work_folder(out).exists()
    trash = list(tmp_path.glob(f"{work_folder(out).name}{TRASH_INFIX}*"))
    assert len(trash) == 1 and any(trash[0].glob("chunk-*.parquet"))

    for resume in (True, False):
        out.unlink()
        report = molpred.screen(model, library, out, chunk_size=CHUNK, workers=1,
                                resume=resume)
        assert report.rows == ROWS and report.resumed_rows == 0
        assert_same_output(pd.read_csv(out, keep_default_na=False), reference)
        assert sorted(p.name for p in tmp_path.iterdir()) == ["hits.csv"]
