"""MkDocs hook: pages written from the code at build time, so they cannot drift from it.

* ``cli.md``: ``molpred COMMAND --help`` of every command, as the CLI prints it;
* ``models.md``: the model card of every model of the shipped panel (``molpred/panel``);
* ``transcripts/train.md``: the recorded ``molpred train`` transcript in a code block;
* ``results/NAME.md``: the result tables the benchmark scripts write from their committed
  JSON result files (``benchmarks/results/{accuracy,auto,trust}/table.md``), as written;
* ``notebooks/NAME.md``: each notebook of ``notebooks/`` as a page (its markdown, code and
  the text outputs saved in it; the tests execute the notebooks themselves);
* ``results/trust-plots.md``: every reliability diagram and coverage-vs-similarity plot of
  ``docs/img/trust/``, a section per dataset (the benchmark scripts draw them);
* the pictures under ``benchmarks/results/`` that pages link as ``../benchmarks/...`` (right
  on GitHub, where docs/ sits beside benchmarks/) are copied into the site and the links
  rewritten.
"""

from __future__ import annotations

from pathlib import Path

from mkdocs.structure.files import File

ROOT = Path(__file__).resolve().parents[2]
RESULT_TABLES = {"accuracy": "Accuracy grid", "auto": "Model selection (auto, gbdt, rf)",
                 "trust": "Uncertainty and applicability domain"}


def _cli_page() -> str:
    from typer.main import get_command
    from typer.testing import CliRunner

    from molpred_cli.app import app

    runner = CliRunner(env={"COLUMNS": "100", "NO_COLOR": "1", "TERM": "dumb"})
    group = get_command(app)
    parts = ["# Command line\n", "Every command's `--help`, generated from the code when these "
             "docs are built.\n"]
    names = [(name,) for name in group.commands]
    for sub in ("datasets", "models"):
        command = group.commands.get(sub)
        if command is not None and hasattr(command, "commands"):
            names += [(sub, name) for name in command.commands]
    for name in names:
        result = runner.invoke(app, [*name, "--help"])
        parts.append(f"## molpred {' '.join(name)}\n\n```text\n{result.stdout.rstrip()}\n```\n")
    return "\n".join(parts)


def _models_page() -> str:
    parts = ["# Model cards\n", "The cards of the panel shipped in the package "
             "(`molpred models list`), as saved with each model.\n"]
    for card in sorted((ROOT / "molpred" / "panel" / "models").glob("*/card.md")):
        text = card.read_text()
        # each card's headings one level down, under the model's name
        shifted = "\n".join("#" + line if line.startswith("#") else line
                            for line in text.splitlines())
        parts.append(f"## {card.parent.name}\n\n{shifted}\n")
    return "\n".join(parts)


def _transcript_page() -> str:
    text = (ROOT / "docs" / "transcripts" / "train.txt").read_text()
    return f"# `molpred train` progress\n\n```text\n{text.rstrip()}\n```\n"


def _notebook_page(path: Path) -> str:
    import json

    cells = json.loads(path.read_text())["cells"]
    parts = [f"*From `notebooks/{path.name}`, which the test suite runs.*\n"]
    for cell in cells:
        source = "".join(cell.get("source", []))
        if cell["cell_type"] == "markdown":
            parts.append(source + "\n")
        elif cell["cell_type"] == "code" and source.strip():
            parts.append(f"```python\n{source}\n```\n")
            for output in cell.get("outputs", []):
                text = "".join(output.get("text", []) or
                               output.get("data", {}).get("text/plain", []))
                if text.strip():
                    parts.append(f"```text\n{text.rstrip()}\n```\n")
    return "\n".join(parts)


TRUST_DATASETS = {"tox21": "Tox21", "toxcast": "ToxCast", "clintox": "ClinTox", "hiv": "HIV",
                  "bbbp": "BBBP", "delaney": "ESOL (delaney)", "freesolv": "FreeSolv",
                  "lipo": "Lipophilicity"}


def _trust_plots_page() -> str:
    """A section per dataset with the plots ``docs/img/trust/`` holds for it."""
    folder = ROOT / "docs" / "img" / "trust"
    parts = ["# Trust plots\n", "Per dataset, on its test part (canonical scaffold split, seed "
             "0): the **reliability diagram** (calibrated probability against the observed "
             "frequency, classification) and **coverage of the 90 % conformal sets or "
             "intervals by similarity to the training set**. Plain names: the D-MPNN "
             "ensemble of the panel's recipe (`benchmarks/results/trust_v2/`, Tox21 "
             "`trust_v3/`); `auto`: the shipped `auto` model (`benchmarks/results/panel_auto/`, "
             "refitted in `trust_v3/`). Drawn by `benchmarks/panel_trust.py` and "
             "`benchmarks/panel_auto.py`.\n"]
    for key, title in TRUST_DATASETS.items():
        pictures = sorted(folder.glob(f"{key}_*.png"))
        if not pictures:
            continue
        parts.append(f"## {title}\n")
        for picture in pictures:
            kind = picture.stem[len(key) + 1:].replace("_", " ")
            parts.append(f"![{title} {kind}](../img/trust/{picture.name})\n")
    return "\n".join(parts)


def on_files(files, config):
    """Add the generated pages and the benchmark pictures to the site."""
    pages = [("cli.md", _cli_page()), ("models.md", _models_page()),
             ("transcripts/train.md", _transcript_page()),
             ("results/trust-plots.md", _trust_plots_page())]
    pages += [(f"notebooks/{nb.stem}.md", _notebook_page(nb))
              for nb in sorted((ROOT / "notebooks").glob("*.ipynb"))]
    for name, title in RESULT_TABLES.items():
        table = (ROOT / "benchmarks" / "results" / name / "table.md").read_text()
        pages.append((f"results/{name}.md", f"# {title}\n\nWritten by the benchmark script "
                      f"from the result files in `benchmarks/results/{name}/` (see "
                      f"[Benchmarks](../benchmarks.md) for the commands).\n\n{table}"))
    for path, content in pages:
        files.append(File.generated(config, path, content=content))
    for picture in sorted((ROOT / "benchmarks" / "results").rglob("*.png")):
        files.append(File(str(picture.relative_to(ROOT)), src_dir=str(ROOT),
                          dest_dir=config["site_dir"], use_directory_urls=False))
    return files


def on_page_markdown(markdown, page, config, files):
    """``../benchmarks/...`` (a link from docs/ on GitHub) -> the copy inside the site."""
    depth = page.file.src_uri.count("/")
    return markdown.replace("](../benchmarks/", "](" + "../" * depth + "benchmarks/")
