"""``python -m molpred_cli``: the ``molpred`` command."""

from molpred_cli.app import main

main()
