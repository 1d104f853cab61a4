"""The benchmark table: mean ± std over seeds, and the best figure of a row in bold, the
peer's (Chemprop) included."""

from molpred.benchmarking.report import markdown_table, summarize


def _records(dataset, model, metric, scores):
    return [{"dataset": dataset, "model": model, "seed": k, "metric": metric, "test": s,
             "train_seconds": 10.0} for k, s in enumerate(scores)]


def _row(table: str, dataset: str) -> list[str]:
    line = next(r for r in table.splitlines() if r.startswith(f"| {dataset} |"))
    return [c.strip() for c in line.strip("|").split("|")]


def test_best_in_bold_counts_the_peer():
    records = (_records("delaney", "dmpnn", "rmse", [0.8, 0.9, 1.0])
               + _records("delaney", "mlp", "rmse", [1.5, 1.6, 1.7])
               + _records("freesolv", "dmpnn", "rmse", [1.7, 2.3, 1.4])
               + _records("bbbp", "dmpnn", "roc_auc", [0.93, 0.94, 0.95]))
    anchors = {"delaney": (0.893, 0.094, 3), "freesolv": (1.592, 0.0, 1), "bbbp": (0.96, 0.01, 3)}
    table = markdown_table(summarize(records), anchors)
    # columns: dataset, metric, dmpnn, mlp, Chemprop, train seconds
    delaney = _row(table, "delaney")
    assert delaney[2] == "0.900 ± 0.100" and delaney[4] == "**0.893 ± 0.094**"  # lower RMSE wins
    freesolv = _row(table, "freesolv")
    assert freesolv[2] == "1.800 ± 0.458" and freesolv[4] == "**1.592 ± 0.000 (n=1)**"
    bbbp = _row(table, "bbbp")
    assert bbbp[4] == "**0.960 ± 0.010**" and not bbbp[2].startswith("**")
    records += _records("bbbp", "mlp", "roc_auc", [0.97, 0.98, 0.99])
    bbbp = _row(markdown_table(summarize(records), anchors), "bbbp")
    assert bbbp[3] == "**0.980 ± 0.010**" and bbbp[4] == "0.960 ± 0.010"


def test_an_ensemble_cell_says_so():
    records = _records("bbbp", "dmpnn", "roc_auc", [0.93, 0.94, 0.95])
    for r in records:
        r["ensemble_size"] = 3
    records += _records("bbbp", "mlp", "roc_auc", [0.90, 0.91, 0.92])  # older records: no key
    summary = summarize(records)
    assert summary["bbbp"]["dmpnn"]["ensemble_size"] == 3
    assert summary["bbbp"]["mlp"]["ensemble_size"] == 1
    bbbp = _row(markdown_table(summary), "bbbp")
    assert bbbp[2] == "**0.940 ± 0.010 (ensemble of 3)**" and bbbp[3] == "0.910 ± 0.010"


def test_peer_std_is_the_sample_std_of_its_seeds(tmp_path):
    """anchors.md quotes the population std; the table must use the sample std (n - 1), the
    one molpred's cells use, so that the two columns compare like with like."""
    from molpred.benchmarking.report import parse_anchors

    anchors_md = tmp_path / "anchors.md"
    anchors_md.write_text(
        "| dataset | metric | seed0 | seed1 | seed2 | mean ± std | time |\n|---|---|---|---|---|---|---|\n"
        "| tox21 | ROC-AUC | 0.7964 | 0.7848 | 0.8296 | 0.8036 ± 0.0190 | 11 min |\n"
        "| lipo | RMSE logD | – | – | – | – | – |\n\n## Random forest\n"
        "| bbbp | ROC-AUC | 0.9 | 0.8 | 0.9 | 0.867 ± 0.047 |\n")
    parsed = parse_anchors(anchors_md)
    assert set(parsed) == {"tox21"}  # unmeasured and baseline rows are not the peer's
    mean, std, n = parsed["tox21"]
    assert (round(mean, 4), round(std, 4), n) == (0.8036, 0.0233, 3)
