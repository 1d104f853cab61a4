"""Benchmarks on fixed split files: resumable runner and reports (table, JSON, chart)."""

from molpred.benchmarking.report import (
    markdown_table,
    measured_anchors,
    parse_anchors,
    summarize,
    write_report,
)
from molpred.benchmarking.runner import finished_run, load_configs, run_benchmark, with_epochs

__all__ = ["finished_run", "load_configs", "markdown_table", "measured_anchors", "parse_anchors",
           "run_benchmark", "summarize", "with_epochs", "write_report"]
