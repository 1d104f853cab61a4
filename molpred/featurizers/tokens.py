"""SMILES -> token ids, the input of the ``cnn`` encoder.

Tokenization uses the regular expression of Schwaller et al., "Molecular Transformer: A Model
for Uncertainty-Calibrated Chemical Reaction Prediction", ACS Cent. Sci. 2019, 5, 1572, which
is the de-facto standard for SMILES language models. One token is:

* a whole bracket atom (``[C@@H]``, ``[nH]``, ``[N+]``, ``[13C]``, ``[Na+]``);
* a two-letter organic-subset atom ``Br`` or ``Cl`` (never ``B`` + ``r`` or ``C`` + ``l``);
* any other organic-subset atom, aromatic or not (``B C N O P S F I b c n o s p``);
* a bond (``- = # $ : / \\ ~``), a branch ``(`` / ``)``, the fragment separator ``.``;
* a ring-closure digit ``0``-``9`` or a two-digit ring closure ``%10``-``%99``;
* one of the rare symbols ``* + @ ? > <`` (``<``/``>`` occur in RDKit's dative bonds).

Any other character becomes a token of its own (it maps to :data:`UNK_ID`), so no character
is ever dropped and ``detokenize(tokenize(s)) == s`` holds for every string.

The molecule is written as the canonical isomeric SMILES of the standardized molecule
(``Chem.MolToSmiles``), so one molecule always gives the same ids whatever SMILES it came as.

The vocabulary :data:`VOCAB` is fixed in code: ``<pad>`` (id 0), ``<unk>`` (id 1), the
SMILES grammar tokens above and the bracket atoms seen at least a few times in the
MoleculeNet sets molpred ships cards for (Tox21, ToxCast, HIV, BBBP, ClinTox, Lipophilicity,
ESOL, FreeSolv) after standardization, plus common isotopes and ions. Rarer bracket atoms
(most metals with unusual charges) map to ``<unk>``.

**The list is append-only**: token ids are baked into trained ``cnn`` weights. The ``cnn``
encoder records the vocabulary size it was trained with and maps ids beyond it to
``<unk>``, so models trained before an append keep working unchanged.

Sequences are cut to :data:`MAX_TOKENS` tokens (the start of the SMILES is kept) and padded
with :data:`PAD_ID`. Measured on the standardized MoleculeNet sets, 160 tokens cover all of
ESOL and FreeSolv, 99.95 % of Lipophilicity, 99.6-99.8 % of Tox21, BBBP and HIV and 98.5 % of
ClinTox (long peptides); median lengths are 11-46 tokens.
"""

from __future__ import annotations

import re

import numpy as np
from rdkit import Chem

SMILES_REGEX = re.compile(
    r"(\[[^\]]+]|Br?|Cl?|N|O|S|P|F|I|b|c|n|o|s|p|\(|\)|\.|=|#|-|\+|\\|/|:|~|@|\?|>|<|\*|\$"
    r"|%[0-9]{2}|[0-9]|.)",
    re.DOTALL,
)
"""Schwaller et al. 2019's SMILES regex, plus ``<`` and a final catch-all ``.`` (one
character) so that unexpected characters are kept as (unknown) tokens instead of dropped."""

PAD, UNK = "<pad>", "<unk>"
PAD_ID, UNK_ID = 0, 1

_GRAMMAR = [
    # organic subset, aliphatic then aromatic
    "B", "C", "N", "O", "P", "S", "F", "Cl", "Br", "I",
    "b", "c", "n", "o", "p", "s",
    # bonds, branches, fragments, other symbols
    "-", "=", "#", "$", ":", "/", "\\", "~", "(", ")", ".", "*", "+", "@", "?", ">", "<",
    # ring closures
    "0", "1", "2", "3", "4", "5", "6", "7", "8", "9",
    *[f"%{i}" for i in range(10, 100)],
]  # fmt: skip

_BRACKET_ATOMS = [
    # stereocentres
    "[C@H]", "[C@@H]", "[C@]", "[C@@]", "[N@+]", "[N@@+]", "[N@]", "[N@@]",
    "[S@]", "[S@@]", "[S@+]", "[S@@+]", "[P@]", "[P@@]", "[P@+]", "[P@@+]", "[Si@]", "[Si@@]",
    # charged and radical organic atoms
    "[N+]", "[N-]", "[NH+]", "[NH2+]", "[NH3+]", "[NH-]", "[N]", "[NH]", "[NH2]",
    "[O-]", "[O+]", "[OH+]", "[O]", "[OH]",
    "[C-]", "[C+]", "[C]", "[CH]", "[CH2]", "[CH3]", "[CH-]", "[CH2-]",
    "[S+]", "[S-]", "[S]", "[SH]", "[SH+]", "[P+]", "[P-]", "[P]", "[PH]",
    "[B-]", "[B]", "[BH-]", "[BH2-]", "[BH3-]",
    "[F]", "[Cl]", "[Br]", "[I]", "[I+]", "[IH]", "[IH2]", "[F-]", "[Cl-]", "[Br-]", "[I-]",
    "[ClH+]", "[BrH+]", "[Cl+3]",
    # aromatic bracket atoms
    "[nH]", "[n+]", "[n-]", "[nH+]", "[n]", "[c-]", "[c]", "[cH-]", "[s+]", "[o+]",
    "[se]", "[te]", "[b-]", "[p]",
    # other non-metals and metalloids
    "[Si]", "[SiH]", "[SiH2]", "[Se]", "[Te]", "[As]", "[AsH]", "[Ge]", "[Sb]",
    # isotopes
    "[H]", "[2H]", "[3H]", "[11C]", "[13C]", "[14C]", "[18F]", "[123I]", "[125I]", "[131I]",
    # metals
    "[Li]", "[Li+]", "[Na]", "[Na+]", "[K]", "[K+]", "[Mg]", "[Mg+2]", "[Ca]", "[Ca+2]",
    "[Al]", "[Sn]", "[Pb]", "[Bi]", "[Hg]", "[Tl]", "[Zn]", "[Zn+2]", "[Cu]", "[Cu+2]",
    "[Fe]", "[Fe+2]", "[Fe+3]", "[Co]", "[Co+2]", "[Ni]", "[Ni+2]", "[Mn]", "[Mn+2]",
    "[Cr]", "[Mo]", "[W]", "[Ti]", "[Zr]", "[Pt]", "[Pd]", "[Au]", "[Ag]", "[Cd]",
]  # fmt: skip

VOCAB: tuple[str, ...] = (PAD, UNK, *_GRAMMAR, *_BRACKET_ATOMS)
"""All tokens; a token's id is its index. Append-only (see the module docstring)."""

VOCAB_SIZE = len(VOCAB)
TOKEN_TO_ID: dict[str, int] = {token: i for i, token in enumerate(VOCAB)}

MAX_TOKENS = 160
"""Length of every token-id vector; longer SMILES are truncated (their start is kept)."""

if len(TOKEN_TO_ID) != VOCAB_SIZE:  # pragma: no cover - guards edits of the lists above
    raise RuntimeError("duplicate token in molpred's SMILES vocabulary")


def tokenize(smiles: str) -> list[str]:
    """Split a SMILES string into tokens; ``"".join(tokenize(s)) == s`` always.

    >>> tokenize("C[C@@H](Br)c1ccc%10cc1")
    ['C', '[C@@H]', '(', 'Br', ')', 'c', '1', 'c', 'c', 'c', '%10', 'c', 'c', '1']
    """
    return SMILES_REGEX.findall(smiles)


def detokenize(tokens: list[str]) -> str:
    """Inverse of :func:`tokenize`."""
    return "".join(tokens)


def encode(smiles: str, max_tokens: int = MAX_TOKENS) -> np.ndarray:
    """Token ids of ``smiles``, ``int64 [max_tokens]``: truncated, then padded with ``PAD_ID``.

    Tokens outside :data:`VOCAB` get :data:`UNK_ID`.
    """
    ids = np.full(max_tokens, PAD_ID, dtype=np.int64)
    tokens = tokenize(smiles)[:max_tokens]
    ids[: len(tokens)] = [TOKEN_TO_ID.get(t, UNK_ID) for t in tokens]
    return ids


def decode(ids: np.ndarray | list[int]) -> str:
    """Ids back to a SMILES string, skipping padding (unknown tokens come back as ``<unk>``)."""
    return "".join(VOCAB[int(i)] for i in ids if int(i) != PAD_ID)


def smiles_tokens(mol: Chem.Mol, max_tokens: int = MAX_TOKENS) -> np.ndarray:
    """Token ids of the canonical isomeric SMILES of ``mol``, ``int64 [max_tokens]``.

    ``mol`` is the molecule after parsing (and standardization when the featurizer config
    asks for it), so the ids do not depend on how the input SMILES was written.
    """
    return encode(Chem.MolToSmiles(mol), max_tokens)
