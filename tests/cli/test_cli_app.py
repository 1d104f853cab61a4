"""The root command: --version, help of every command, the entry point, import hygiene."""

from __future__ import annotations

import subprocess
import sys

import pytest

import molpred
from molpred.exceptions import InputError
from molpred.models.encoders import ENCODERS
from molpred_cli.app import main
from molpred_cli.output import error_message

COMMANDS = [[], ["train"], ["predict"], ["screen"], ["evaluate"], ["benchmark"], ["datasets"],
            ["datasets", "list"], ["datasets", "fetch"]]


def test_version(cli):
    result = cli("--version")
    assert result.exit_code == 0
    assert result.stdout.strip() == f"molpred {molpred.__version__}"


@pytest.mark.parametrize("command", COMMANDS, ids=lambda c: " ".join(c) or "root")
def test_help(cli, command):
    result = cli(*command, "--help")
    assert result.exit_code == 0, result.output
    assert "Usage: " in result.stdout and "Traceback" not in result.output


@pytest.mark.parametrize("command", [[], ["predict"], ["train"], ["datasets"]])
def test_no_arguments_shows_help(cli, command):
    result = cli(*command)
    assert "Usage: " in result.output and "Traceback" not in result.output


def test_train_help_lists_registry_models_and_panels(cli):
    text = cli("train", "--help").stdout
    for name in ENCODERS.names():
        assert name in text
    for panel in ("Data", "Model", "Training"):
        assert f"─ {panel} " in text


def test_main_prints_one_red_line(tmp_path, monkeypatch, capsys):
    """The console script itself (not only CliRunner) ends handled errors in one line."""
    monkeypatch.setattr(sys, "argv", ["molpred", "predict", "-m", str(tmp_path), "CCO"])
    with pytest.raises(SystemExit) as exit_info:
        main()
    assert exit_info.value.code == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("error: ") and "Traceback" not in err


def test_import_molpred_does_not_import_typer():
    code = "import molpred, sys; assert 'typer' not in sys.modules, 'typer imported'"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr


def test_error_message_is_one_line():
    assert error_message(FileNotFoundError(2, "No such file or directory", "mols.csv")) == (
        "No such file or directory: mols.csv")
    assert error_message(InputError("bad row\nsee the docs")) == "bad row see the docs"


def test_cli_starts_without_importing_torch():
    """`molpred --help` / `--version` stay fast: encoders are listed from molpred.names."""
    code = ("import sys, molpred_cli.app; "
            "assert 'torch' not in sys.modules, 'torch imported'; "
            "assert 'torch_geometric' not in sys.modules")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr


def test_lazy_encoder_registry_lists_and_loads_every_module():
    from molpred.models.encoders import ENCODERS
    from molpred.names import ENCODER_MODULES

    assert ENCODERS.names() == sorted(ENCODER_MODULES)
    for name in ENCODER_MODULES:
        assert ENCODERS.get(name).__module__ == ENCODER_MODULES[name]


def test_rdkit_messages_are_quiet_unless_verbose():
    import subprocess
    import sys

    run = [sys.executable, "-m", "molpred_cli"]
    args = ["predict", "-m", "esol", "C.[H]", "CCO"]  # RDKit warns about the lone hydrogen
    quiet = subprocess.run(run + args, capture_output=True, text=True, timeout=300)
    loud = subprocess.run(run + ["--verbose"] + args, capture_output=True, text=True,
                          timeout=300)
    assert quiet.returncode == 0 and loud.returncode == 0, quiet.stderr + loud.stderr
    assert "not removing hydrogen" not in quiet.stderr + quiet.stdout
    assert "not removing hydrogen atom without neighbors" in loud.stderr
    assert "logS" in quiet.stdout and "logS" in loud.stdout
