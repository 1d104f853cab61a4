"""Deep ensembles: N copies of one :class:`MoleculeModel` trained from different seeds.

Predictions are the members' mean and their spread (standard deviation) is an estimate of
epistemic uncertainty, following Lakshminarayanan et al. 2017, "Simple and scalable predictive
uncertainty estimation using deep ensembles" (the ensembles Chemprop ships with
``--ensemble-size``).
"""

from __future__ import annotations

from torch import nn

from molpred.exceptions import InputError
from molpred.models.model import MoleculeModel


class Ensemble(nn.Module):
    """Members with one shared :class:`~molpred.models.model.ModelConfig`.

    Args:
        members: At least two trained models with equal configs.

    Attributes:
        config: The members' shared config (featurizer, tasks, task type).

    Raises:
        InputError: if fewer than two members are given or their configs differ.
    """

    def __init__(self, members: list[MoleculeModel]) -> None:
        super().__init__()
        if len(members) < 2:
            raise InputError("an ensemble needs at least two members")
        first = members[0].config.to_dict()
        if any(m.config.to_dict() != first for m in members[1:]):
            raise InputError("ensemble members must share one model config")
        self.members = nn.ModuleList(members)
        self.config = members[0].config

    def __len__(self) -> int:
        return len(self.members)


def members_of(model: MoleculeModel | Ensemble) -> list[MoleculeModel]:
    """The member list of an ensemble (or of a tree model or blend, which hold ``members``
    too), or ``[model]`` for a single model."""
    members = getattr(model, "members", None)
    return list(members) if members is not None else [model]
