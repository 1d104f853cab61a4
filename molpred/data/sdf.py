"""SDF records: parsed into table rows when reading, written from table rows by RDKit.

Reading keeps every record: one RDKit cannot read becomes a row with an empty SMILES, the SD
fields parsed from its text and the reason in the ``input_error`` column. Writing keeps every
row: one whose SMILES does not parse becomes an empty molecule block carrying its SMILES text
as an SD field, which reading turns back into the same SMILES.
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import IO

import pandas as pd
from rdkit import Chem

from molpred.chem import parse_smiles
from molpred.chem.logs import quiet_rdkit
from molpred.data.formats import text_lines

SDF_SMILES, SDF_NAME, SDF_ERROR = "smiles", "name", "input_error"


def _column(field: str) -> str:
    """Table column of SD field ``field``: its own name, but ``name_sd`` for a field called
    ``name``, whose column holds the record's title line."""
    return f"{field}_sd" if field == SDF_NAME else field
_SD_FIELD = re.compile(r"^>.*?<([^>]*)>")


# ---------------------------------------------------------------- reading
def sdf_records(path: Path, gz: bool) -> Iterator[str]:
    """Text of each SDF record up to and including its ``$$$$`` line."""
    lines: list[str] = []
    for line in text_lines(path, gz):
        lines.append(line)
        if line.rstrip() == "$$$$":
            yield "".join(lines)
            lines = []
    if "".join(lines).strip():  # last record without its $$$$ terminator
        yield "".join(lines)


def _sd_fields_from_text(record: str) -> dict[str, str]:
    """SD data items of a record, parsed from text (for records RDKit cannot read)."""
    fields: dict[str, str] = {}
    lines = record.splitlines()
    i = 0
    while i < len(lines):
        match = _SD_FIELD.match(lines[i])
        i += 1
        if not match:
            continue
        value = []
        while i < len(lines) and lines[i].strip() and lines[i].rstrip() != "$$$$":
            value.append(lines[i])
            i += 1
        fields[_column(match.group(1))] = "\n".join(value)
    return fields


def sdf_row(record: str) -> dict[str, str]:
    """One table row from one SDF record: smiles, name, SD fields, input_error (all strings).
    An SD field called ``name`` goes to column ``name_sd``: ``name`` is the title line.

    ``smiles`` is ``Chem.MolToSmiles`` of the molecule; for an empty molecule block, the SD
    field ``smiles`` if present. A record RDKit cannot read gets an empty ``smiles``, its title
    line as ``name``, its SD fields parsed from the text and the reason in ``input_error``.
    """
    blocker = quiet_rdkit()  # noqa: F841 - the reason goes to input_error instead
    supplier = Chem.ForwardSDMolSupplier(io.BytesIO(record.encode("utf-8")))
    try:
        mol = next(supplier, None)
    except Exception:  # pragma: no cover - RDKit raises only on exotic input
        mol = None
    if mol is None:
        fields = _sd_fields_from_text(record)
        raw = Chem.MolFromMolBlock(record, sanitize=False)
        problems = Chem.DetectChemistryProblems(raw) if raw is not None else []
        error = (problems[0].Message() if problems
                 else "RDKit cannot read this SDF record (malformed molecule block)")
        title = record.splitlines()[0].strip() if record.strip() else ""
        row = {SDF_SMILES: "", SDF_NAME: title}
        row.update(fields)
        row[SDF_SMILES] = ""
        row[SDF_ERROR] = f"SDF record not readable: {error}"
        return row
    fields = {_column(key): mol.GetProp(key) for key in mol.GetPropNames()}
    smiles = Chem.MolToSmiles(mol) if mol.GetNumAtoms() else fields.get(SDF_SMILES, "")
    row = {SDF_SMILES: "", SDF_NAME: mol.GetProp("_Name") if mol.HasProp("_Name") else ""}
    row.update(fields)
    row[SDF_SMILES] = smiles
    row[SDF_ERROR] = ""
    return row


def sdf_rows(path: Path, gz: bool) -> Iterator[dict[str, str]]:
    """:func:`sdf_row` of each record of the file, in file order."""
    return (sdf_row(record) for record in sdf_records(path, gz))


def read_sdf_frame(path: Path, gz: bool) -> pd.DataFrame:
    """The whole SDF file as a DataFrame: columns smiles, name, SD fields in first-seen order,
    input_error; one row per record (a field a record lacks is NaN)."""
    rows = list(sdf_rows(path, gz))
    columns = dict.fromkeys([SDF_SMILES, SDF_NAME])
    for row in rows:
        columns.update(dict.fromkeys(row))
    columns.pop(SDF_ERROR, None)
    return pd.DataFrame(rows, columns=[*columns, SDF_ERROR])


def sdf_columns(path: Path, gz: bool) -> list[str]:
    """Column order of an SDF table: smiles, name, SD fields in first-seen order, input_error."""
    seen = dict.fromkeys([SDF_SMILES, SDF_NAME])
    for line in text_lines(path, gz):
        if line.startswith(">"):
            match = _SD_FIELD.match(line)
            if match:
                seen.setdefault(_column(match.group(1)), None)
    seen.pop(SDF_ERROR, None)
    return [*seen, SDF_ERROR]


# ---------------------------------------------------------------- writing
def open_sdf_writer(handle: IO[str], columns: Sequence[str], smiles_col: str) -> Chem.SDWriter:
    """RDKit ``SDWriter`` on the text ``handle``, writing as SD fields every column except
    ``smiles_col`` and ``name`` (in ``columns`` order), then ``smiles_col``."""
    fields = [c for c in columns if c not in (smiles_col, SDF_NAME)]
    writer = Chem.SDWriter(handle)
    writer.SetProps([*fields, smiles_col])
    return writer


def write_sdf_records(writer: Chem.SDWriter, frame: pd.DataFrame, smiles_col: str) -> None:
    """One SDF record per row of ``frame`` (which must have ``smiles_col``).

    The molecule comes from ``smiles_col``, the title line from a ``name`` column if any,
    every other column becomes an SD field (empty and NaN cells are left out). A row whose
    SMILES does not parse, or whose molecule RDKit cannot write, is written as an empty
    molecule block carrying its fields plus its SMILES text as field ``smiles_col``.
    """
    has_name = SDF_NAME in frame.columns and SDF_NAME != smiles_col
    fields = [c for c in frame.columns if c not in (smiles_col, SDF_NAME)]
    blocker = quiet_rdkit()  # noqa: F841 - bad rows are kept, not reported twice
    for row in frame.itertuples(index=False, name=None):
        values = dict(zip(frame.columns, row, strict=True))
        raw = values[smiles_col]
        mol, _ = parse_smiles(raw)
        mol = Chem.Mol() if mol is None else mol
        if mol.GetNumAtoms() == 0 and _present(raw):
            mol.SetProp(smiles_col, sd_value(raw))
        if has_name and _present(values[SDF_NAME]):
            mol.SetProp("_Name", str(values[SDF_NAME]).replace("\n", " "))
        for col in fields:
            if _present(values[col]):
                mol.SetProp(col, sd_value(values[col]))
        try:
            writer.write(mol)
        except Exception:  # e.g. a kekulization failure: keep the row, without structure
            empty = Chem.Mol()
            for key in mol.GetPropNames():
                empty.SetProp(key, mol.GetProp(key))
            if _present(raw):
                empty.SetProp(smiles_col, sd_value(raw))
            writer.write(empty)


def sd_value(value: object) -> str:
    """A cell as one SD data line: line breaks become spaces (a blank line would end the
    field and a line ``$$$$`` the record, so one value could split its row in two), and a
    value starting with ``$$$$`` gets a leading space."""
    text = " ".join(str(value).splitlines()) if isinstance(value, str) or value is not None else ""
    return " " + text if text.startswith("$$$$") else text


def _present(value: object) -> bool:
    """False for None, NaN and empty strings: cells left out of SDF records."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return False
    try:
        return not bool(pd.isna(value))
    except (TypeError, ValueError):
        return True


__all__ = [
    "SDF_ERROR", "SDF_NAME", "SDF_SMILES", "open_sdf_writer", "read_sdf_frame", "sdf_columns",
    "sdf_records", "sdf_row", "sdf_rows", "write_sdf_records",
]
