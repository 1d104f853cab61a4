"""local_copy / fetch_dataset: local folder first, then cache, then a verified download."""

from __future__ import annotations

import dataclasses
import hashlib
import io
import urllib.error

import pytest

from molpred.data import fetch, get_card, load_dataset
from molpred.exceptions import DatasetError


class FakeResponse(io.BytesIO):
    """Stands in for the object urllib.request.urlopen returns."""

    def __init__(self, payload: bytes) -> None:
        super().__init__(payload)
        self.headers = {"Content-Length": str(len(payload))}


@pytest.fixture
def offline(monkeypatch, tmp_path):
    """No local copies, an empty cache in tmp_path, and a network that always fails."""
    monkeypatch.setenv(fetch.DATA_DIR_ENV, str(tmp_path / "empty"))
    (tmp_path / "empty").mkdir()
    monkeypatch.setenv(fetch.CACHE_DIR_ENV, str(tmp_path / "cache"))
    calls = []

    def refuse(request, timeout=None):
        calls.append(request.full_url)
        raise urllib.error.URLError("network is unreachable")

    monkeypatch.setattr(fetch.urllib.request, "urlopen", refuse)
    return calls


def test_local_copy_finds_plain_and_gzipped_files(data_dir, monkeypatch):
    monkeypatch.setenv(fetch.DATA_DIR_ENV, str(data_dir))
    assert fetch.local_copy("tox21") == data_dir / "tox21.csv"
    assert fetch.local_copy("HIV") == data_dir / "hiv.csv.gz"
    assert fetch.local_copy("muv") is None  # not in the shared folder
    assert fetch.fetch_dataset("Tox21") == data_dir / "tox21.csv"
    monkeypatch.delenv(fetch.DATA_DIR_ENV)
    assert fetch.local_copy("tox21") is None


def test_failed_download_raises_one_line_dataset_error(offline, tmp_path):
    with pytest.raises(DatasetError) as info:
        fetch.fetch_dataset("tox21")
    message = str(info.value)
    assert "\n" not in message and "MOLPRED_DATA_DIR" in message and "unreachable" in message
    assert offline == [get_card("tox21").url]
    assert list((tmp_path / "cache" / "datasets").iterdir()) == []  # temp file removed


def test_sha256_mismatch_deletes_the_download(offline, monkeypatch, tmp_path):
    payload = b"smiles,NR-AR\nCCO,0\n"
    card = dataclasses.replace(get_card("tox21"), sha256="0" * 64)
    monkeypatch.setattr(fetch, "get_card", lambda name: card)
    monkeypatch.setattr(fetch.urllib.request, "urlopen",
                        lambda request, timeout=None: FakeResponse(payload))
    with pytest.raises(DatasetError, match="sha256"):
        fetch.fetch_dataset("tox21")
    assert list((tmp_path / "cache" / "datasets").iterdir()) == []


def test_verified_download_is_cached(offline, monkeypatch, tmp_path):
    payload = b"smiles,NR-AR\nCCO,0\nc1ccccc1,1\n"
    card = dataclasses.replace(get_card("tox21"), sha256=hashlib.sha256(payload).hexdigest())
    monkeypatch.setattr(fetch, "get_card", lambda name: card)
    seen = []
    monkeypatch.setattr(fetch.urllib.request, "urlopen",
                        lambda request, timeout=None: FakeResponse(payload))
    path = fetch.fetch_dataset("tox21", progress=lambda done, total: seen.append((done, total)))
    assert path == tmp_path / "cache" / "datasets" / "tox21.csv.gz"
    assert path.read_bytes() == payload
    assert seen[-1] == (len(payload), len(payload))
    # Second call: served from the cache, the (now failing) network is not used.
    monkeypatch.setattr(fetch.urllib.request, "urlopen", lambda *a, **k: 1 / 0)
    assert fetch.fetch_dataset("tox21") == path


def test_load_dataset_reads_cached_canonical_file_with_card_columns(offline, tmp_path, drugs):
    # A canonical delaney-processed.csv: SMILES is not the first column, task name from card.
    card = get_card("delaney")
    cache = tmp_path / "cache" / "datasets"
    cache.mkdir(parents=True)
    task = card.tasks[0]
    (cache / card.filename).write_text(
        f'Compound ID,{task},smiles\nEthanol,1.1,{drugs["ethanol"]}\nBenzene,-1.64,'
        f'{drugs["benzene"]}\nAspirin,,{drugs["aspirin"]}\n'
    )
    table, got = load_dataset("Delaney")
    assert got == card
    assert table.smiles_col == "smiles" and table.targets == [task]
    assert table.smiles == [drugs["ethanol"], drugs["benzene"], drugs["aspirin"]]
    assert table.y[:2, 0].tolist() == pytest.approx([1.1, -1.64])
    assert table.y.dtype.name == "float32" and str(table.y[2, 0]) == "nan"
    assert offline == []  # nothing was downloaded


def test_load_dataset_unknown_name_lists_datasets(offline):
    with pytest.raises(DatasetError, match="no dataset or file named 'tox99'.*tox21"):
        load_dataset("tox99")
