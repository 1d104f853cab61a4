"""Packaging: every subpackage ships, no generic top-level module (`cli`, `tests`) does."""

import importlib.metadata
import sysconfig
from pathlib import Path

import pytest
import tomllib

REPO = Path(__file__).resolve().parents[2]


def test_pyproject_lists_every_subpackage():
    config = tomllib.loads((REPO / "pyproject.toml").read_text())["tool"]["setuptools"]
    listed = set(config["packages"])
    found = {".".join(p.parent.relative_to(REPO).parts) for p in (REPO / "molpred").rglob("__init__.py")}
    found |= {".".join(p.parent.relative_to(REPO / "cli").parts)
              for p in (REPO / "cli").rglob("__init__.py")}
    assert found <= listed, f"add to pyproject packages: {sorted(found - listed)}"
    assert config["package-dir"]["molpred_cli"] == "cli/molpred_cli"


def test_installed_distribution_has_no_generic_top_level_modules():
    # Look in site-packages: the source tree's molpred.egg-info (left by `pip install .`)
    # would otherwise shadow the installed wheel's metadata.
    site = sysconfig.get_paths()["purelib"]
    dist = next(iter(importlib.metadata.distributions(name="molpred", path=[site])), None)
    if dist is None:
        pytest.skip("molpred is not installed in site-packages")
    if dist.read_text("RECORD") is None or '"editable": true' in (dist.read_text("direct_url.json") or ""):
        pytest.skip("editable install: files live in the source tree (CI installs a wheel)")
    files = dist.files or []
    tops = {f.parts[0] for f in files if not f.parts[0].endswith((".dist-info", ".pth"))}
    assert {"molpred", "molpred_cli"} <= tops
    assert not tops & {"cli", "tests", "benchmarks", "datasets"}, tops
    names = {"/".join(f.parts) for f in files}
    assert "molpred/data/cards/tox21.json" in names
    for part in ("config.json", "model.safetensors", "trust.json", "trust.safetensors", "card.md"):
        assert f"molpred/panel/models/tox21/{part}" in names  # the shipped panel
    # every file of every shipped model, the network/ and trees/ folders of auto models too
    shipped = {"/".join(f.relative_to(REPO).parts) for f in (REPO / "molpred" / "panel" / "models")
               .rglob("*") if f.is_file()}
    assert shipped and shipped <= names, sorted(shipped - names)[:5]
    assert any(n.endswith("bin/molpred") for n in names)
    assert "molpred/web/static/jsme/jsme.nocache.js" in names  # the web app's sketcher
    assert "molpred/web/static/jsme/license.txt" in names
