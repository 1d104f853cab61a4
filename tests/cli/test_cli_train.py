"""``molpred train`` on a small real table (the session model) and with more options."""

from __future__ import annotations

import json
import re


def test_train_reports_scores_and_saves(trained):
    model_dir, result = trained
    assert (model_dir / "config.json").is_file() and (model_dir / "model.safetensors").is_file()
    out = result.stdout
    assert "ROC-AUC" in out and "PRC-AUC" in out and "best epoch" in out
    assert str(model_dir.relative_to(model_dir.parents[1])) in out
    assert re.search(r"^val roc_auc: \d\.\d{4}$", out, re.M)
    assert re.search(r"^test roc_auc: \d\.\d{4}$", out.rstrip().splitlines()[-1])
    metrics = json.loads((model_dir / "metrics.json").read_text())
    printed = float(out.rstrip().splitlines()[-1].split(":")[1])
    assert abs(metrics["test"]["score"] - printed) < 1e-4


def test_train_options_reach_the_model(cli, small_csv, tmp_path):
    out = tmp_path / "tiny"
    result = cli("train", small_csv, "--targets", "p_np", "--task", "classification", "--model",
                 "mlp", "--split", "random", "--epochs", "1", "--hidden-size", "16", "--depth",
                 "1", "--seed", "3", "--device", "cpu", "--workers", "1", "-o", out)
    assert result.exit_code == 0, result.output
    config = json.loads((out / "config.json").read_text())
    text = json.dumps(config)
    assert '"hidden_size": 16' in text and '"depth": 1' in text
    assert config["training"]["seed"] == 3 and config["training"]["splits"] == "random"


def test_train_unknown_model_name(cli, small_csv, one_line_error):
    result = cli("train", small_csv, "--targets", "p_np", "--model", "transformer9000")
    one_line_error(result, "transformer9000", "dmpnn")


def test_train_missing_split_file(cli, small_csv, tmp_path, one_line_error):
    result = cli("train", small_csv, "--targets", "p_np", "--splits", tmp_path / "nope.json")
    one_line_error(result, "split file not found")


def test_train_unknown_column(cli, small_csv, one_line_error):
    result = cli("train", small_csv, "--targets", "logS", "--model", "mlp")
    one_line_error(result, "logS")


def test_train_missing_file(cli, tmp_path, one_line_error):
    one_line_error(cli("train", tmp_path / "missing.csv", "--targets", "y"), "missing.csv")


def test_train_names_the_rows_it_skipped_and_why(cli, small_csv, tmp_path):
    """Unreadable rows are skipped, never silently: the first ones are named on stderr with
    RDKit's reason, and metrics.json keeps every one."""
    import pandas as pd

    frame = pd.read_csv(small_csv)
    frame.loc[[4, 9], "smiles"] = ["C1CC", "not a smiles"]
    src, out = tmp_path / "with_bad_rows.csv", tmp_path / "model"
    frame.to_csv(src, index=False)
    result = cli("train", src, "--targets", "p_np", "--task", "classification", "--model", "mlp",
                 "--split", "random", "--epochs", "1", "--device", "cpu", "--workers", "1",
                 "-o", out)
    assert result.exit_code == 0, result.output
    assert "2 unreadable molecules skipped" in result.stdout
    skipped = [line for line in result.stderr.splitlines() if line.startswith("skipped row")]
    assert [line.split(":")[0] for line in skipped] == ["skipped row 5", "skipped row 10"]
    assert all("SMILES" in line or "RDKit" in line for line in skipped), skipped
    metrics = json.loads((out / "metrics.json").read_text())
    assert metrics["invalid_rows"] == [4, 9] and set(metrics["invalid_reasons"]) == {"4", "9"}


def test_a_dataset_name_trains_with_its_recommended_settings_unless_plain(cli, data_dir,
                                                                          tmp_path):
    """ClinTox's card recommends SMILES as given (chosen on validation data): `molpred train
    clintox` says so and trains that way; --plain and an explicit --standardize do not."""
    common = ["--model", "mlp", "--epochs", "1", "--hidden-size", "16", "--device", "cpu",
              "--workers", "1"]
    result = cli("train", "clintox", *common, "-o", tmp_path / "rec")
    assert result.exit_code == 0, result.output
    assert "clintox: trained with the settings its card recommends" in result.stdout
    assert "SMILES as given (not standardized)" in result.stdout
    config = json.loads((tmp_path / "rec" / "config.json").read_text())
    assert config["model"]["featurizer"]["standardize"] is False
    assert config["training"]["recommended"] == {"standardize": False}
    for opt_out in ("--plain", "--standardize"):
        result = cli("train", "clintox", *common, opt_out, "-o", tmp_path / opt_out)
        assert result.exit_code == 0, result.output
        assert "recommended settings" not in result.stdout
        config = json.loads((tmp_path / opt_out / "config.json").read_text())
        assert config["model"]["featurizer"]["standardize"] is True
        assert config["training"]["recommended"] == {}


def test_extra_features_none_trains_tox21_without_its_recommended_descriptors(cli, data_dir,
                                                                               tmp_path):
    result = cli("train", "tox21", "--extra-features", "none", "--model", "mlp", "--epochs", "1",
                 "--hidden-size", "16", "--device", "cpu", "-o", tmp_path / "m")
    assert result.exit_code == 0, result.output
    assert "recommended" not in result.stdout
    config = json.loads((tmp_path / "m" / "config.json").read_text())
    assert config["model"]["extra_features"] == [] and config["training"]["recommended"] == {}


def test_train_prints_the_task_type_and_a_line_per_epoch_unless_quiet(cli, small_csv,
                                                                      tmp_path):
    args = ("train", small_csv, "--model", "mlp", "--split", "random", "--epochs", "3",
            "--patience", "3", "--ensemble-size", "2", "--hidden-size", "16", "--device", "cpu",
            "--workers", "1")
    result = cli(*args, "-o", tmp_path / "loud")
    assert result.exit_code == 0, result.output
    assert "1 task (p_np): classification, inferred from the labels" in result.stderr
    epochs = re.findall(r"member (\d)/2  epoch (\d)/3  loss (\S+)  val roc_auc (\S+) "
                        r"\(best (\S+) @(\d)\)  \d+ s, <= \d+ s left", result.stderr)
    assert [(m, e) for m, e, *_ in epochs] == [(str(m), str(e)) for m in (1, 2)
                                               for e in (1, 2, 3)]
    for _, _, loss, score, best, _ in epochs:
        assert 0 < float(loss) < 2 and 0 <= float(score) <= float(best) <= 1
    metrics = json.loads((tmp_path / "loud" / "metrics.json").read_text())
    # the best epoch printed for the first member is the one kept
    first = [(float(s), int(e)) for m, e, _, s, _, _ in epochs if m == "1"]
    assert max(first, key=lambda p: (p[0], -p[1]))[1] == metrics["members"][0]["best_epoch"] + 1
    quiet = cli(*args, "-o", tmp_path / "quiet", "--quiet")
    assert quiet.exit_code == 0 and "epoch 1/3" not in quiet.stderr and "task" not in quiet.stderr


def test_identifier_columns_are_not_targets_and_any_name_can_be_one(cli, data_dir, tmp_path):
    import pandas as pd

    frame = pd.read_csv(data_dir / "bbbp.csv").head(120)
    frame.insert(0, "Compound ID", range(5000, 5120))       # an identifier by its name
    frame["registry"] = range(900_000, 900_120)              # distinct whole numbers
    frame["Neoplasms benign, malignant"] = frame["p_np"][::-1].to_numpy()
    path = tmp_path / "ids.csv"
    frame.to_csv(path, index=False)
    args = ("--model", "mlp", "--split", "random", "--epochs", "1", "--hidden-size", "16",
            "--device", "cpu", "--workers", "1")
    result = cli("train", path, *args, "-o", tmp_path / "all")
    assert result.exit_code == 0, result.output
    assert "2 tasks (p_np, Neoplasms benign, malignant)" in result.stderr
    assert "Compound ID (its name), registry (distinct whole numbers)" in result.stderr
    config = json.loads((tmp_path / "all" / "config.json").read_text())
    assert config["model"]["tasks"] == ["p_np", "Neoplasms benign, malignant"]
    named = cli("train", path, *args, "--target", "Neoplasms benign, malignant", "-o",
                tmp_path / "one")
    assert named.exit_code == 0, named.output
    assert json.loads((tmp_path / "one" / "config.json").read_text())["model"]["tasks"] == [
        "Neoplasms benign, malignant"]
    assert "identifiers" not in named.stderr


def test_a_target_of_a_few_whole_numbers_is_multiclass_unless_told_and_said_so(cli, data_dir,
                                                                               tmp_path):
    import pandas as pd

    frame = pd.read_csv(data_dir / "delaney.csv").head(150)
    frame = pd.DataFrame({"smiles": frame["smiles"], "grade": frame.index % 3})
    path = tmp_path / "grades.csv"
    frame.to_csv(path, index=False)
    args = ("train", path, "--model", "mlp", "--split", "random", "--epochs", "1",
            "--hidden-size", "16", "--device", "cpu", "--workers", "1")
    result = cli(*args, "-o", tmp_path / "m")
    assert result.exit_code == 0, result.output
    text = " ".join(result.stderr.split())
    assert "1 task (grade): multiclass, inferred from the labels (3 whole-number classes" in text
    assert "classes 0 (50), 1 (50), 2 (50)" in text
    told = cli(*args, "--task", "regression", "-o", tmp_path / "r")
    assert told.exit_code == 0, told.output
    text = " ".join(told.stderr.split())
    assert "grade holds only the whole numbers 0, 1, 2: trained as a number" in text
    assert "--task multiclass" in text
