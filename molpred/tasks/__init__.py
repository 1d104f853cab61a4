"""Task heads: everything that follows from a task type, in one object per type.

A :class:`~molpred.tasks.base.TaskHead` carries the loss, the output transform, the metric,
the label prior, the per-molecule error that trust measures, and whether targets are scaled
or classes weighted. Code elsewhere asks the head (``task_head(config.task_type).loss(...)``)
instead of comparing the task type's name.

=================  ==========================================  ==============================
task type          head                                         outputs
=================  ==========================================  ==============================
``classification`` :class:`~molpred.tasks.binary.BinaryHead`    probability of class 1 per task
``regression``     :class:`~molpred.tasks.regression.RegressionHead`  value in the task's units
``multiclass``     :class:`~molpred.tasks.multiclass.MulticlassHead`  one probability per class
=================  ==========================================  ==============================
"""

from __future__ import annotations

from molpred.exceptions import InputError
from molpred.tasks.base import TaskHead
from molpred.tasks.binary import BinaryHead
from molpred.tasks.multiclass import MulticlassHead
from molpred.tasks.regression import RegressionHead

HEADS: dict[str, TaskHead] = {head.name: head for head in
                              (BinaryHead(), RegressionHead(), MulticlassHead())}
"""Task type name -> its head (one shared instance each; heads hold no state)."""


def task_head(task_type: str) -> TaskHead:
    """The head of a task type (``classification``, ``regression`` or ``multiclass``).

    Raises:
        InputError: for another name.
    """
    try:
        return HEADS[task_type]
    except KeyError:
        raise InputError(f"task type must be one of {tuple(HEADS)}, got {task_type!r}") from None


__all__ = ["HEADS", "BinaryHead", "MulticlassHead", "RegressionHead", "TaskHead", "task_head"]
