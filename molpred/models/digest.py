"""Content hashes of model files, recorded when a file is written and checked when it is read,
so that a flipped byte or a swapped file is refused instead of silently predicting."""

from __future__ import annotations

import hashlib
from pathlib import Path

from molpred.exceptions import ModelFileError

CHUNK = 1 << 20


def file_sha256(path: str | Path) -> str:
    """Hex SHA-256 of a regular file's bytes.

    Raises:
        ModelFileError: if ``path`` is not a regular file (a folder, FIFO or device is never
            opened) or cannot be read.
    """
    p = Path(path)
    if not p.is_file():
        raise ModelFileError(f"{p} is missing or not a regular file")
    digest = hashlib.sha256()
    try:
        with p.open("rb") as handle:
            while block := handle.read(CHUNK):
                digest.update(block)
    except OSError as exc:
        raise ModelFileError(f"{p} cannot be read: {exc}") from None
    return digest.hexdigest()


def check_sha256(path: str | Path, expected: object, recorded_in: str = "config.json") -> None:
    """Refuse ``path`` unless its SHA-256 is ``expected`` (hex, as :func:`file_sha256` gives).

    Raises:
        ModelFileError: if the hash is missing from the config, or differs (the file was
            changed, corrupted or swapped after it was saved).
    """
    if not isinstance(expected, str):
        raise ModelFileError(f"{path}: {recorded_in} records no content hash for it")
    if file_sha256(path) != expected:
        raise ModelFileError(f"{path} was changed or corrupted after it was saved (its SHA-256 "
                             f"differs from the one {recorded_in} recorded); retrain or restore it")


MAX_JSON_BYTES = 1 << 30
"""Largest JSON text a gzip-compressed model file may unpack to (1 GiB): a file that would
unpack to more is refused rather than read (a decompression bomb)."""


def read_sealed_json(path: Path, config: dict, fmt: str, what: str) -> dict:
    """A JSON file of a model folder whose SHA-256 ``config.json`` recorded under ``files``:
    hash checked, then parsed (gunzipped first when its name ends in ``.gz``, up to
    :data:`MAX_JSON_BYTES`), then its ``format`` field checked.

    Args:
        path: The file (``.json`` or ``.json.gz``).
        config: The folder's parsed ``config.json``.
        fmt: The ``format`` value the file must hold.
        what: What the file is, for messages ("tree file", "blend").

    Raises:
        ModelFileError: changed since saved, not gzip (``.gz``), unpacking to more than
            :data:`MAX_JSON_BYTES`, not JSON, or not of format ``fmt``.
    """
    import gzip
    import json
    import zlib

    check_sha256(path, (config.get("files") or {}).get(path.name))
    try:
        if path.name.endswith(".gz"):
            with gzip.open(path, "rb") as handle:
                raw = handle.read(MAX_JSON_BYTES + 1)
            if len(raw) > MAX_JSON_BYTES:
                raise ModelFileError(f"{path} unpacks to more than {MAX_JSON_BYTES:,} bytes; "
                                     "refused")
        else:
            raw = path.read_bytes()
        saved = json.loads(raw.decode("utf-8"))
    except (OSError, EOFError, zlib.error) as exc:  # gzip.BadGzipFile is an OSError
        raise ModelFileError(f"{path} is corrupt (not readable"
                             f"{' gzip' if path.name.endswith('.gz') else ''}: {exc})") from None
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError) as exc:
        raise ModelFileError(f"{path} is corrupt (not valid JSON: {exc})") from None
    if not isinstance(saved, dict) or saved.get("format") != fmt:
        raise ModelFileError(f"{path} is not a molpred {what} (no format {fmt!r})")
    return saved
