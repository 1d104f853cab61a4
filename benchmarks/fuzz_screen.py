#!/usr/bin/env python
"""Fuzz benchmark (not a CI test): >= 100,000 generated inputs through ``screen`` and
``predict``; every input row must come out once, and every row without a prediction must say
why. Inputs: real Tox21 SMILES, the same mutated (characters inserted, deleted, replaced),
random printable text, random bytes (invalid UTF-8 included), whitespace inside SMILES, and
malformed CSV lines (an extra field, a stray quote).

    OMP_NUM_THREADS=1 python benchmarks/fuzz_screen.py --rows 100000 --shared ../shared \
        --out benchmarks/results/fuzz
"""

from __future__ import annotations

import argparse
import json
import random
import time
from pathlib import Path

import numpy as np
import pandas as pd

ALPHABET = "CNOSPFIBrcnos()[]=#@+-123456789%/\\.Hl"


def mutate(rng: random.Random, smiles: str) -> str:
    chars = list(smiles)
    for _ in range(rng.randint(1, 3)):
        op = rng.random()
        i = rng.randrange(len(chars) + 1)
        if op < 0.4:
            chars.insert(i, rng.choice(ALPHABET))
        elif op < 0.7 and chars:
            del chars[min(i, len(chars) - 1)]
        elif chars:
            chars[min(i, len(chars) - 1)] = rng.choice(ALPHABET)
    return "".join(chars)


def generate(rows: int, smiles: list[str], seed: int) -> tuple[bytes, list[str]]:
    """CSV bytes with header ``id,smiles`` and ``rows`` records, and each record's kind."""
    rng = random.Random(seed)
    out, kinds = [b"id,smiles\n"], []
    for i in range(rows):
        kind = rng.choices(["valid", "mutated", "text", "bytes", "whitespace", "extra_field",
                            "stray_quote"], [30, 35, 10, 10, 5, 5, 5])[0]
        base = rng.choice(smiles)
        if kind == "valid":
            cell = base.encode()
        elif kind == "mutated":
            cell = mutate(rng, base).encode()
        elif kind == "text":
            cell = "".join(rng.choice(ALPHABET + "xyz ") for _ in range(rng.randint(0, 40))
                           ).encode()
        elif kind == "bytes":
            cell = bytes(rng.choice([b for b in range(256) if b not in b',"\n\r'])
                         for _ in range(rng.randint(1, 30)))
        elif kind == "whitespace":
            cut = rng.randint(1, max(1, len(base) - 1))
            cell = (base[:cut] + rng.choice([" ", "\t"]) + base[cut:]).encode()
        elif kind == "extra_field":
            cell = base.encode() + b",surplus"
        else:
            cell = b'"' + base.encode()
        out.append(b"r%d," % i + cell + b"\n")
        kinds.append(kind)
    return b"".join(out), kinds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--model", default="esol")
    parser.add_argument("--shared", type=Path, default=Path("../shared"))
    parser.add_argument("--out", type=Path, default=Path("benchmarks/results/fuzz"))
    args = parser.parse_args()
    import molpred

    args.out.mkdir(parents=True, exist_ok=True)
    work = args.out / "work"
    work.mkdir(exist_ok=True)
    smiles = pd.read_csv(args.shared / "datasets" / "tox21.csv")["smiles"].tolist()
    data, kinds = generate(args.rows, smiles, args.seed)
    library = work / "fuzz.csv"
    library.write_bytes(data)
    start = time.perf_counter()
    crashes = []
    try:
        report = molpred.screen(args.model, library, work / "out.csv", chunk_size=10_000)
    except Exception as exc:  # a crash is the finding, not the end of the benchmark
        crashes.append(f"screen: {type(exc).__name__}: {exc}")
        report = None
    screen_seconds = time.perf_counter() - start
    result = {"rows_in": args.rows, "kinds": {k: kinds.count(k) for k in sorted(set(kinds))},
              "model": args.model, "seed": args.seed}
    if report is not None:
        table = pd.read_csv(work / "out.csv", keep_default_na=False, dtype=str)
        value = pd.to_numeric(table["logS"], errors="coerce")
        unexplained = int((value.isna() & (table["error"] == "")).sum())
        expected_ids = [f"r{i}" for i in range(args.rows)]
        result["screen"] = {
            "rows_out": len(table), "ids_in_order": table["id"].tolist() == expected_ids,
            "predicted": int(value.notna().sum()), "errors": int((table["error"] != "").sum()),
            "nan_without_reason": unexplained, "seconds": round(screen_seconds, 1),
            "errors_by_kind": {k: int(((table["error"] != "") & (np.array(kinds) == k)).sum())
                               for k in sorted(set(kinds))},
        }
    # the Python API on the cells as text (undecodable bytes as lone surrogates)
    cells = [line.split(b",", 1)[1].decode("utf-8", "surrogateescape")
             for line in data.splitlines()[1:20_001]]
    start = time.perf_counter()
    try:
        frame = molpred.load(args.model).predict(cells)
        result["predict_api"] = {
            "rows_in": len(cells), "rows_out": len(frame),
            "nan_without_reason": int((frame["logS"].isna() & (frame["error"] == "")).sum()),
            "seconds": round(time.perf_counter() - start, 1)}
    except Exception as exc:
        crashes.append(f"predict: {type(exc).__name__}: {exc}")
    result["crashes"] = crashes
    (args.out / "result.json").write_text(json.dumps(result, indent=2))
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
