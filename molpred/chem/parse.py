"""SMILES -> RDKit molecule, with a readable reason whenever that fails.

RDKit's own ``MolFromSmiles`` returns ``None`` and prints the reason to its log. molpred keeps
each failing row and needs the reason as text, so parsing runs in two steps: read without
sanitization (syntax errors), then ``SanitizeMol`` once; only when that fails does
``DetectChemistryProblems`` run, to word the reason (valence, aromaticity). RDKit's log is
blocked only while molpred parses (``rdBase.BlockLogs``), never globally.
"""

from __future__ import annotations

from rdkit import Chem, rdBase

from molpred.chem.standardize import Standardizer

MAX_SMILES_LENGTH = 5000
"""Longer strings are refused before RDKit sees them (guards against pathological inputs)."""


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
    if len(text) > MAX_SMILES_LENGTH:
        return None, f"SMILES longer than {MAX_SMILES_LENGTH} characters"
    blocker = rdBase.BlockLogs()  # noqa: F841 - blocks RDKit logging until garbage-collected
    try:
        mol = Chem.MolFromSmiles(text, sanitize=False)
    except Exception as exc:  # pragma: no cover - RDKit raises only on exotic input
        return None, f"RDKit cannot parse SMILES: {exc}"
    if mol is None:
        return None, "RDKit cannot parse SMILES (syntax error)"
    try:
        Chem.SanitizeMol(mol)  # the only sanitization on the success path
    except Exception as exc:
        # Only failing rows pay for a second look, which names the problem readably.
        problems = Chem.DetectChemistryProblems(Chem.MolFromSmiles(text, sanitize=False))
        return None, problems[0].Message() if problems else f"RDKit cannot sanitize molecule: {exc}"
    if mol.GetNumAtoms() == 0:
        return None, "molecule has no atoms"
    if standardizer is not None:
        try:
            mol = standardizer(mol)
        except ValueError as exc:
            return None, str(exc)
        if mol.GetNumAtoms() == 0:
            return None, "no atoms left after standardization"
    return mol, ""
