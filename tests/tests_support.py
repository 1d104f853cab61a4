"""Paths shared by tests (importable because pytest puts tests/ on sys.path)."""

import os
from pathlib import Path

_DEFAULT = Path(__file__).resolve().parents[2] / "shared" / "datasets"
DATA_DIR = Path(os.environ.get("MOLPRED_DATA_DIR", _DEFAULT))
SHARED_BENCHMARKS = DATA_DIR.resolve().parent / "benchmarks"
