"""The pretrained panel shipped inside the package: toxicity, efficacy and ADME models that
predict without training or downloads.

Each shipped model is an ordinary molpred model directory (``config.json``,
``model.safetensors``, ``trust.json``/``trust.safetensors``, ``metrics.json``) plus a model
card (``card.md``), under ``molpred/panel/models/NAME``. It is a deep ensemble of the default
D-MPNN, the best encoder of molpred's benchmark, trained by ``benchmarks/train_panel.py`` on
split seed 0 of the canonical scaffold split and assembled by ``benchmarks/build_panel.py``.

Wherever molpred takes a model, a shipped model's name (``tox21``) works as well as a path
(:func:`resolve_model`).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from molpred.exceptions import ModelFileError

MODELS_DIR = Path(__file__).parent / "models"
CARD_FILE = "card.md"


@dataclass(frozen=True)
class PanelEntry:
    """One shipped model.

    Attributes:
        name: What users type (``-m esol``).
        dataset: The MoleculeNet dataset it was trained on.
        area: ``toxicity``, ``efficacy`` or ``ADME``.
        title: What it predicts, in a chemist's words.
        short: The same in a few words, for narrow tables.
        outputs: Output names in task order, where the dataset's column names are cryptic
            (Lipophilicity's ``exp`` becomes ``logD7.4``); ``()`` keeps the dataset's names.
    """

    name: str
    dataset: str
    area: str
    title: str
    short: str
    outputs: tuple[str, ...]


PANEL = {entry.name: entry for entry in (
    PanelEntry("tox21", "tox21", "toxicity",
               "Tox21: 12 nuclear-receptor and stress-response assays (probability active)",
               "12 Tox21 assays", ()),
    PanelEntry("clintox", "clintox", "toxicity",
               "ClinTox: failed clinical trials for toxicity (CT_TOX) and FDA approval",
               "clinical toxicity", ()),
    PanelEntry("hiv", "hiv", "efficacy",
               "HIV replication inhibition in the NCI DTP antiviral screen (probability active)",
               "anti-HIV activity", ()),
    PanelEntry("bbbp", "bbbp", "ADME", "blood-brain barrier penetration (probability)",
               "BBB penetration", ("BBB_penetration",)),
    PanelEntry("esol", "delaney", "ADME", "aqueous solubility, log(mol/L) (ESOL data)",
               "solubility logS", ("logS",)),
    PanelEntry("lipo", "lipo", "ADME", "lipophilicity, logD at pH 7.4 (AstraZeneca data)",
               "logD at pH 7.4", ("logD7.4",)),
)}
"""Every model the panel is meant to hold, in display order."""


def shipped_models() -> list[str]:
    """Names of the panel models present in this installation, in :data:`PANEL` order."""
    return [name for name in PANEL if (MODELS_DIR / name / "config.json").is_file()]


def resolve_model(model: str | Path) -> Path:
    """The directory of a model given as a path or a shipped model's name.

    An existing path wins over a name (a folder called ``tox21`` in the working directory
    is used as given) when it holds a model (a ``config.json``); a folder without one, such
    as an empty ``tox21/`` left by a failed run, does not hide the shipped model of that name.

    Raises:
        ModelFileError: if ``model`` is neither an existing path nor a shipped model.
    """
    path = Path(model)
    name = str(model).lower()
    if path.exists() and not (path.is_dir() and not (path / "config.json").exists()
                              and name in shipped_models()):
        return path
    if name in shipped_models():
        return MODELS_DIR / name
    shipped = ", ".join(shipped_models()) or "none in this installation"
    raise ModelFileError(f"model not found: {model} is neither a model folder nor a shipped "
                         f"model (shipped: {shipped})")


def renamed_columns(outputs: list[str], dataset: str, columns: list[str]) -> list[str] | None:
    """The dataset columns behind a shipped model's renamed outputs, for scoring it on its own
    dataset: ``["logp"]`` for ``esol``'s ``["logS"]`` on ``delaney``; ``None`` when
    ``outputs`` are not a panel model's renamed outputs for ``dataset``."""
    for entry in PANEL.values():
        if (entry.dataset == dataset.lower() and entry.outputs == tuple(outputs)
                and len(columns) == len(outputs)):
            return list(columns)
    return None


def model_card(name: str) -> str:
    """The Markdown model card of a shipped model.

    Raises:
        ModelFileError: if ``name`` is not shipped.
    """
    return (resolve_model(name) / CARD_FILE).read_text()


def panel_summary() -> list[dict]:
    """One dict per shipped model: ``name``, ``area``, ``title``, ``short``, ``tasks``, ``members``,
    ``metric`` and ``test`` (its test score on the scaffold split, from ``metrics.json``),
    ``coverage`` (conformal coverage at 0.9 on test) and ``size_mb``."""
    out = []
    for name in shipped_models():
        folder = MODELS_DIR / name
        config = json.loads((folder / "config.json").read_text())
        metrics = json.loads((folder / "metrics.json").read_text())
        out.append({
            "name": name, "area": PANEL[name].area, "title": PANEL[name].title,
            "short": PANEL[name].short,
            "tasks": config["model"]["tasks"], "members": config.get("ensemble_size", 1),
            "metric": metrics["test"]["metric"], "test": metrics["test"]["score"],
            "coverage": metrics.get("trust", {}).get("coverage"),
            "size_mb": sum(f.stat().st_size for f in folder.iterdir()) / 1e6,
        })
    return out
