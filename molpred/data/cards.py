"""Dataset cards: what a public benchmark dataset is, where it comes from and how to score it.

Cards are JSON files, one per dataset, kept in the repository's ``datasets/`` folder. An
installed molpred ships them as package data in ``molpred/data/cards/`` (pyproject maps the
package ``molpred.data.cards`` to ``datasets/``); a source checkout reads ``datasets/`` next to
the ``molpred`` package. Cards are read on demand, never at import time.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

from molpred.exceptions import DatasetError, UnknownNameError

TASK_TYPES = ("classification", "regression")
METRICS = {"classification": "roc_auc", "regression": "rmse"}
_FIELDS = (
    "name", "title", "description", "url", "sha256", "smiles_column", "tasks", "task_type",
    "metric", "units", "citation", "license", "notes",
)
_OPTIONAL = ("recommended",)


@dataclass(frozen=True)
class DatasetCard:
    """Description of one public dataset (a MoleculeNet benchmark).

    Attributes:
        name: Registry name, lower case (``"tox21"``).
        title: Human-readable title.
        description: What was measured, on how many compounds, which kind of task.
        url: Canonical download address (DeepChem's public bucket).
        sha256: Hex digest of the file at ``url``, or ``None`` while no verified download has
            been recorded (then downloads are not hash-checked).
        filename: Basename of ``url``; the name of the file in the download cache.
        smiles_column: Name of the SMILES column in the canonical file.
        tasks: Target column names in the canonical file, in model output order.
        task_type: ``"classification"`` or ``"regression"``.
        metric: ``"roc_auc"`` (classification) or ``"rmse"`` (regression).
        units: Unit of regression targets (``"log(mol/L)"``), ``None`` for classification.
        citation: Paper (and MoleculeNet) to cite when using the data.
        license: Licence of the data when known, else ``None`` (see ``notes``).
        notes: Caveats: column quirks, licence remarks, provenance of the card's fields.
        recommended: Settings chosen for this dataset on validation data only, with ``why``
            and ``command`` (:mod:`molpred.training.recommended`: standardization and extra
            features for every encoder, hyper-parameters for the default one); ``{}`` for the
            plain defaults.
    """

    name: str
    title: str
    description: str
    url: str
    sha256: str | None
    filename: str
    smiles_column: str
    tasks: tuple[str, ...]
    task_type: str
    metric: str
    units: str | None
    citation: str
    license: str | None
    notes: str
    recommended: dict[str, Any] = field(default_factory=dict, hash=False)

    @classmethod
    def from_dict(cls, data: dict[str, Any], source: str = "card") -> DatasetCard:
        """Build and check a card from its JSON object.

        Args:
            data: The parsed JSON object with the fields listed in ``_FIELDS`` and
                optionally those in ``_OPTIONAL``.
            source: Where ``data`` came from, used in error messages.

        Raises:
            DatasetError: if a field is missing, unknown or has an invalid value.
        """
        missing = [f for f in _FIELDS if f not in data]
        extra = sorted(set(data) - set(_FIELDS) - set(_OPTIONAL))
        if missing or extra:
            raise DatasetError(f"{source}: missing fields {missing}, unknown fields {extra}")
        task_type = data["task_type"]
        if task_type not in TASK_TYPES:
            raise DatasetError(
                f"{source}: task_type must be one of {TASK_TYPES}, not {task_type!r}"
            )
        if data["metric"] != METRICS[task_type]:
            raise DatasetError(f"{source}: metric for {task_type} must be {METRICS[task_type]!r}")
        tasks = data["tasks"]
        if not tasks or not all(isinstance(t, str) and t for t in tasks):
            raise DatasetError(f"{source}: tasks must be a non-empty list of column names")
        sha = data["sha256"]
        if sha is not None and (len(sha) != 64 or any(c not in "0123456789abcdef" for c in sha)):
            raise DatasetError(f"{source}: sha256 must be null or 64 lower-case hex digits")
        from molpred.data.card_settings import settings_problem

        problem = settings_problem(data.get("recommended", {}))
        if problem:
            raise DatasetError(f"{source}: recommended settings: {problem}")
        filename = Path(urlparse(data["url"]).path).name
        if not filename:
            raise DatasetError(f"{source}: url {data['url']!r} does not end in a file name")
        return cls(
            name=data["name"].lower(), title=data["title"], description=data["description"],
            url=data["url"], sha256=sha, filename=filename, smiles_column=data["smiles_column"],
            tasks=tuple(tasks), task_type=task_type, metric=data["metric"], units=data["units"],
            citation=data["citation"], license=data["license"], notes=data["notes"],
            recommended=data.get("recommended", {}),
        )


def _card_files() -> list[tuple[str, str]]:
    """``(file name, JSON text)`` of every card, from package data or the source tree."""
    packaged = resources.files("molpred.data") / "cards"  # installed: molpred/data/cards/*.json
    if packaged.is_dir():
        found = [(f.name, f.read_text("utf-8")) for f in packaged.iterdir()
                 if f.name.endswith(".json")]
        if found:
            return found
    source_tree = Path(__file__).resolve().parents[2] / "datasets"
    if source_tree.is_dir():
        return [(p.name, p.read_text("utf-8")) for p in source_tree.glob("*.json")]
    raise DatasetError(
        "no dataset cards found: expected molpred/data/cards/*.json (installed) or "
        f"{source_tree}/*.json (source checkout); reinstall molpred"
    )


def list_cards() -> list[DatasetCard]:
    """All dataset cards, sorted by name.

    Raises:
        DatasetError: if the cards cannot be found or one of them is malformed.
    """
    cards = []
    for filename, text in _card_files():
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise DatasetError(f"dataset card {filename} is not valid JSON: {exc}") from None
        card = DatasetCard.from_dict(data, source=f"dataset card {filename}")
        if f"{card.name}.json" != filename:
            raise DatasetError(f"dataset card {filename} is named {card.name!r} inside")
        cards.append(card)
    return sorted(cards, key=lambda c: c.name)


def get_card(name: str) -> DatasetCard:
    """The card of dataset ``name`` (case-insensitive).

    Raises:
        UnknownNameError: naming ``name`` and listing the known datasets.
    """
    cards = {c.name: c for c in list_cards()}
    try:
        return cards[name.lower()]
    except KeyError:
        known = ", ".join(cards)
        raise UnknownNameError(f"unknown dataset {name!r}; choose one of: {known}") from None
