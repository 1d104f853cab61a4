"""Errors raised by molpred.

Every error carries a message meant for a chemist at a terminal: it names the file, row,
column or model concerned and says what to do. The CLI prints ``str(error)`` on one line and
exits non-zero; library users can catch :class:`MolpredError` for all of them.
"""

from __future__ import annotations


class MolpredError(Exception):
    """Base class of every error molpred raises on purpose."""


class InputError(MolpredError, ValueError):
    """An input file, column, SMILES list or option value is unusable as given."""


class DatasetError(MolpredError):
    """A dataset name is unknown, or its file is missing, corrupt or fails its hash check."""


class ModelFileError(MolpredError):
    """A model directory is missing, corrupt, from another program or another molpred version."""


class TrainingError(MolpredError):
    """Training produced no usable model (e.g. it diverged: the outputs are NaN)."""


class UnknownNameError(MolpredError, KeyError):
    """A registry lookup (encoder, featurizer, splitter, dataset) used a name nobody registered."""

    def __str__(self) -> str:  # KeyError would wrap the message in quotes
        return str(self.args[0]) if self.args else ""
