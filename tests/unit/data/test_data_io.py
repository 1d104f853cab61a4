"""read_table / iter_table_chunks / TableWriter / load_dataset on real molecules."""

from __future__ import annotations

import gzip
import re

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest
from rdkit import Chem

from molpred.data import (
    TableWriter,
    iter_table_chunks,
    load_dataset,
    read_table,
    write_table,
)
from molpred.exceptions import InputError


@pytest.fixture
def frame(drugs) -> pd.DataFrame:
    """Six drugs with a regression target that has one empty cell and a class label."""
    return pd.DataFrame({
        "smiles": list(drugs.values()),
        "name": list(drugs),
        "logS": [-1.72, -0.79, -1.03, -3.99, np.nan, -1.64],
        "active": [1, 0, 0, 1, 0, 1],
    })


def canon(smiles: str) -> str:
    return Chem.MolToSmiles(Chem.MolFromSmiles(smiles))


# ----------------------------------------------------------------- delimited text
@pytest.mark.parametrize("suffix,sep", [(".csv", ","), (".csv.gz", ","), (".tsv", "\t"),
                                        (".txt", ";")])
def test_read_delimited_text(tmp_path, frame, suffix, sep):
    path = tmp_path / f"drugs{suffix}"
    frame.to_csv(path, sep=sep, index=False)  # pandas gzips by suffix
    if suffix.endswith(".gz"):
        assert path.read_bytes()[:2] == b"\x1f\x8b"
    table = read_table(path, targets=["logS", "active"])
    assert table.smiles_col == "smiles"
    assert table.smiles == frame["smiles"].tolist()
    assert list(table.frame.columns) == list(frame.columns)
    assert list(table.frame.index) == list(range(6))
    y = table.y
    assert y.shape == (6, 2) and y.dtype == np.float32
    assert np.isnan(y[4, 0]) and not np.isnan(np.delete(y[:, 0], 4)).any()  # empty -> NaN, not 0
    assert y[:, 1].tolist() == [1, 0, 0, 1, 0, 1]


def test_empty_target_cells_in_real_tox21_are_nan(data_dir):
    table = read_table(data_dir / "tox21.csv", targets=["NR-AR", "NR-AhR", "SR-p53"])
    assert len(table) == 7831
    raw = pd.read_csv(data_dir / "tox21.csv", dtype=str, keep_default_na=False)
    for j, col in enumerate(table.targets):
        empty = (raw[col] == "").to_numpy()
        assert np.array_equal(np.isnan(table.y[:, j]), empty)
        assert set(np.unique(table.y[~empty, j])) <= {0.0, 1.0}


def test_smiles_col_and_errors(tmp_path, frame):
    path = tmp_path / "drugs.csv"
    frame[["name", "smiles", "logS"]].to_csv(path, index=False)
    assert read_table(path).smiles_col == "smiles"  # default: the column named smiles
    frame[["name", "logS"]].to_csv(tmp_path / "nosmiles.csv", index=False)
    assert read_table(tmp_path / "nosmiles.csv").smiles_col == "name"  # else the first column
    assert read_table(path, smiles_col="smiles").smiles[0] == frame["smiles"][0]
    with pytest.raises(InputError, match=r"drugs.csv: no column 'SMILES'; available columns: "
                                         r"name, smiles, logS"):
        read_table(path, smiles_col="SMILES")
    with pytest.raises(InputError, match="no column 'pIC50'"):
        read_table(path, smiles_col="smiles", targets=["pIC50"])
    with pytest.raises(InputError, match="no such file"):
        read_table(tmp_path / "missing.csv")
    with pytest.raises(InputError, match="unknown file format"):
        read_table(tmp_path / "drugs.xlsx")


def test_non_numeric_target_names_row_and_column(tmp_path, drugs):
    path = tmp_path / "labels.csv"
    path.write_text(f"smiles,logS\n{drugs['ethanol']},1.1\n{drugs['benzene']},\n"
                    f"{drugs['aspirin']},insoluble\n")
    table = read_table(path, targets=["logS"])
    with pytest.raises(InputError, match=r"'logS', data row 3: 'insoluble' is not a number"):
        _ = table.y


@pytest.mark.parametrize(("cell", "hint"), [
    ("1,5", "a decimal comma\\? write 1.5"), (">10", "a censored value.*without '>'"),
    ("active", "binary labels are 1 and 0: write 1 for 'active'"),
    ("No", "binary labels are 1 and 0: write 0 for 'No'"), ("n.d.", "leave the cell empty"),
    ("1,500", "a decimal comma or a thousands separator\\? write 1.500 or 1500")])
def test_a_target_cell_that_is_not_a_number_says_what_to_do(tmp_path, drugs, cell, hint):
    path = tmp_path / "labels.csv"
    path.write_text(f'smiles,y\n{drugs["ethanol"]},1\n{drugs["aspirin"]},"{cell}"\n')
    with pytest.raises(InputError, match=f"'y', data row 2: '{re.escape(cell)}' is not a number "
                                         f"\\({hint}"):
        _ = read_table(path, targets=["y"]).y


def test_a_semicolon_csv_is_read_with_its_separator_and_the_file_says_why_no_target(tmp_path,
                                                                                    drugs):
    """A spreadsheet saved where the decimal mark is a comma writes ``;`` between columns:
    its .csv is read by columns, and a decimal comma in a label is named with the fix."""
    from molpred.training.prepare import load_labelled

    path = tmp_path / "excel.csv"
    path.write_text(f"SMILES;logS\n{drugs['ethanol']};1.1\n{drugs['aspirin']};-1.7\n"
                    f"{drugs['benzene']};-1.6\n")
    table = read_table(path)
    assert list(table.frame.columns) == ["SMILES", "logS"] and table.smiles_col == "SMILES"
    assert load_labelled(path)[0].targets == ["logS"]
    path.write_text(f"name;SMILES;source;note;logS\nethanol;{drugs['ethanol']};a;x;1,1\n"
                    f"aspirin;{drugs['aspirin']};b;y;-1,7\nbenzene;{drugs['benzene']};c;z;-1,6\n")
    # the label column with its fix comes first, before the name and comment columns
    with pytest.raises(InputError, match=r"no target columns \(left out because a cell is not "
                                         r"a number: 'logS', data row 1: '1,1' \(a decimal "
                                         r"comma\? write 1.1\); 'name', .*; 1 more\)"):
        load_labelled(path)


@pytest.mark.parametrize("cell", ["inf", "-Infinity", "1e999", "-5e38"])
def test_infinite_target_names_row_and_column(tmp_path, drugs, cell):
    path = tmp_path / "labels.csv"
    path.write_text(f"smiles,logS\n{drugs['ethanol']},1.1\n{drugs['aspirin']},{cell}\n")
    table = read_table(path, targets=["logS"])
    with pytest.raises(InputError, match=r"'logS', data row 2: .* is infinite"):
        _ = table.y


def test_classification_label_that_is_not_0_or_1_names_row_and_column(tmp_path, drugs):
    from molpred.training.prepare import load_labelled

    path = tmp_path / "labels.csv"
    path.write_text(f"smiles,toxic,active\n{drugs['ethanol']},0,1\n{drugs['benzene']},1,\n"
                    f"{drugs['aspirin']},1,2\n{drugs['caffeine']},0.5,0\n")
    with pytest.raises(InputError, match=r"'active', row 3 holds 2 \(1 more such cell\)"):
        load_labelled(path, targets=["toxic", "active"], task_type="classification")


# ----------------------------------------------------------------- SMILES files
def test_read_smi_keeps_empty_line_as_row(tmp_path, drugs, bad_smiles):
    path = tmp_path / "drugs.smi"
    path.write_text(f"{drugs['aspirin']} aspirin\n\n{drugs['caffeine']}\tcaffeine (anhydrous)\n"
                    f"{bad_smiles['unclosed_ring']}\n{drugs['ethanol']} ethanol\n\n")
    table = read_table(path)
    assert list(table.frame.columns) == ["smiles", "name"]
    assert table.smiles == [drugs["aspirin"], "", drugs["caffeine"], bad_smiles["unclosed_ring"],
                            drugs["ethanol"]]
    assert table.frame["name"].tolist() == ["aspirin", "", "caffeine (anhydrous)", "", "ethanol"]
    gz = tmp_path / "drugs.smi.gz"
    gz.write_bytes(gzip.compress(path.read_bytes()))
    assert read_table(gz).smiles == table.smiles


# ----------------------------------------------------------------- SDF
def _write_sdf(path, drugs, bad_smiles):
    with Chem.SDWriter(str(path)) as writer:
        for i, (name, smi) in enumerate(drugs.items()):
            mol = Chem.MolFromSmiles(smi)
            mol.SetProp("_Name", name)
            mol.SetProp("ID", f"D{i}")
            if name != "ethanol":
                mol.SetProp("logS", str(-i))
            writer.write(mol)
    bad = Chem.MolFromSmiles(bad_smiles["pentavalent_carbon"], sanitize=False)
    bad.SetProp("_Name", "neopentyl?")
    block = Chem.MolToMolBlock(bad, kekulize=False)
    with open(path, "a") as fh:  # a record RDKit rejects (5 bonds on carbon), with its fields
        fh.write(block + ">  <ID>\nD99\n\n>  <logS>\n-9\n\n$$$$\n")


def test_read_sdf_keeps_broken_record(tmp_path, drugs, bad_smiles):
    path = tmp_path / "drugs.sdf"
    _write_sdf(path, drugs, bad_smiles)
    table = read_table(path, targets=["logS"])
    frame = table.frame
    assert len(frame) == len(drugs) + 1
    assert list(frame.columns) == ["smiles", "name", "ID", "logS", "input_error"]
    assert frame["smiles"].tolist()[:-1] == [canon(s) for s in drugs.values()]
    assert frame["name"].tolist() == [*drugs, "neopentyl?"]
    assert frame["ID"].tolist() == [f"D{i}" for i in range(len(drugs))] + ["D99"]
    last = frame.iloc[-1]
    assert last["smiles"] == "" and "valence" in last["input_error"].lower()
    assert (frame["input_error"].iloc[:-1] == "").all()
    ethanol = list(drugs).index("ethanol")
    assert np.isnan(table.y[ethanol, 0]) and table.y[-1, 0] == -9  # missing field -> NaN


# ----------------------------------------------------------------- Parquet
def test_read_parquet(tmp_path, frame):
    path = tmp_path / "drugs.parquet"
    frame.to_parquet(path, index=False)
    table = read_table(path, targets=["logS"])
    assert table.smiles == frame["smiles"].tolist()
    assert np.isnan(table.y[4, 0]) and table.y[0, 0] == pytest.approx(-1.72)


# ----------------------------------------------------------------- streaming
def test_iter_chunks_real_csv_preserves_order_and_count(data_dir):
    chunks = list(iter_table_chunks(data_dir / "tox21.csv", chunk_size=1000))
    assert [len(c) for c in chunks] == [1000] * 7 + [831]
    whole = pd.concat(chunks)
    assert list(whole.index) == list(range(7831))
    assert whole["smiles"].tolist() == read_table(data_dir / "tox21.csv").smiles
    assert whole["NR-AR"].iloc[0] == "0" and (whole["NR-ER"] == "").any()  # strings, untouched


@pytest.mark.parametrize("suffix", [".smi", ".sdf", ".parquet", ".csv.gz"])
def test_iter_chunks_each_format(tmp_path, frame, suffix):
    path = tmp_path / f"drugs{suffix}"
    if suffix == ".smi":
        rows = zip(frame["smiles"], frame["name"], strict=True)
        path.write_text("".join(f"{smi} {name}\n" for smi, name in rows))
    else:
        write_table(frame, path)
    chunks = list(iter_table_chunks(path, chunk_size=4))
    assert [len(c) for c in chunks] == [4, 2]
    whole = pd.concat(chunks)
    assert list(whole.index) == list(range(6))
    expected = [canon(s) for s in frame["smiles"]] if suffix == ".sdf" else frame["smiles"].tolist()
    assert whole["smiles"].tolist() == expected
    if suffix == ".parquet":  # the types stored in the file, the same in every chunk
        assert whole["logS"].dtype == pd.ArrowDtype(pa.float64())
        assert pd.isna(whole["logS"].iloc[4]) and whole["logS"].iloc[0] == frame["logS"].iloc[0]
        return
    assert all(pd.api.types.is_string_dtype(whole[c]) for c in whole.columns)
    if suffix != ".smi":
        assert whole["logS"].iloc[4] == ""  # missing stays an empty string


def test_iter_chunks_checks_column_before_reading(tmp_path, frame):
    path = tmp_path / "drugs.csv"
    frame.to_csv(path, index=False)
    with pytest.raises(InputError, match="no column 'SMILES'"):
        iter_table_chunks(path, smiles_col="SMILES")  # raised at call time, not on next()


def test_iter_chunks_refuses_a_corrupt_parquet_file_naming_it(tmp_path, frame):
    path = tmp_path / "broken.parquet"
    path.write_bytes(b"this is not parquet" * 10)
    with pytest.raises(InputError, match=r"broken\.parquet: cannot read as Parquet"):
        iter_table_chunks(path)


def test_iter_chunks_of_a_parquet_file_without_rows_keeps_its_columns(tmp_path, frame):
    path = tmp_path / "empty.parquet"
    frame.iloc[:0].to_parquet(path, index=False)
    chunks = list(iter_table_chunks(path))
    assert len(chunks) == 1 and len(chunks[0]) == 0
    assert list(chunks[0].columns) == list(frame.columns)


# ----------------------------------------------------------------- writing
@pytest.mark.parametrize("suffix", [".csv", ".csv.gz", ".tsv", ".parquet"])
def test_writer_round_trip_in_chunks(tmp_path, frame, suffix):
    path = tmp_path / f"out{suffix}"
    frame = frame.assign(error="")
    frame.loc[3:, "error"] = ["", "RDKit cannot parse SMILES", ""]
    frame["note"] = None  # all missing in the first chunk, text later
    frame.loc[4, "note"] = "check stereo"
    with TableWriter(path) as out:
        out.write(frame.iloc[:3])
        out.write(frame.iloc[3:][list(reversed(frame.columns))])  # column order may differ
    assert out.rows_written == 6
    if suffix == ".parquet":
        back = pd.read_parquet(path)
    else:
        back = pd.read_csv(path, sep="\t" if suffix == ".tsv" else ",")
    assert back["smiles"].tolist() == frame["smiles"].tolist()
    assert back["name"].tolist() == frame["name"].tolist()
    assert np.allclose(back["logS"], frame["logS"], equal_nan=True)
    assert back["active"].tolist() == frame["active"].tolist()
    assert back["note"].iloc[4] == "check stereo" and pd.isna(back["note"].iloc[0])


def test_writer_sdf_keeps_unparsable_rows(tmp_path, frame, bad_smiles):
    frame.loc[2, "smiles"] = bad_smiles["pentavalent_carbon"]
    path = tmp_path / "out.sdf"
    with TableWriter(path) as out:
        out.write(frame.iloc[:3])
        out.write(frame.iloc[3:])
    mols = list(Chem.SDMolSupplier(str(path)))
    assert len(mols) == 6 and all(m is not None for m in mols)
    assert [m.GetProp("_Name") for m in mols] == frame["name"].tolist()
    assert mols[2].GetNumAtoms() == 0 and mols[2].GetProp("logS") == "-1.03"
    assert Chem.MolToSmiles(mols[0]) == canon(frame["smiles"][0])
    assert not mols[4].HasProp("logS")  # NaN is left out
    back = read_table(path, targets=["logS"])  # the bad SMILES text comes back, still bad
    assert back.smiles[2] == bad_smiles["pentavalent_carbon"]
    assert back.smiles[:2] == [canon(s) for s in frame["smiles"][:2]]
    assert np.allclose(back.y[:, 0], frame["logS"], equal_nan=True)


def test_writer_rejects_changed_columns_and_unknown_suffix(tmp_path, frame):
    with pytest.raises(InputError, match="differ"):
        with TableWriter(tmp_path / "out.csv") as out:
            out.write(frame)
            out.write(frame.drop(columns=["logS"]))
    with pytest.raises(InputError, match="unknown file format"):
        TableWriter(tmp_path / "out.xlsx")


# ----------------------------------------------------------------- load_dataset
def test_load_dataset_from_local_copy(data_dir, monkeypatch):
    monkeypatch.setenv("MOLPRED_DATA_DIR", str(data_dir))
    table, card = load_dataset("lipo")
    assert card.name == "lipo" and len(table) == 4200
    assert table.targets == ["lipo"]  # named as in the shared file, not the card's "exp"
    assert table.y.shape == (4200, 1) and not np.isnan(table.y).any()


def test_load_dataset_from_path(tmp_path, frame):
    path = tmp_path / "mine.csv"
    frame.to_csv(path, index=False)
    table, card = load_dataset(path)
    assert card is None and table.targets == [] and table.y.shape == (6, 0)
    table, _ = load_dataset(str(path), targets=["active"])
    assert table.y[:, 0].tolist() == frame["active"].tolist()


def test_csv_output_keeps_a_carriage_return_inside_its_row(tmp_path):
    """Found by fuzzing: Python 3.11's csv module left a lone CR unquoted, splitting the row."""
    from molpred.data.writers import TableWriter

    path = tmp_path / "out.csv"
    with TableWriter(path) as writer:
        writer.write(pd.DataFrame({"id": ["r0", "r1"], "smiles": ["C\rC", "CCO"], "p": [0.5, 0.25]}))
        writer.write(pd.DataFrame({"id": ["r2"], "smiles": ["c1ccccc1"], "p": [0.75]}))
    back = pd.read_csv(path)
    assert back["id"].tolist() == ["r0", "r1", "r2"]
    assert back["smiles"].tolist() == ["C\rC", "CCO", "c1ccccc1"]
    assert back["p"].tolist() == [0.5, 0.25, 0.75]


def test_an_sd_field_called_name_keeps_its_value_beside_the_title(tmp_path):
    path = tmp_path / "named.sdf"
    with Chem.SDWriter(str(path)) as writer:
        mol = Chem.MolFromSmiles("CCO")
        mol.SetProp("_Name", "mol2")
        mol.SetProp("name", "ethanol")
        writer.write(mol)
    with open(path, "a") as handle:  # an unreadable record with the same fields
        bad = Chem.MolFromSmiles("CC(C)(C)(C)C", sanitize=False)
        bad.SetProp("_Name", "mol3")
        handle.write(Chem.MolToMolBlock(bad, kekulize=False) + ">  <name>\nneopentyl?\n\n$$$$\n")
    frame = read_table(path).frame
    assert frame["name"].tolist() == ["mol2", "mol3"]
    assert frame["name_sd"].tolist() == ["ethanol", "neopentyl?"]
    streamed = pd.concat(iter_table_chunks(path, chunk_size=1))
    assert list(streamed.columns) == list(frame.columns)
    assert streamed["name_sd"].tolist() == ["ethanol", "neopentyl?"]


def test_sdf_fields_with_line_breaks_or_record_ends_round_trip_row_for_row(tmp_path):
    from molpred.data import read_table, write_table

    frame = pd.DataFrame({"smiles": ["CCO", "c1ccccc1", "not a smiles", "CC(=O)O"],
                          "note": ["two\nlines", "$$$$", "blank\n\nline", "x\r\n$$$$\ny"]})
    path = tmp_path / "out.sdf"
    write_table(frame, path)
    back = read_table(path).frame
    assert len(back) == 4
    assert back["note"].tolist() == ["two lines", " $$$$", "blank  line", "x $$$$ y"]


def test_numeric_text_columns_are_decided_over_every_chunk():
    """Text columns of numbers become int64/float64; codes with leading zeros, words,
    ``inf`` and columns without a value stay text; one text cell in a later chunk keeps
    the column text."""
    from molpred.data.writers import numeric_text_columns

    first = pd.DataFrame({"n": ["1", "", "3"], "x": ["1", "2.5", None], "id": ["007", "8", "9"],
                          "w": ["1", "2", "3"], "inf": ["inf", "1", "2"], "none": ["", None, ""],
                          "typed": [1.0, 2.0, 3.0]})
    second = pd.DataFrame({"n": ["-4", "5", "6"], "x": ["1e3", "7", "8"], "id": ["1", "2", "3"],
                           "w": ["4", "five", "6"], "inf": ["1", "2", "3"], "none": ["", "", ""],
                           "typed": [4.0, 5.0, 6.0]})
    assert numeric_text_columns([first, second]) == {"n": "int64", "x": "float64"}
    assert numeric_text_columns([first]) == {"n": "int64", "x": "float64", "w": "int64"}
    codes = pd.DataFrame({"long": ["1234567890123456", "1"], "arabic": ["١٢", "3"],
                          "wide": ["１２", "3"], "ok": ["123456789012345", "+4"]})
    assert numeric_text_columns([codes]) == {"ok": "int64"}  # 16 digits: a code, not rounded
