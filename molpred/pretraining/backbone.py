"""A pretrained encoder ("backbone") as a folder: weights in safetensors, a JSON card, a
Markdown card and the pretraining loss curve. ``molpred-base`` ships inside the package
(``molpred/pretraining/backbones/molpred-base``) and loads with no network.

``backbone.json``: ``{"format": "molpred-backbone", "format_version": 1, "encoder": "dmpnn",
"encoder_params", "atom_dim", "bond_dim", "rdkit_version", "corpus", "descriptors", "settings",
"history", "files": {"backbone.safetensors": SHA-256}}``. :func:`load_backbone` checks the
format, the hash and every tensor's name and shape before anything is used, and raises
:class:`~molpred.exceptions.ModelFileError` otherwise: a corrupt or foreign file is refused,
never unpickled.
"""

from __future__ import annotations

import csv
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch
from rdkit import rdBase
from safetensors import SafetensorError
from safetensors.torch import load_file, save_file

from molpred.exceptions import InputError, ModelFileError
from molpred.featurizers.atom import ATOM_FEATURE_DIM
from molpred.featurizers.bond import BOND_FEATURE_DIM
from molpred.models.digest import check_sha256, file_sha256
from molpred.models.encoders import ENCODERS

FORMAT = "molpred-backbone"
FORMAT_VERSION = 1
CARD_FILE = "backbone.json"
WEIGHTS_FILE = "backbone.safetensors"
SHIPPED_DIR = Path(__file__).parent / "backbones"
MAX_CARD_BYTES = 1_000_000
MAX_SIZE = 4096
"""Largest encoder width or depth a card may state."""


@dataclass
class Backbone:
    """A loaded backbone.

    Attributes:
        path: Its folder.
        encoder: Registered encoder name (``dmpnn``).
        encoder_params: The encoder's settings (width, depth, pooling).
        state: The encoder's weights, ``float32`` tensors by parameter name.
        card: The whole ``backbone.json``.
    """

    path: Path
    encoder: str
    encoder_params: dict[str, Any]
    state: dict[str, torch.Tensor]
    card: dict[str, Any]


def shipped_backbones() -> list[str]:
    """Names of the backbones shipped in the package."""
    return sorted(p.name for p in SHIPPED_DIR.glob("*") if (p / CARD_FILE).is_file())


def resolve_backbone(name_or_path: str | Path) -> Path:
    """A shipped backbone's folder (``molpred-base``) or the given folder.

    Raises:
        ModelFileError: if it is neither (names the shipped ones).
    """
    shipped = SHIPPED_DIR / str(name_or_path)
    if "/" not in str(name_or_path) and (shipped / CARD_FILE).is_file():
        return shipped
    path = Path(name_or_path)
    if (path / CARD_FILE).is_file():
        return path
    raise ModelFileError(f"no pretrained backbone {str(name_or_path)!r}: give a shipped one "
                         f"({', '.join(shipped_backbones()) or 'none installed'}) or a folder "
                         f"holding {CARD_FILE}")


def load_backbone(name_or_path: str | Path) -> Backbone:
    """Load and check a backbone (see the module docstring).

    Raises:
        ModelFileError: if it is missing, corrupt, of another format, changed after export, or
            its tensors do not fit its encoder.
    """
    path = resolve_backbone(name_or_path)
    card_path = path / CARD_FILE
    if not card_path.is_file() or card_path.stat().st_size > MAX_CARD_BYTES:
        raise ModelFileError(f"{card_path} is not a backbone card (missing, or not a file of "
                             f"at most {MAX_CARD_BYTES:,} bytes)")
    try:
        card = json.loads(card_path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError) as exc:
        raise ModelFileError(f"{card_path} is corrupt (not valid JSON: {exc})") from None
    if not isinstance(card, dict) or card.get("format") != FORMAT:
        raise ModelFileError(f"{card_path} is not a molpred backbone (no format {FORMAT!r})")
    if card.get("format_version") != FORMAT_VERSION:
        raise ModelFileError(f"{path} is backbone format {card.get('format_version')!r}; this "
                             f"molpred reads version {FORMAT_VERSION}")
    if card.get("encoder") not in ENCODERS or not isinstance(card.get("encoder_params"), dict):
        raise ModelFileError(f"{card_path}: unknown encoder {card.get('encoder')!r}")
    if (card.get("atom_dim"), card.get("bond_dim")) != (ATOM_FEATURE_DIM, BOND_FEATURE_DIM):
        raise ModelFileError(f"{path} was pretrained on {card.get('atom_dim')}/"
                             f"{card.get('bond_dim')} atom/bond features; this molpred computes "
                             f"{ATOM_FEATURE_DIM}/{BOND_FEATURE_DIM}")
    params, files = card["encoder_params"], card.get("files")
    if not isinstance(files, dict) or not all(
            isinstance(params.get(k), int) and not isinstance(params.get(k), bool)
            and 1 <= params[k] <= MAX_SIZE for k in ("hidden_size", "depth")):
        raise ModelFileError(f"{card_path}: malformed card (files, or encoder width and depth "
                             f"as whole numbers from 1 to {MAX_SIZE})")
    weights = path / WEIGHTS_FILE
    check_sha256(weights, files.get(WEIGHTS_FILE), CARD_FILE)
    try:
        state = {k: v.float() for k, v in load_file(str(weights)).items()}
    except (SafetensorError, OSError, ValueError) as exc:
        raise ModelFileError(f"{weights} is not a readable safetensors file ({exc})") from None
    width = tuple(state["W_h.weight"].shape) if "W_h.weight" in state else ()
    if width != (params["hidden_size"], params["hidden_size"]):  # before building the encoder
        raise ModelFileError(f"{weights} does not fit {card['encoder']}: tensor 'W_h.weight' is "
                             f"{width} in the file, width {params['hidden_size']} in the card")
    try:
        encoder = ENCODERS.get(card["encoder"])(**card["encoder_params"])
    except (TypeError, ValueError, RuntimeError) as exc:
        raise ModelFileError(f"{card_path}: encoder settings do not build ({exc})") from None
    expected = {k: tuple(v.shape) for k, v in encoder.state_dict().items()}
    found = {k: tuple(v.shape) for k, v in state.items()}
    if expected != found:
        key = next(k for k in sorted(set(expected) | set(found)) if expected.get(k) != found.get(k))
        raise ModelFileError(f"{weights} does not fit {card['encoder']}: tensor {key!r} is "
                             f"{found.get(key, 'missing')} in the file, "
                             f"{expected.get(key, 'absent')} in the encoder")
    return Backbone(path, card["encoder"], dict(card["encoder_params"]), state, card)


def fine_tune_params(backbone: Backbone, overrides: dict[str, Any] | None) -> dict[str, Any]:
    """The encoder settings of a model fine-tuned from ``backbone``: its architecture, with
    ``overrides`` for what does not change the weights' shapes (``dropout``).

    Raises:
        InputError: if ``overrides`` change the architecture (e.g. another ``hidden_size``).
    """
    fixed = {k: v for k, v in backbone.encoder_params.items() if k != "dropout"}
    clash = {k: v for k, v in (overrides or {}).items() if k in fixed and fixed[k] != v}
    if clash:
        raise InputError(f"the pretrained backbone has {', '.join(f'{k}={fixed[k]}' for k in clash)}"
                         f"; drop {', '.join('--' + k.replace('_', '-') for k in clash)} to "
                         "fine-tune it")
    defaults = ENCODERS.get(backbone.encoder).defaults
    return {**backbone.encoder_params, "dropout": defaults.get("dropout", 0.0),
            **(overrides or {})}


def fine_tune_encoder_params(model: str, name_or_path: str | Path,
                             overrides: dict[str, Any] | None) -> dict[str, Any]:
    """Encoder settings for fine-tuning a backbone as ``model`` (:func:`fine_tune_params`).

    Raises:
        ModelFileError: if the backbone is missing or corrupt.
        InputError: if ``model`` is another encoder than the backbone's, or ``overrides``
            change its architecture.
    """
    backbone = load_backbone(name_or_path)
    if model.lower() != backbone.encoder:
        raise InputError(f"the pretrained backbone {name_or_path} is a {backbone.encoder} "
                         f"encoder; train it with --model {backbone.encoder}, not {model}")
    return fine_tune_params(backbone, overrides)


def export_backbone(run: Path, encoder: torch.nn.Module, encoder_params: dict[str, Any],
                    settings: dict[str, Any], descriptors: list[str],
                    out: Path | None = None) -> Path:
    """Write the trained encoder of a pretraining run as a backbone folder.

    Args:
        run: The run folder (its ``corpus.json`` and ``history.csv`` go into the card).
        encoder: The trained encoder.
        encoder_params: Its settings (what rebuilds it).
        settings: The run's settings (:class:`~molpred.pretraining.fit.PretrainSettings`
            as a dict; folders are recorded by name only).
        descriptors: The names of the descriptors it was trained to predict.
        out: Target folder (default ``run/backbone``).

    Returns:
        The backbone folder.
    """
    out = Path(out or run / "backbone")
    out.mkdir(parents=True, exist_ok=True)
    state = {k: v.detach().cpu().float().contiguous() for k, v in encoder.state_dict().items()}
    save_file(state, str(out / WEIGHTS_FILE), metadata={"format": FORMAT})
    (out / WEIGHTS_FILE).chmod(0o644)  # readable by every user of an installed package
    with (run / "history.csv").open() as handle:
        history = [{k: float(v) for k, v in row.items()} for row in csv.DictReader(handle)]
    corpus = json.loads((run / "corpus.json").read_text())
    corpus["featurization_failed"] = len(corpus.get("featurization_failed", []))
    card = {
        "format": FORMAT, "format_version": FORMAT_VERSION, "encoder": "dmpnn",
        "encoder_params": encoder_params, "atom_dim": ATOM_FEATURE_DIM,
        "bond_dim": BOND_FEATURE_DIM, "rdkit_version": rdBase.rdkitVersion,
        "corpus": corpus, "descriptors": list(descriptors), "settings": dict(settings),
        "history": history, "files": {WEIGHTS_FILE: file_sha256(out / WEIGHTS_FILE)},
        "parameters": sum(v.numel() for v in state.values()),
    }
    for key in ("corpus", "datasets_dir", "splits_dir"):  # file names only, no local paths
        card["settings"][key] = Path(card["settings"][key]).name if card["settings"][key] else ""
    (out / CARD_FILE).write_text(json.dumps(card, indent=1))
    (out / "CARD.md").write_text(card_markdown(card, out.name))
    _plot_history(history, out / "loss.png")
    return out


def card_markdown(card: dict[str, Any], name: str) -> str:
    """The backbone's card as Markdown: corpus, held-out test molecules, descriptors, RDKit
    version, the loss per epoch and the wall time."""
    corpus, settings, history = card["corpus"], card["settings"], card["history"]
    params = card["encoder_params"]
    lines = [
        f"# Backbone `{name}`", "",
        f"A {card['encoder']} encoder (width {params.get('hidden_size')}, depth "
        f"{params.get('depth')}, {card.get('parameters', 0):,} weights) pretrained without labels "
        f"to predict {len(card['descriptors'])} scaled RDKit 2D descriptors from the molecular "
        "graph (after CheMeleon, Burns et al. 2025). Fine-tune it with "
        f"`molpred train DATA --from-pretrained {name}`; embed with `molpred embed -m {name}`.", "",
        "| | |", "|---|---|",
        f"| corpus | {corpus['size']:,} molecules: the first of `{corpus['file']}` (MOSES "
        "training set, MIT licence) that are no benchmark test molecule |",
        f"| held out | {corpus['held_out_test_molecules']:,} corpus molecules sharing an InChIKey "
        f"connectivity block with one of {corpus['held_out_structures']:,} structures of the "
        "test parts (every dataset, every seed; as given and standardized) |",
        f"| corpus digest | SHA-256 `{corpus['digest']}` of the chosen SMILES |",
        f"| validation | {settings['val_fraction']:.0%} of the corpus, drawn with seed "
        f"{settings['seed']} |",
        f"| training | {len(history)} epochs, batch {settings['batch_size']}, peak learning rate "
        f"{settings['lr']:g}, {history[-1]['seconds'] / 60:.0f} min on the machine that made it |",
        f"| final loss | train {history[-1]['train_loss']:.4f}, validation "
        f"{history[-1]['val_loss']:.4f} (mean squared error of standardized descriptors; "
        "predicting the mean scores 1.0) |",
        f"| RDKit | {card['rdkit_version']} |", "",
        "![loss per epoch](loss.png)", "",
        "| epoch | train loss | validation loss | minutes |", "|---|---|---|---|",
        *(f"| {int(r['epoch'])} | {r['train_loss']:.4f} | {r['val_loss']:.4f} | "
          f"{r['seconds'] / 60:.1f} |" for r in history), "",
        "Descriptors: " + ", ".join(card["descriptors"]) + ".", "",
    ]
    return "\n".join(lines)


def _plot_history(history: list[dict[str, float]], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(5, 3.2), dpi=100)
    epochs = [row["epoch"] for row in history]
    ax.plot(epochs, [row["train_loss"] for row in history], "o-", label="train")
    ax.plot(epochs, [row["val_loss"] for row in history], "s-", label="validation")
    ax.set_xlabel("epoch")
    ax.set_ylabel("MSE of scaled descriptors")
    ax.set_title("molpred backbone pretraining")
    ax.legend()
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)
