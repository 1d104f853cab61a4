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

CLASSIFICATION = "classification"
REGRESSION = "regression"
MULTICLASS = "multiclass"
TASK_TYPES = (CLASSIFICATION, REGRESSION, MULTICLASS)
MAX_CLASSES = 20
"""Most classes a multiclass target may have; a target with more whole-number values is a
number (regression) unless ``--task multiclass`` says otherwise."""
INFERRED_MAX_CLASSES = 10
"""Most distinct whole numbers a target may hold to be inferred multiclass."""
CLASS_PREFIX = "_p"
"""Infix of a class-probability column: ``TARGET_pCLASS``."""
CLASS_SUFFIX = ""
"""Suffix of the predicted-class column of a multiclass target: none, the column takes the
target's name (``_pred`` is added where the input has a column of that name)."""


def output_names(tasks: Sequence[str], task_type: str, classes: Sequence[str] | None) -> list[str]:
    """The model's output columns: the task names, or for a multiclass target one
    ``TARGET_pCLASS`` per class, in class order."""
    if task_type == MULTICLASS:
        return [f"{tasks[0]}{CLASS_PREFIX}{c}" for c in classes or ()]
    return list(tasks)


def outputs_probabilities(task_type: str) -> bool:
    """Whether the outputs are probabilities (binary or multiclass) rather than values."""
    return task_type in (CLASSIFICATION, MULTICLASS)


def class_name(value: float) -> str:
    """How a numeric class label is written: ``2.0`` -> ``"2"``, ``1000001.0`` ->
    ``"1000001"``, ``0.5`` -> ``"0.5"`` (whole numbers in full, others as Python's shortest
    round-trip repr, so distinct labels keep distinct names)."""
    value = float(value)
    return str(int(value)) if value.is_integer() else repr(value)
