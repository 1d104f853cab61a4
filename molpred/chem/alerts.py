"""Structural alerts: substructures that flag assay interference or toxicity, from RDKit's
FilterCatalog.

Catalogs: PAINS A/B/C (Baell & Holloway 2010, J. Med. Chem. 53, 2719: pan-assay
interference compounds), Brenk (Brenk et al. 2008, ChemMedChem 3, 435: unwanted groups in
screening libraries) and NIH (Jadhav et al. 2010, J. Med. Chem. 53, 37: reactive and
assay-interfering groups), as RDKit ships them.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache

from rdkit import Chem
from rdkit.Chem.FilterCatalog import FilterCatalog, FilterCatalogParams

ALERT_CATALOGS = ("PAINS", "BRENK", "NIH")
"""The FilterCatalog catalogs molpred checks, by RDKit's names."""
SEPARATOR = "; "
"""Between alerts in the ``alerts`` column (alert names contain commas, never semicolons)."""


@lru_cache(maxsize=1)
def _catalog() -> FilterCatalog:
    params = FilterCatalogParams()
    for name in ALERT_CATALOGS:
        params.AddCatalog(getattr(FilterCatalogParams.FilterCatalogs, name))
    return FilterCatalog(params)


def structural_alerts(mol: Chem.Mol | None) -> list[str]:
    """Alerts a molecule matches, as ``CATALOG: description``.

    E.g. ``["Brenk: chinone_1", "NIH: para_quinone", "PAINS: quinone_A(370)"]`` for
    p-benzoquinone.

    Args:
        mol: An RDKit molecule, or ``None`` (a row that could not be parsed).

    Returns:
        Sorted, distinct alert names; ``[]`` for ``None`` or a molecule without alerts.
    """
    if mol is None:
        return []
    from molpred.chem.alert_screen import screened

    found = set()
    for entry in screened(_catalog()).matches(mol):  # what _catalog().GetMatches(mol) finds
        origin = entry.GetProp("FilterSet") if "FilterSet" in entry.GetPropList() else ""
        found.add(f"{_catalog_label(origin)}: {entry.GetDescription()}")
    return sorted(found)


def alerts_column(smiles: Sequence[str | None], standardize: bool = False) -> list[str]:
    """The ``alerts`` column for SMILES: alerts joined by ``"; "``, ``""`` when none (or the
    SMILES does not parse: that row's ``error`` column says why).

    Args:
        smiles: The input SMILES.
        standardize: Check the standardized molecule (largest fragment, uncharged), as models
            that standardize see it, instead of the molecule as written.
    """
    from molpred.chem.parse import parse_smiles
    from molpred.chem.standardize import Standardizer

    standardizer = Standardizer() if standardize else None
    return alerts_of([parse_smiles(text, standardizer)[0] for text in smiles])


def alerts_of(mols: Sequence[Chem.Mol | None]) -> list[str]:
    """:func:`alerts_column` for molecules already parsed (and standardized, if wanted):
    one ``"; "``-joined string per molecule, ``""`` for none or ``None``."""
    return [SEPARATOR.join(structural_alerts(mol)) for mol in mols]


def _catalog_label(origin: str) -> str:
    upper = origin.upper()
    if upper.startswith("PAINS"):
        return "PAINS"
    if upper.startswith("BRENK"):
        return "Brenk"
    if upper.startswith("NIH"):
        return "NIH"
    return origin or "alert"
