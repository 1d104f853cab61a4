"""Your own models in the panel: ``molpred models add NAME DIR`` copies a model you trained
(on in-house hERG data, say) into your panel folder, and from then on ``molpred predict``
without ``-m``, :func:`molpred.predict_panel`, ``molpred serve`` and ``-m NAME`` anywhere
include it beside the shipped models.

The folder is ``$MOLPRED_PANEL_DIR`` when set, else ``$XDG_DATA_HOME/molpred/panel`` (by
default ``~/.local/share/molpred/panel``): one copy of each model folder, plus
``panel.json`` (title, area, where it came from, when it was added). A model is checked as
every model is loaded (schema, SHA-256 of its weights and trust files, never unpickled)
before it is copied, so a broken folder never enters the panel.
"""

from __future__ import annotations

import json
import os
import re
import shutil
from datetime import datetime, timezone
from pathlib import Path

from molpred.exceptions import InputError, ModelFileError

PANEL_DIR_ENV = "MOLPRED_PANEL_DIR"
ENTRY_FILE = "panel.json"
NAME_PATTERN = re.compile(r"^[a-z0-9][a-z0-9_-]{0,39}$")
"""A panel name: lower-case letters, digits, ``_`` and ``-``, at most 40 characters (it
becomes the ``NAME.`` prefix of output columns)."""


def user_panel_dir() -> Path:
    """Where your panel models live (see the module docstring); not created here."""
    given = os.environ.get(PANEL_DIR_ENV)
    if given:
        return Path(given).expanduser()
    data_home = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(data_home) / "molpred" / "panel"


def user_models() -> dict[str, Path]:
    """``{name: folder}`` of the models you added, sorted by name (folders without a
    ``config.json`` and a ``panel.json`` are not models of the panel and are skipped)."""
    root = user_panel_dir()
    if not root.is_dir():
        return {}
    return {p.name: p for p in sorted(root.iterdir())
            if NAME_PATTERN.match(p.name) and p.is_dir() and (p / "config.json").is_file()
            and (p / ENTRY_FILE).is_file()}  # not a half-copied ".NAME.adding" folder


def add_model(name: str, folder: str | Path, *, title: str | None = None,
              area: str = "in-house", replace: bool = False, reserved: tuple[str, ...] = ()
              ) -> Path:
    """Copy a trained model folder into your panel under ``name``.

    Args:
        name: The panel name (:data:`NAME_PATTERN`), used with ``-m NAME`` and as the
            ``NAME.`` column prefix of panel predictions.
        folder: A model directory written by ``molpred train`` (or ``est.save``).
        title: What it predicts, in your words (default: its task names).
        area: A grouping shown by ``molpred models list`` (``toxicity``, ``ADME``, ...).
        replace: Replace a model of yours with that name.
        reserved: Names that may not be taken (the shipped models').

    Returns:
        The panel's copy of the folder.

    Raises:
        InputError: a bad or reserved name, a name in use without ``replace``.
        ModelFileError: ``folder`` is not a loadable molpred model or holds a symbolic link
            (nothing is copied).
    """
    from molpred.models.checkpoint import load_model  # checks schema and hashes
    from molpred.trust.model import TrustModel

    if not NAME_PATTERN.match(name or ""):
        raise InputError(f"panel name {name!r}: use lower-case letters, digits, '_' or '-' "
                         "(at most 40 characters), e.g. herg")
    if name in reserved:
        raise InputError(f"{name!r} is a shipped model's name; choose another")
    source = Path(folder)
    if not (source / "config.json").is_file():
        raise ModelFileError(f"{source} is not a molpred model folder (no config.json)")
    linked = [p for p in source.rglob("*") if p.is_symlink()]
    if linked:
        raise ModelFileError(f"{source} holds a symbolic link ({linked[0]}); the panel copies "
                             "files, not links: add a folder of plain files")
    model, _ = load_model(source)
    TrustModel.load(source)
    root = user_panel_dir()
    target = root / name
    if target.exists() and not replace:
        raise InputError(f"your panel already has {name!r} ({target}); --replace to replace it")
    root.mkdir(parents=True, exist_ok=True)
    staging = root / f".{name}.adding"
    shutil.rmtree(staging, ignore_errors=True)
    shutil.copytree(source, staging, symlinks=False)
    (staging / ENTRY_FILE).write_text(json.dumps({
        "title": title or ", ".join(model.config.tasks[:5]), "area": area,
        "source": str(source.resolve()), "added": datetime.now(timezone.utc).isoformat(
            timespec="seconds")}, indent=2))
    if target.exists():
        shutil.rmtree(target)
    staging.rename(target)  # the panel never sees a half-copied folder
    return target


def remove_model(name: str) -> Path:
    """Delete one of your panel models (the folder it was copied from is untouched).

    Raises:
        ModelFileError: if ``name`` is not one of your models.
    """
    folder = user_models().get(name)
    if folder is None:
        from molpred.panel import shipped_models

        if name in shipped_models():
            raise ModelFileError(f"{name!r} is shipped with molpred and cannot be removed; "
                                 "`molpred models remove` removes models you added")
        raise ModelFileError(f"no model {name!r} in your panel ({user_panel_dir()})")
    shutil.rmtree(folder)
    return folder
