"""MkDocs hook: pages written from the code at build time, so they cannot drift from it.

* ``cli.md``: ``molpred COMMAND --help`` of every command, as the CLI prints it;
* ``models.md``: the model card of every model of the shipped panel (``molpred/panel``);
* ``transcripts/train.md``: the recorded ``molpred train`` transcript in a code block;
* the pictures under ``benchmarks/results/`` that pages link as ``../benchmarks/...`` (right
  on GitHub, where docs/ sits beside benchmarks/) are copied into the site and the links
  rewritten.
"""

from __future__ import annotations

from pathlib import Path

from mkdocs.structure.files import File

ROOT = Path(__file__).resolve().parents[2]


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


def on_files(files, config):
    """Add the generated pages and the benchmark pictures to the site."""
    for path, content in (("cli.md", _cli_page()), ("models.md", _models_page()),
                          ("transcripts/train.md", _transcript_page())):
        files.append(File.generated(config, path, content=content))
    for picture in sorted((ROOT / "benchmarks" / "results").rglob("*.png")):
        files.append(File(str(picture.relative_to(ROOT)), src_dir=str(ROOT),
                          dest_dir=config["site_dir"], use_directory_urls=False))
    return files


def on_page_markdown(markdown, page, config, files):
    """``../benchmarks/...`` (a link from docs/ on GitHub) -> the copy inside the site."""
    depth = page.file.src_uri.count("/")
    return markdown.replace("](../benchmarks/", "](" + "../" * depth + "benchmarks/")
