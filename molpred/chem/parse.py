"""SMILES -> RDKit molecule, with a readable reason whenever that fails.

RDKit's own ``MolFromSmiles`` returns ``None`` and prints the reason to its log. molpred keeps
each failing row and needs the reason as text, so parsing runs in two steps: read without
sanitization (syntax errors), then ``SanitizeMol`` once; only when that fails does
``DetectChemistryProblems`` run, to word the reason (valence, aromaticity). RDKit's log is
blocked only while molpred parses (:func:`molpred.chem.logs.quiet_rdkit`), never globally;
``molpred --verbose`` shows it through Python logging.

Hydrogens written as atoms (``[H]OC([H])([H])[H]``) are removed with ``Chem.RemoveHs``, as
RDKit's SDF reader does by default, so that one molecule gives one graph, one fingerprint
and one token sequence however its SMILES is written. Isotopic hydrogens (``[2H]``) and
hydrogens without neighbours (``[H][H]``, ``[H-]``) stay, as RemoveHs keeps them.
"""

from __future__ import annotations

import re

from rdkit import Chem

from molpred.chem.logs import quiet_rdkit
from molpred.chem.standardize import Standardizer

MAX_SMILES_LENGTH = 5000
"""Longer strings are refused before RDKit sees them (guards against pathological inputs)."""

_HYDROGEN_ATOM = re.compile(r"\[\d*H[^a-z]")
"""A bracket atom of element H in SMILES (``[H]``, ``[2H]``, ``[H+]``; not ``[Hg]``): the
only way SMILES writes a hydrogen as an atom of its own."""


_WHITESPACE = re.compile(r"\s")


def parse_smiles(
    smiles: object, standardizer: Standardizer | None = None
) -> tuple[Chem.Mol | None, str]:
    """Parse one SMILES string.

    Args:
        smiles: The SMILES text. Non-strings (``None``, NaN from an empty CSV cell) count as
            empty input.
        standardizer: Applied after parsing when given (see :class:`Standardizer`).

    Returns:
        ``(mol, "")`` on success, or ``(None, reason)`` where ``reason`` is a one-line
        explanation such as ``"empty SMILES"`` or ``"Explicit valence for atom # 1 N, 4, is
        greater than permitted"``. Never raises for bad chemistry.
    """
    if not isinstance(smiles, str) or not smiles.strip():
        return None, "empty SMILES"
    text = smiles.strip()
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:  # a lone surrogate (undecodable bytes read with surrogateescape)
        return None, "SMILES holds characters that are not valid text (undecodable bytes?)"
    if len(text) > MAX_SMILES_LENGTH:
        return None, f"SMILES longer than {MAX_SMILES_LENGTH} characters"
    blocker = quiet_rdkit()  # noqa: F841 - blocks RDKit logging until garbage-collected
    try:
        mol = Chem.MolFromSmiles(text, sanitize=False)
    except Exception as exc:  # pragma: no cover - RDKit raises only on exotic input
        return None, f"RDKit cannot parse SMILES: {exc}"
    if mol is None:
        return None, "RDKit cannot parse SMILES (syntax error)"
    gap = _WHITESPACE.search(text)
    head, rest = (text[:gap.start()], text[gap.start():]) if gap else (text, "")
    if rest.strip() and not rest.lstrip().startswith("|"):  # "CC O", "CC\tO": RDKit reads "CC"
        return None, (f"SMILES contains whitespace ({text[:40]!r}); RDKit would read only "
                      f"{head!r} and take the rest for a name")
    try:
        Chem.SanitizeMol(mol)  # the only sanitization on the success path
    except Exception as exc:
        # Only failing rows pay for a second look, which names the problem readably.
        problems = Chem.DetectChemistryProblems(Chem.MolFromSmiles(text, sanitize=False))
        return None, problems[0].Message() if problems else f"RDKit cannot sanitize molecule: {exc}"
    if _HYDROGEN_ATOM.search(text):
        try:
            mol = Chem.RemoveHs(mol)  # see the module docstring
        except Exception as exc:  # pragma: no cover - RemoveHs re-sanitizes a sanitized mol
            return None, f"RDKit cannot remove explicit hydrogens: {exc}"
    if mol.GetNumAtoms() == 0:
        return None, "molecule has no atoms"
    if standardizer is not None:
        return standardize_parsed(mol, standardizer)
    return mol, ""


def standardize_parsed(mol: Chem.Mol, standardizer: Standardizer) -> tuple[Chem.Mol | None, str]:
    """Standardize a molecule :func:`parse_smiles` made without a standardizer, exactly as
    ``parse_smiles(text, standardizer)`` would have: ``(mol, "")`` or ``(None, reason)``.
    ``mol`` itself is left unchanged (the standardizer works on a copy). RDKit's log is
    blocked meanwhile, as in :func:`parse_smiles` (:func:`~molpred.chem.logs.quiet_rdkit`)."""
    try:
        with quiet_rdkit():
            out = standardizer(Chem.Mol(mol))
    except ValueError as exc:
        return None, str(exc)
    if out.GetNumAtoms() == 0:
        return None, "no atoms left after standardization"
    return out, ""
