"""A substructure screen in front of RDKit's FilterCatalog, so that structural alerts cost
what a screen can afford.

Checking every PAINS, Brenk and NIH entry (765) against a molecule takes RDKit about 7 ms
per library molecule, more than everything else a screen does. Most entries cannot match:
their query needs a bond path or ring the molecule lacks. As RDKit's own
``rdSubstructLibrary.SubstructLibrary`` screens queries (G. Landrum, "Fingerprint-based
substructure screening", RDKit blog: ``FP(query) & FP(mol) == FP(query)`` whenever the query
is a substructure of the molecule), each entry's query gets a pattern fingerprint
(``Chem.PatternFingerprint``, 2048 bits); a molecule can only
match an entry whose query bits are all set in the molecule's own pattern fingerprint, so
only those entries (about 170 of 765 for library molecules) are run through RDKit's matcher.
The answers are RDKit's: the screen only skips entries that cannot match
(``tests/unit/chem/test_alert_screen.py`` compares it with the plain catalog on real
molecules).

The query of an entry is read from RDKit's own serialization of the entry (its pickled query
molecule). An entry whose query cannot be read that way (another RDKit version, a matcher
of another kind) gets an empty screen: it is always checked, so nothing is missed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
from rdkit import Chem, DataStructs
from rdkit.Chem.FilterCatalog import FilterCatalog, FilterCatalogEntry

SCREEN_BITS = 2048
"""Pattern-fingerprint size of the screen."""


def pattern_bits(mol: Chem.Mol) -> np.ndarray:
    """A molecule's (or query's) pattern fingerprint as ``uint64 [SCREEN_BITS / 64]``."""
    bits = np.zeros(SCREEN_BITS, dtype=np.uint8)
    DataStructs.ConvertToNumpyArray(Chem.PatternFingerprint(mol, fpSize=SCREEN_BITS), bits)
    return np.packbits(bits).view(np.uint64)


def entry_query(entry: FilterCatalogEntry) -> Chem.Mol | None:
    """The query molecule of a FilterCatalog entry, read from ``entry.Serialize()`` (a
    boost archive holding the description, then the byte length and the RDKit pickle of the
    query); ``None`` when it cannot be read."""
    data = entry.Serialize()
    name = entry.GetDescription().encode()
    at = data.find(b" " + name + b" ")
    if at < 0:
        return None
    rest = data[at + len(name) + 2:]
    size = re.match(rb"(\d+) ", rest)
    if size is None:
        return None
    blob = rest[size.end():size.end() + int(size.group(1))]
    try:
        query = Chem.Mol(blob)
    except Exception:  # not a pickled molecule: no screen for this entry
        return None
    return query if query.GetNumAtoms() else None


@dataclass
class ScreenedCatalog:
    """A FilterCatalog with one pattern-fingerprint screen per entry.

    Attributes:
        catalog: The RDKit catalog (kept alive: the entries belong to it).
        entries: Its entries, in order.
        screens: ``uint64 [E, SCREEN_BITS / 64]``: the bits an entry's query sets (all zero:
            no screen, always checked).
    """

    catalog: FilterCatalog
    entries: list[FilterCatalogEntry]
    screens: np.ndarray

    @classmethod
    def of(cls, catalog: FilterCatalog) -> ScreenedCatalog:
        """Screen every entry of ``catalog``."""
        entries = [catalog.GetEntryWithIdx(i) for i in range(catalog.GetNumEntries())]
        empty = np.zeros(SCREEN_BITS // 64, dtype=np.uint64)
        screens = []
        for entry in entries:
            query = entry_query(entry)
            try:
                screens.append(pattern_bits(query) if query is not None else empty)
            except Exception:  # a query RDKit cannot fingerprint: always check the entry
                screens.append(empty)
        return cls(catalog, entries, np.stack(screens) if screens else
                   np.zeros((0, SCREEN_BITS // 64), dtype=np.uint64))

    def matches(self, mol: Chem.Mol) -> list[FilterCatalogEntry]:
        """The entries ``mol`` matches, as ``catalog.GetMatches(mol)`` finds them."""
        bits = pattern_bits(mol)
        possible = np.flatnonzero(((self.screens & bits) == self.screens).all(axis=1))
        return [self.entries[i] for i in possible if self.entries[i].HasFilterMatch(mol)]


@lru_cache(maxsize=4)
def screened(catalog: FilterCatalog) -> ScreenedCatalog:
    """:meth:`ScreenedCatalog.of`, built once per catalog and process."""
    return ScreenedCatalog.of(catalog)
