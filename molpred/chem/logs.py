"""RDKit's own log while molpred works on molecules: quiet by default, shown on request.

RDKit writes warnings from C++ for molecules it still reads (``not removing hydrogen atom
without neighbors``, valence notes, descriptor failures), once per molecule: thousands of
lines for a library. molpred reports what matters per row (the ``error`` column), so while it
parses, standardizes and describes molecules RDKit's log is blocked
(``rdBase.BlockLogs``, scoped, never global). With ``MOLPRED_VERBOSE=1`` (``molpred
--verbose``, or :func:`show_rdkit_log`) nothing is blocked and RDKit's messages go to Python
logging's ``rdkit`` logger (``rdBase.LogToPythonLogger``), where an application can filter,
format or store them. The variable is inherited by worker processes.
"""

from __future__ import annotations

import contextlib
import logging
import os
from typing import Any

from rdkit import rdBase

VERBOSE_ENV = "MOLPRED_VERBOSE"


def verbose() -> bool:
    """Whether RDKit's messages are shown (``MOLPRED_VERBOSE`` set and not ``0``)."""
    return os.environ.get(VERBOSE_ENV, "") not in ("", "0")


def quiet_rdkit() -> Any:
    """A context (or an object to hold while working) that blocks RDKit's log unless
    :func:`verbose`: ``with quiet_rdkit(): ...`` or ``blocker = quiet_rdkit()``."""
    return contextlib.nullcontext() if verbose() else rdBase.BlockLogs()


def show_rdkit_log(level: int = logging.INFO) -> None:
    """Show RDKit's messages from now on: set ``MOLPRED_VERBOSE=1`` (for this process and
    its workers) and route RDKit's log to Python logging's ``rdkit`` logger, giving the
    root logger a stderr handler at ``level`` if it has none."""
    os.environ[VERBOSE_ENV] = "1"
    rdBase.LogToPythonLogger()
    logging.basicConfig(level=level, format="%(levelname)s %(name)s: %(message)s")
    logging.getLogger("rdkit").setLevel(level)
