"""The notebooks run (nbmake) from this folder: a relative MOLPRED_DATA_DIR, as README's test
command gives it, is made absolute here, relative to where pytest started."""

import os
from pathlib import Path

if os.environ.get("MOLPRED_DATA_DIR"):
    os.environ["MOLPRED_DATA_DIR"] = str(Path(os.environ["MOLPRED_DATA_DIR"]).resolve())
