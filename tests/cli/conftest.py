"""Fixtures of the CLI tests: a small real BBBP table, a split of it, a tiny trained model.

The model is trained once per session through the CLI itself (``molpred train ... --model mlp
--epochs 2``), so every other test reuses it and the whole folder stays fast.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner, Result

from molpred_cli.app import app

ROWS = 200
GARBAGE = {3: "not a smiles", 10: "", 17: "C1CC"}
"""Library rows (position -> SMILES) that RDKit must reject, mixed into good rows."""


def error_lines(result: Result) -> list[str]:
    """Non-blank lines on stderr."""
    return [line for line in result.stderr.splitlines() if line.strip()]


def check_one_line_error(result: Result, *fragments: str) -> None:
    """Exit code 1 through ``typer.Exit``, one ``error: ...`` line on stderr, no traceback."""
    assert result.exit_code == 1, result.output
    assert isinstance(result.exception, SystemExit), repr(result.exception)
    lines = error_lines(result)
    assert len(lines) == 1 and lines[0].startswith("error: "), result.stderr
    assert "Traceback" not in result.output
    for fragment in fragments:
        assert fragment in lines[0]


@pytest.fixture(scope="session")
def cli() -> Callable[..., Result]:
    """``cli("predict", "-m", path, ...)`` runs ``molpred ...`` in process and returns the
    ``Result`` (``exit_code``, ``stdout``, ``stderr``)."""
    runner = CliRunner(env={"COLUMNS": "200"})  # wide: table cells are not folded

    def run(*args: object) -> Result:
        return runner.invoke(app, [str(a) for a in args])

    return run


@pytest.fixture(scope="session")
def one_line_error() -> Callable[..., None]:
    """``one_line_error(result, *fragments)``: see :func:`check_one_line_error`."""
    return check_one_line_error


@pytest.fixture(scope="session")
def workdir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("cli")


@pytest.fixture(scope="session")
def small_csv(data_dir: Path, workdir: Path) -> Path:
    """The first 200 rows of the real BBBP table (``smiles,p_np``)."""
    path = workdir / "small.csv"
    pd.read_csv(data_dir / "bbbp.csv").head(ROWS).to_csv(path, index=False)
    return path


@pytest.fixture(scope="session")
def split_file(small_csv: Path) -> Path:
    """A seed0 split of ``small.csv`` with both classes in val and test (20 rows each)."""
    labels = pd.read_csv(small_csv)["p_np"].to_numpy()
    rng = np.random.default_rng(0)
    pos, neg = rng.permutation(np.flatnonzero(labels == 1)), rng.permutation(
        np.flatnonzero(labels == 0))
    val = [*pos[:14], *neg[:6]]
    test = [*pos[14:28], *neg[6:12]]
    train = sorted(set(range(len(labels))) - set(val) - set(test))
    parts = {"train": train, "val": sorted(val), "test": sorted(test)}
    path = small_csv.parent / "small_splits.json"
    path.write_text(json.dumps({"dataset": "small.csv", "rows": len(labels), "splits": {
        "seed0": {k: [int(i) for i in v] for k, v in parts.items()}}}))
    return path


@pytest.fixture(scope="session")
def trained(cli: Callable[..., Result], small_csv: Path, split_file: Path
            ) -> tuple[Path, Result]:
    """A tiny mlp trained by ``molpred train`` with the default --out (runs/small-mlp)."""
    old = Path.cwd()
    os.chdir(small_csv.parent)
    try:
        result = cli("train", small_csv.name, "--smiles-col", "smiles", "--targets",
                     "p_np", "--model", "mlp", "--epochs", "2", "--splits", split_file.name,
                     "--split-key", "seed0", "--device", "cpu")
    finally:
        os.chdir(old)
    assert result.exit_code == 0, result.output
    return small_csv.parent / "runs" / "small-mlp", result


@pytest.fixture(scope="session")
def model_dir(trained: tuple[Path, Result]) -> Path:
    return trained[0]


@pytest.fixture(scope="session")
def library(small_csv: Path) -> pd.DataFrame:
    """60 molecules (``id,smiles``) with unreadable SMILES at the GARBAGE positions."""
    smiles = pd.read_csv(small_csv)["smiles"].head(60).tolist()
    for i, bad in GARBAGE.items():
        smiles[i] = bad
    return pd.DataFrame({"id": [f"mol{i}" for i in range(60)], "smiles": smiles})


@pytest.fixture(scope="session")
def garbage_rows() -> list[int]:
    """Positions of the unreadable rows of :func:`library`."""
    return sorted(GARBAGE)
