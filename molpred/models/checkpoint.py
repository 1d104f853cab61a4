"""Save and load trained models as plain directories, never with pickle.

A model directory holds:

* ``config.json`` — ``{"format": "molpred-model", "format_version": 1, "molpred_version",
  "model": ModelConfig, "ensemble_size": M, "training": {...}}``, and for a model fed RDKit 2D
  descriptors ``"descriptors": {"rdkit_version", "names"}`` (the descriptor list changes
  between RDKit releases, so a model is refused under an RDKit that computes other ones);
* ``model.safetensors`` — weights and scaler buffers (safetensors, Hugging Face); for an
  ensemble of M members the keys are prefixed ``members.K.``;
* ``metrics.json`` — validation/test metrics written by training (optional);
* ``files`` in ``config.json``: the SHA-256 of the weights, checked before they are read, so
  a flipped byte or a swapped file is refused (models saved before it was recorded load
  without the check).

:func:`load_model` validates each piece and raises :class:`ModelFileError` with the reason,
so a corrupt, truncated or foreign file is refused instead of being unpickled.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import torch
from rdkit import rdBase
from safetensors import SafetensorError, safe_open
from safetensors.torch import load_file, save_file

from molpred.exceptions import InputError, ModelFileError, UnknownNameError
from molpred.featurizers.vector import DESCRIPTOR_NAMES, FAST_DESCRIPTOR_NAMES
from molpred.models.digest import check_sha256, file_sha256
from molpred.models.ensemble import Ensemble, members_of
from molpred.models.model import ModelConfig, MoleculeModel
from molpred.models.schema import validate_config

FORMAT = "molpred-model"
FORMAT_VERSION = 1
CONFIG_FILE = "config.json"
WEIGHTS_FILE = "model.safetensors"
METRICS_FILE = "metrics.json"
MAX_CONFIG_BYTES = 10_000_000


def save_model(
    model: MoleculeModel | Ensemble,
    directory: str | Path,
    training: dict[str, Any] | None = None,
    metrics: dict[str, Any] | None = None,
    half_weights: bool = False,
) -> Path:
    """Write ``model`` to ``directory`` (created if needed; existing files are replaced).

    Args:
        model: The model or ensemble to save (moved to CPU tensors for saving).
        directory: Target directory.
        training: Training settings to record (seed, epochs, split, ...), JSON-serializable.
        metrics: Metrics to record in ``metrics.json``.
        half_weights: Store the learned weights as float16 (half the size; what the shipped
            panel does; a blend's network part too, tree models have none); buffers
            (feature and target scalers) stay float32. Loading casts back to float32.

    Returns:
        The directory as a ``Path``.
    """
    from molpred import __version__

    out = Path(directory)
    out.mkdir(parents=True, exist_ok=True)
    family = getattr(model, "family", None)
    if family is not None:  # trees or a blend: their own files, the same config.json frame
        return _save_other(model, out, family, training, metrics, half_weights)
    state = {k: v.detach().cpu().contiguous() for k, v in model.state_dict().items()}
    if half_weights:
        learned = {name for name, _ in model.named_parameters()}
        state = {k: v.half() if k in learned else v for k, v in state.items()}
    save_file(state, str(out / WEIGHTS_FILE), metadata={"format": FORMAT})
    config = {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "molpred_version": __version__,
        "model": model.config.to_dict(),
        "ensemble_size": len(members_of(model)),
        "training": training or {},
    }
    config["files"] = {WEIGHTS_FILE: file_sha256(out / WEIGHTS_FILE)}
    if "rdkit2d" in model.config.extra_features:
        config["descriptors"] = {"rdkit_version": rdBase.rdkitVersion,
                                 "names": list(DESCRIPTOR_NAMES)}
    if "rdkit2d_fast" in model.config.extra_features:
        config["fast_descriptors"] = {"rdkit_version": rdBase.rdkitVersion,
                                      "names": list(FAST_DESCRIPTOR_NAMES)}
    (out / CONFIG_FILE).write_text(json.dumps(config, indent=2))
    if metrics is not None:
        (out / METRICS_FILE).write_text(json.dumps(metrics, indent=2))
    return out


def _save_other(model: Any, out: Path, family: str, training: dict[str, Any] | None,
                metrics: dict[str, Any] | None, half_weights: bool = False) -> Path:
    """:func:`save_model` for a tree model or a blend (``model.family``); ``half_weights``
    reaches a blend's network part."""
    from molpred import __version__

    config: dict[str, Any] = {"format": FORMAT, "format_version": FORMAT_VERSION,
                              "molpred_version": __version__, "training": training or {}}
    if family == "trees":
        from molpred.models.trees.storage import save_tree_model

        save_tree_model(model, out, config)
    else:
        from molpred.models.blend import save_blend

        save_blend(model, out, config,
                   lambda part, folder: save_model(part, folder, half_weights=half_weights))
    config["descriptors"] = {"rdkit_version": rdBase.rdkitVersion, "names": list(DESCRIPTOR_NAMES)}
    for stale in (WEIGHTS_FILE,):  # a network saved here before must not linger
        (out / stale).unlink(missing_ok=True)
    (out / CONFIG_FILE).write_text(json.dumps(config, indent=2))
    if metrics is not None:
        (out / METRICS_FILE).write_text(json.dumps(metrics, indent=2))
    return out


def read_config(directory: str | Path) -> dict[str, Any]:
    """Read and validate ``config.json`` of a model directory.

    Raises:
        ModelFileError: if the path is not a directory, the file is missing, not JSON, or not
            a molpred model of a supported format version.
    """
    path = Path(directory)
    if not path.exists():
        raise ModelFileError(f"model not found: {path}")
    if not path.is_dir():
        raise ModelFileError(
            f"{path} is a file, not a molpred model directory (expected {CONFIG_FILE} and "
            f"{WEIGHTS_FILE} inside a folder); molpred never loads pickled models"
        )
    config_path = path / CONFIG_FILE
    if not config_path.exists():
        raise ModelFileError(f"{path} is not a molpred model: {CONFIG_FILE} is missing")
    if not config_path.is_file():  # a FIFO or device would block or never end
        raise ModelFileError(f"{config_path} is not a regular file")
    if config_path.stat().st_size > MAX_CONFIG_BYTES:
        raise ModelFileError(f"{config_path} is larger than {MAX_CONFIG_BYTES:,} bytes; not a "
                             "molpred model config")
    try:
        config = json.loads(config_path.read_text())
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ModelFileError(f"{config_path} is corrupt (not valid JSON: {exc})") from None
    except RecursionError:
        raise ModelFileError(f"{config_path} is nested too deeply to be a model config") from None
    if not isinstance(config, dict) or config.get("format") != FORMAT:
        raise ModelFileError(f"{config_path} is not a molpred model config (no format {FORMAT!r})")
    if config.get("format_version") != FORMAT_VERSION:
        raise ModelFileError(
            f"{path} uses model format version {config.get('format_version')!r}; this molpred "
            f"reads version {FORMAT_VERSION}"
        )
    validate_config(config, config_path)  # types, names and bounds, before anything is built
    return config


def load_model(directory: str | Path) -> tuple[MoleculeModel | Ensemble, dict[str, Any]]:
    """Rebuild a model (or ensemble) from its directory.

    Returns:
        ``(model, config)``: the model or :class:`~molpred.models.ensemble.Ensemble` in eval
        mode on CPU, and the parsed ``config.json``.

    Raises:
        ModelFileError: on any missing, corrupt, foreign or mismatched piece.
    """
    path = Path(directory)
    config = read_config(path)
    family = config.get("family", "network")
    if family != "network":
        return _load_other(path, config, family), config
    size = config.get("ensemble_size", 1)
    if not isinstance(size, int) or isinstance(size, bool) or not 1 <= size <= 1000:
        raise ModelFileError(f"{path / CONFIG_FILE} has an invalid ensemble_size {size!r}")
    weights = path / WEIGHTS_FILE
    if not weights.is_file():
        raise ModelFileError(f"{path} is incomplete: {WEIGHTS_FILE} is missing")
    if "files" in config:  # models saved before hashes were recorded have none
        check_sha256(weights, (config["files"] or {}).get(WEIGHTS_FILE)
                     if isinstance(config["files"], dict) else None)
    try:
        with safe_open(str(weights), framework="pt") as header:  # reads the header only
            shapes = {key: tuple(header.get_slice(key).get_shape()) for key in header.keys()}
    except (SafetensorError, OSError, ValueError) as exc:
        raise ModelFileError(f"{weights} is corrupt or not a safetensors file ({exc})") from None
    with torch.device("meta"):  # shapes without memory: a config asking for huge layers
        skeleton = _build(path, config, size)  # is refused before anything is allocated
    _check_shapes(weights, shapes, skeleton)
    _check_descriptors(path, config)
    model = _build(path, config, size)
    try:
        state = load_file(str(weights))
    except (SafetensorError, OSError, ValueError) as exc:
        raise ModelFileError(f"{weights} is corrupt or not a safetensors file ({exc})") from None
    try:
        model.load_state_dict(state, strict=True)
    except RuntimeError as exc:
        first = str(exc).splitlines()[0]
        raise ModelFileError(f"{weights} does not match {CONFIG_FILE}: {first}") from None
    model.eval()
    return model, config


def _load_other(path: Path, config: dict[str, Any], family: object) -> Any:
    """:func:`load_model` for a tree model or a blend.

    Raises:
        ModelFileError: for an unknown family or any bad piece.
    """
    _check_descriptors(path, config)
    if family == "trees":
        from molpred.models.trees.storage import load_tree_model

        return load_tree_model(path, config)
    if family == "blend":
        from molpred.models.blend import load_blend

        return load_blend(path, config, load_model)
    raise ModelFileError(f"{path / CONFIG_FILE} names an unknown model family {family!r}")


def _build(path: Path, config: dict[str, Any], size: int) -> MoleculeModel | Ensemble:
    """The model ``config.json`` describes, with fresh weights.

    Raises:
        ModelFileError: if the description is unusable (unknown encoder, bad sizes, ...).
    """
    try:
        members = [MoleculeModel(ModelConfig(**config["model"])) for _ in range(size)]
        return members[0] if size == 1 else Ensemble(members)
    except (TypeError, KeyError, InputError, UnknownNameError, ValueError, RuntimeError) as exc:
        raise ModelFileError(f"{path / CONFIG_FILE} describes an unusable model: {exc}") from None


def _check_shapes(weights: Path, shapes: dict[str, tuple[int, ...]],
                  model: MoleculeModel | Ensemble) -> None:
    """Refuse weights whose tensor names or shapes differ from the model's.

    Raises:
        ModelFileError: naming the first tensor that is missing, extra or of another shape.
    """
    expected = {key: tuple(value.shape) for key, value in model.state_dict().items()}
    for key in sorted(set(expected) | set(shapes)):
        if expected.get(key) != shapes.get(key):
            raise ModelFileError(
                f"{weights} does not match {CONFIG_FILE}: tensor {key!r} has shape "
                f"{shapes.get(key, 'missing')} in the file, {expected.get(key, 'none')} in the "
                f"model")


def _check_descriptors(path: Path, config: dict[str, Any]) -> None:
    """Refuse a model fed RDKit 2D descriptors other than the ones this RDKit computes (its
    head would read misaligned features). Models saved before the list was recorded pass.

    Raises:
        ModelFileError: naming both RDKit versions and the first descriptors that differ.
    """
    fast = config.get("fast_descriptors")
    if fast is not None:
        names = fast.get("names") if isinstance(fast, dict) else None
        if names != list(FAST_DESCRIPTOR_NAMES):
            raise ModelFileError(
                f"{path} was trained on fast descriptors {names if isinstance(names, list) else '?'}"
                f"; this molpred computes {list(FAST_DESCRIPTOR_NAMES)}: its head would read "
                "misaligned features")
    saved = config.get("descriptors")
    if saved is None:
        return
    names = saved.get("names") if isinstance(saved, dict) else None
    if not isinstance(names, list):
        raise ModelFileError(f"{path / CONFIG_FILE} has an unreadable descriptors entry")
    if names != list(DESCRIPTOR_NAMES):
        missing = [n for n in names if n not in DESCRIPTOR_NAMES][:3]
        added = [n for n in DESCRIPTOR_NAMES if n not in names][:3]
        raise ModelFileError(
            f"{path} was trained on the {len(names)} RDKit 2D descriptors of RDKit "
            f"{saved.get('rdkit_version')}; this RDKit {rdBase.rdkitVersion} computes "
            f"{len(DESCRIPTOR_NAMES)} (missing here: {missing or 'none'}; new here: "
            f"{added or 'none'}; or another order): install rdkit=={saved.get('rdkit_version')}")
