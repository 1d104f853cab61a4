"""Option types shared by several commands, defined once.

Commands import the ``Annotated`` aliases below instead of repeating ``typer.Option(...)``;
help texts say what the value is, its unit and its default, for a chemist at a terminal.
"""

from __future__ import annotations

from enum import Enum
from pathlib import Path
from typing import Annotated

import typer

from molpred.names import (
    AUTO_MODEL,
    CLASS_WEIGHTS,
    ENCODER_MODULES,
    INFERENCE_PRECISIONS,
    STRATEGIES,
    TRAIN_PRECISIONS,
    TREE_MODELS,
)

DATA, MODEL, TRAINING, SCALE = "Data", "Model", "Training", "Scale-out"
"""``rich_help_panel`` names grouping the options of ``--help``."""


class Device(str, Enum):
    """Where the neural network runs."""

    auto = "auto"
    cpu = "cpu"
    cuda = "cuda"


class TaskType(str, Enum):
    """Binary classification per task (0/1 labels), regression (values in their units), or
    multiclass (one target, 3 or more classes)."""

    classification = "classification"
    regression = "regression"
    multiclass = "multiclass"


class SplitMethod(str, Enum):
    """How rows are split when no split file is given: Bemis-Murcko scaffold or random."""

    scaffold = "scaffold"
    random = "random"


def choices(name: str, values: tuple[str, ...]) -> type[Enum]:
    """A ``str`` Enum whose members are ``values`` (a library vocabulary from
    :mod:`molpred.names`), so the CLI's choices cannot drift from what the library accepts."""
    return Enum(name, [(v, v) for v in values], type=str)


ClassWeight = choices("ClassWeight", CLASS_WEIGHTS)
Precision = choices("Precision", TRAIN_PRECISIONS)
InferencePrecision = choices("InferencePrecision", INFERENCE_PRECISIONS)
Strategy = choices("Strategy", STRATEGIES)


class Part(str, Enum):
    """Part of a split to score."""

    train = "train"
    val = "val"
    test = "test"


MODEL_CHOICES = "|".join((AUTO_MODEL, *TREE_MODELS, *sorted(ENCODER_MODULES)))
"""Model families (``molpred.names``, torch-free) for help texts. ``--model``
is a plain string checked by the library, so a misspelling is a one-line error naming the
known encoders rather than a usage box."""


def option(help: str, panel: str | None = None, **kwargs: object) -> typer.models.OptionInfo:
    """``typer.Option`` with help text and a ``--help`` panel, for one-off options."""
    return typer.Option(help=help, rich_help_panel=panel, **kwargs)


def comma_list(value: str | None) -> list[str] | None:
    """``"a, b,,c"`` -> ``["a", "b", "c"]``; ``None`` or blank -> ``None``."""
    items = [v.strip() for v in (value or "").split(",") if v.strip()]
    return items or None


DatasetArg = Annotated[str, typer.Argument(
    help="A MoleculeNet dataset name (see `molpred datasets list`, e.g. tox21) or a molecule "
         "file: .csv, .tsv, .smi, .sdf or .parquet, optionally gzipped (.csv.gz).",
    metavar="DATASET", show_default=False)]
def model_path(value: str | None) -> Path | None:
    """``--model``: a model folder, or a shipped model's name resolved to its folder."""
    if value is None:
        return None
    from molpred.panel import resolve_model

    return resolve_model(value)  # ModelFileError: one red line, exit code 1


MODEL_HELP = ("Folder of a trained model (`molpred train --out`), or the name of a shipped "
              "model: tox21, clintox, hiv, bbbp, esol, lipo, or of one you added "
              "(`molpred models list`).")
ModelDir = Annotated[Path, typer.Option(
    "--model", "-m", help=MODEL_HELP, show_default=False, parser=model_path,
    metavar="MODEL", rich_help_panel=MODEL)]
SmilesCol = Annotated[str | None, typer.Option(
    help="Name of the column holding the SMILES. Default: a column named `smiles`, "
         "`canonical_smiles` or `isomeric_smiles` (any case), else the first column.",
    rich_help_panel=DATA, show_default=False)]
Targets = Annotated[str | None, typer.Option(
    help="Comma-separated columns with the measured values to learn or score, e.g. "
         "`logS` or `NR-AR,SR-p53`. Default for a file: every numeric column but the SMILES "
         "and identifiers (id, name, registry numbers; the command says which it left out); "
         "a dataset name brings its own.", rich_help_panel=DATA, show_default=False)]
Target = Annotated[list[str] | None, typer.Option(
    "--target", help="One target column, any name (commas included); repeat for several, "
    "e.g. --target 'Hepatobiliary disorders' --target 'Neoplasms benign, malignant'.",
    rich_help_panel=DATA, show_default=False)]


def target_list(targets: str | None, target: list[str] | None) -> list[str] | None:
    """``--targets a,b`` and every ``--target NAME``, in that order (``None``: neither)."""
    names = (comma_list(targets) or []) + list(target or [])
    return names or None
Splits = Annotated[Path | None, typer.Option(
    help="JSON file listing the 0-based train/val/test rows (molpred benchmark or chemprop "
         "format), e.g. the benchmark's ../shared/benchmarks/splits/tox21.json. Without it, "
         "molpred splits by --split.", dir_okay=False,
    rich_help_panel=DATA, show_default=False)]
SplitKey = Annotated[str, typer.Option(
    help="Which split of the --splits file to use (seed0, seed1, ...).", rich_help_panel=DATA)]
InputFile = Annotated[Path | None, typer.Option(
    "--input", "-i", help="Molecule file: .csv, .tsv, .smi, .sdf or .parquet "
    "(optionally .gz). Every row is kept, in order, even when its SMILES is unreadable.",
    dir_okay=False, rich_help_panel=DATA, show_default=False)]
Encoding = Annotated[str | None, typer.Option(
    help="Text encoding of a CSV/TSV input, e.g. latin-1 or cp1252 for ids with accents "
         "written by older tools. Default: UTF-8 (UTF-16 when the file starts with its "
         "byte-order mark).", rich_help_panel=DATA, show_default=False)]
DeviceOpt = Annotated[Device, typer.Option(
    help="Where to run the network: auto (a CUDA GPU when present, else the CPU), cpu or cuda.")]
InferencePrecisionOpt = Annotated[InferencePrecision, typer.Option(
    help="Arithmetic of the network: fp32 (exact) or bf16 (bfloat16 matrix products: about "
         "1.7x faster on CPUs with AVX-512 BF16/AMX and on recent GPUs; probabilities move by "
         "up to about 0.005).")]
Workers = Annotated[int | None, typer.Option(
    min=1, help="Processes that parse and featurize molecules. Default: all CPU cores "
                "(or $MOLPRED_NUM_WORKERS).", show_default=False)]


def seed_list(value: str) -> list[int]:
    """``"0,1,2"`` -> ``[0, 1, 2]``; blank -> ``[0]``.

    Raises:
        InputError: if an item is not a whole number.
    """
    from molpred.exceptions import InputError

    items = comma_list(value) or ["0"]
    bad = [item for item in items if not (item.isascii() and item.isdigit())]
    if bad:
        raise InputError(f"--seeds must be comma-separated whole numbers >= 0, e.g. 0,1,2; "
                         f"not {', '.join(repr(b) for b in bad)}")
    return [int(item) for item in items]


Confidence = Annotated[float, typer.Option(
    min=0.01, max=0.99, help="Confidence of the conformal prediction sets "
    "(classification: TASK_set, the labels that cannot be ruled out) and intervals "
    "(regression: TASK_lower, TASK_upper), fitted on the model's validation molecules.",
    rich_help_panel=MODEL)]
"""``--confidence`` of ``predict`` and ``screen`` (default 0.9 in both)."""
