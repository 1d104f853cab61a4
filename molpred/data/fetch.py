"""Find or download the file of a public dataset.

Order of lookup: a local copy in ``$MOLPRED_DATA_DIR`` (``NAME.csv`` or ``NAME.csv.gz``, e.g. the
shared MoleculeNet folder on a machine without internet), then the download cache
(``$MOLPRED_CACHE_DIR``, default ``~/.cache/molpred``), then the card's URL. Nothing is
downloaded at import time or implicitly; only :func:`fetch_dataset` touches the network.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
import urllib.error
import urllib.request
from collections.abc import Callable
from pathlib import Path

from molpred.data.cards import DatasetCard, get_card
from molpred.exceptions import DatasetError

DATA_DIR_ENV = "MOLPRED_DATA_DIR"
CACHE_DIR_ENV = "MOLPRED_CACHE_DIR"
DOWNLOAD_TIMEOUT = 60.0
"""Seconds to wait for the server to answer or send the next block."""
_BLOCK = 1 << 16


def cache_dir() -> Path:
    """Directory holding downloaded datasets: ``$MOLPRED_CACHE_DIR/datasets`` or
    ``~/.cache/molpred/datasets``. Not created here."""
    root = os.environ.get(CACHE_DIR_ENV) or Path.home() / ".cache" / "molpred"
    return Path(root).expanduser() / "datasets"


def local_copy(name: str) -> Path | None:
    """A local copy of dataset ``name`` provided by the user, if any.

    Args:
        name: Dataset name; looked up in lower case.

    Returns:
        ``$MOLPRED_DATA_DIR/<name>.csv`` or ``<name>.csv.gz`` (first that exists), or ``None``
        when the variable is unset or neither file exists. Such files have the SMILES in the
        first column and the tasks in the remaining ones, named as in the file.
    """
    root = os.environ.get(DATA_DIR_ENV)
    if not root:
        return None
    for suffix in (".csv", ".csv.gz"):
        path = Path(root).expanduser() / f"{name.lower()}{suffix}"
        if path.is_file():
            return path
    return None


def sha256_of(path: Path) -> str:
    """Hex SHA-256 digest of the file at ``path``."""
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(_BLOCK), b""):
            digest.update(block)
    return digest.hexdigest()


def fetch_dataset(
    name: str, force: bool = False, progress: Callable[[int, int], None] | None = None
) -> Path:
    """Path of the file of dataset ``name``, downloading it into the cache if needed.

    Args:
        name: Registry name (case-insensitive), see :func:`molpred.data.list_cards`.
        force: Download again even if the cache holds the file. A local copy in
            ``$MOLPRED_DATA_DIR`` is always used as is (it is the user's file).
        progress: Called as ``progress(bytes_done, bytes_total)`` while downloading;
            ``bytes_total`` is 0 when the server does not say.

    Returns:
        The local copy (:func:`local_copy`) if there is one; otherwise the cached canonical
        file ``cache_dir() / card.filename`` (columns as in the card).

    Raises:
        UnknownNameError: if no card is called ``name``.
        DatasetError: if the download fails, or the card has a sha256 and the downloaded file
            does not match it (the bad file is deleted).
    """
    card = get_card(name)
    local = local_copy(card.name)
    if local is not None:
        return local
    target = cache_dir() / card.filename
    if target.is_file() and not force:
        if card.sha256 is None or sha256_of(target) == card.sha256:
            return target
        target.unlink()  # corrupt or outdated cache entry: download again
    _download(card, target, progress)
    return target


def _download(card: DatasetCard, target: Path, progress: Callable[[int, int], None] | None) -> None:
    """Download ``card.url`` to ``target`` through a temporary file renamed at the end."""
    hint = (f"set {DATA_DIR_ENV} to a folder holding {card.name}.csv, or put {card.filename} "
            f"in {target.parent}")
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp_name = tempfile.mkstemp(prefix=f".{card.filename}.", dir=target.parent)
    except OSError as exc:
        raise DatasetError(f"cannot write to the dataset cache {target.parent}: {exc}") from None
    tmp = Path(tmp_name)
    digest = hashlib.sha256()
    try:
        with os.fdopen(fd, "wb") as out:
            request = urllib.request.Request(card.url, headers={"User-Agent": "molpred"})
            with urllib.request.urlopen(request, timeout=DOWNLOAD_TIMEOUT) as response:
                total = int(response.headers.get("Content-Length") or 0)
                done = 0
                while block := response.read(_BLOCK):
                    out.write(block)
                    digest.update(block)
                    done += len(block)
                    if progress is not None:
                        progress(done, total)
        if card.sha256 is not None and digest.hexdigest() != card.sha256:
            raise DatasetError(
                f"downloaded {card.filename} for {card.name} has sha256 {digest.hexdigest()}, "
                f"expected {card.sha256}; the file was deleted. The server copy changed or the "
                f"download was corrupted; {hint}"
            )
        os.replace(tmp, target)
    except DatasetError:
        raise
    except Exception as exc:  # URLError, HTTPError, timeouts, connection resets, disk full
        raise DatasetError(
            f"could not download {card.name} from {card.url} ({_reason(exc)}); {hint}"
        ) from None
    finally:
        tmp.unlink(missing_ok=True)  # gone already after a successful rename


def _reason(exc: Exception) -> str:
    """One-line reason of a failed download."""
    if isinstance(exc, urllib.error.HTTPError):
        return f"HTTP {exc.code} {exc.reason}"
    if isinstance(exc, urllib.error.URLError):
        return str(exc.reason)
    return " ".join(str(exc).split()) or type(exc).__name__
