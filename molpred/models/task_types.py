"""The three task types and what follows from each: output columns, probabilities or values.

- ``classification``: binary, per task; one output per task, the probability of class 1.
- ``regression``: one output per task, the value in the dataset's units.
- ``multiclass``: one target whose labels are C classes (C >= 3; Chemprop's ``multiclass``
  task type); C outputs, the softmax probability of each class, named ``TARGET_pCLASS``
  (``toxicity_class_p2``). Labels are stored as class indices 0..C-1; the class names
  (the file's values, e.g. ``"0"``, ``"1"``, ``"2"``) are kept in the model's config.
"""

from __future__ import annotations

from collections.abc import Sequence

from molpred.tasks import task_head
from molpred.tasks.multiclass import (  # noqa: F401 - re-exported
    CLASS_PREFIX,
    CLASS_SUFFIX,
    INFERRED_MAX_CLASSES,
    MAX_CLASSES,
    class_name,
)

CLASSIFICATION = "classification"
REGRESSION = "regression"
MULTICLASS = "multiclass"
TASK_TYPES = (CLASSIFICATION, REGRESSION, MULTICLASS)



def output_names(tasks: Sequence[str], task_type: str, classes: Sequence[str] | None) -> list[str]:
    """The model's output columns: the task names, or for a multiclass target one
    ``TARGET_pCLASS`` per class, in class order."""
    return task_head(task_type).output_names(tasks, classes)


def outputs_probabilities(task_type: str) -> bool:
    """Whether the outputs are probabilities (binary or multiclass) rather than values."""
    return task_head(task_type).probabilities
