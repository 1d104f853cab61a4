"""Command-line interface of molpred (``molpred train|predict|screen|evaluate|datasets``).

Kept apart from the ``molpred`` library so that ``import molpred`` never imports Typer.
"""
