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


def panel_models() -> list[str]:
    """The whole panel: the shipped models, then the ones you added
    (:mod:`molpred.panel.user`), by name."""
    from molpred.panel.user import user_models

    shipped = shipped_models()
    return shipped + [name for name in user_models() if name not in shipped]


def resolve_model(model: str | Path) -> Path:
    """The directory of a model given as a path, a shipped model's name or the name of a
    model you added to your panel (:mod:`molpred.panel.user`).

    An existing path wins over a name (a folder called ``tox21`` in the working directory
    is used as given) when it holds a model (a ``config.json``); a folder without one, such
    as an empty ``tox21/`` left by a failed run, does not hide the shipped model of that name.

    Raises:
        ModelFileError: if ``model`` is neither an existing path nor a panel model (shipped or yours).
    """
    from molpred.panel.user import user_models

    path = Path(model)
    name = str(model).lower()
    yours = user_models()
    if path.exists() and not (path.is_dir() and not (path / "config.json").exists()
                              and name in (*shipped_models(), *yours)):
        return path
    if name in shipped_models():
        return MODELS_DIR / name
    if name in yours:
        return yours[name]
    shipped = ", ".join(shipped_models()) or "none in this installation"
    added = f"; yours: {', '.join(yours)}" if yours else ""
    raise ModelFileError(f"model not found: {model} is neither a model folder nor a panel "
                         f"model (shipped: {shipped}{added})")


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
    """The Markdown model card of a panel model (shipped or yours). A model of yours
    without a ``card.md`` gets one made from its ``config.json`` and ``metrics.json``.

    Raises:
        ModelFileError: if ``name`` is not in the panel.
    """
    folder = resolve_model(name)
    if (folder / CARD_FILE).is_file():
        return (folder / CARD_FILE).read_text()
    config = json.loads((folder / "config.json").read_text())
    metrics = _metrics(folder)
    model = config.get("model") or {}
    lines = [f"# {name}", "", f"Added to your panel from `{_entry(folder).get('source', '?')}`.",
             "", f"- family: {config.get('family', 'network')}; encoder: "
             f"{model.get('encoder', '?')}; task type: {model.get('task_type', '?')}",
             f"- tasks: {', '.join(model.get('tasks', []))}"]
    for part in ("val", "test"):
        if part in metrics:
            lines.append(f"- {part} {metrics[part].get('metric')}: {metrics[part].get('score')}")
    return "\n".join(lines) + "\n"


def _metrics(folder: Path) -> dict:
    try:
        metrics = json.loads((folder / "metrics.json").read_text())
        return metrics if isinstance(metrics, dict) else {}
    except (OSError, ValueError):
        return {}


def _entry(folder: Path) -> dict:
    from molpred.panel.user import ENTRY_FILE

    try:
        entry = json.loads((folder / ENTRY_FILE).read_text())
        return entry if isinstance(entry, dict) else {}
    except (OSError, ValueError):
        return {}


def panel_summary() -> list[dict]:
    """One dict per panel model, shipped first, then yours: ``name``, ``area``, ``title``,
    ``short``, ``tasks``, ``members``, ``metric`` and ``test`` (its test score, from
    ``metrics.json``; ``None`` for a model of yours trained without a test part),
    ``coverage`` (conformal coverage at 0.9 on test, or ``None``), ``size_mb`` and
    ``yours`` (added by you)."""
    from molpred.panel.user import user_models

    out = []
    folders = [(name, MODELS_DIR / name, False) for name in shipped_models()]
    folders += [(name, folder, True) for name, folder in user_models().items()
                if name not in PANEL]
    for name, folder, yours in folders:
        config = json.loads((folder / "config.json").read_text())
        metrics = _metrics(folder)
        test = metrics.get("test") if isinstance(metrics.get("test"), dict) else {}
        trust = metrics.get("trust") if isinstance(metrics.get("trust"), dict) else {}
        entry = _entry(folder) if yours else {}
        out.append({
            "name": name, "area": entry.get("area", "") if yours else PANEL[name].area,
            "title": entry.get("title", "") if yours else PANEL[name].title,
            "short": entry.get("title", "") if yours else PANEL[name].short,
            "tasks": (config.get("model") or {}).get("tasks", []),
            "members": config.get("ensemble_size", 1),
            "metric": test.get("metric"), "test": test.get("score"),
            "coverage": trust.get("coverage"),
            "size_mb": sum(f.stat().st_size for f in folder.rglob("*") if f.is_file()) / 1e6,
            "yours": yours,
        })
    return out
