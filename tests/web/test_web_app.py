"""``molpred serve``'s app through FastAPI's TestClient: the page, the JSON API, uploads,
limits and what a client may never do (name a file, send too much)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

pytest.importorskip("fastapi")
pytest.importorskip("httpx")
from fastapi.testclient import TestClient  # noqa: E402

from molpred.panel.predict import predict_panel  # noqa: E402
from molpred.web import create_app  # noqa: E402

ASPIRIN, CAFFEINE = "CC(=O)Oc1ccccc1C(=O)O", "Cn1cnc2c1c(=O)n(C)c(=O)n2C"


@pytest.fixture(scope="module")
def client() -> TestClient:
    return TestClient(create_app(["bbbp", "esol"], max_upload_bytes=20_000, max_molecules=50))


def test_the_json_api_gives_the_panel_with_trust_columns(client):
    response = client.post("/api/predict", json={"smiles": [ASPIRIN, "not a smiles", CAFFEINE]})
    assert response.status_code == 200
    body = response.json()
    expected = predict_panel([ASPIRIN, "not a smiles", CAFFEINE], ["bbbp", "esol"], workers=1)
    assert body["columns"] == list(expected.columns)
    rows = body["rows"]
    assert [r["smiles"] for r in rows] == [ASPIRIN, "not a smiles", CAFFEINE]
    for got, (_, want) in zip(rows, expected.iterrows(), strict=True):
        for column in ("bbbp.BBB_penetration", "esol.logS", "esol.logS_lower"):
            if pd.isna(want[column]):
                assert got[column] is None  # NaN is null in JSON
            else:
                assert abs(got[column] - want[column]) < 1e-9
    assert rows[1]["error"] and not rows[0]["error"]
    assert "bbbp.BBB_penetration_set" in rows[0] and "esol.in_domain" in rows[0]
    models = client.get("/api/models").json()["models"]
    assert [m["name"] for m in models] == ["bbbp", "esol"]
    assert client.get("/openapi.json").json()["paths"]["/api/predict"]["post"]


def test_a_client_cannot_name_a_model_file_nor_send_too_much(client, tmp_path):
    outside = client.post("/api/predict", json={"smiles": [ASPIRIN], "models": ["/etc"]})
    assert outside.status_code == 422 and "unknown model" in outside.json()["detail"]
    many = client.post("/api/predict", json={"smiles": [ASPIRIN] * 51})
    assert many.status_code == 422  # the schema's bound, before anything runs
    big = client.post("/predict", files={"file": ("big.csv", b"smiles\n" + b"C" * 30_000)})
    assert big.status_code == 413 and "larger than 20,000 bytes" in big.text
    evil = client.post("/predict", files={"file": ("../../etc/passwd", b"root:x:0:0")})
    assert evil.status_code == 422 and "upload a .csv" in evil.text
    explain = client.get("/api/explain", params={"smiles": ASPIRIN, "model": "../bbbp",
                                                 "task": "BBB_penetration"})
    assert explain.status_code == 422


def test_the_page_predicts_pasted_and_uploaded_molecules_and_downloads_csv(client):
    page = client.get("/")
    assert page.status_code == 200 and "<textarea" in page.text and 'type="file"' in page.text
    upload = pd.DataFrame({"id": ["c"], "smiles": [CAFFEINE]}).to_csv(index=False).encode()
    shown = client.post("/predict", data={"smiles": f"{ASPIRIN}\n\n", "confidence": "0.8"},
                        files={"file": ("mols.csv", upload, "text/csv")})
    assert shown.status_code == 200
    assert shown.text.count("class='mol'") == 2 and "<svg" in shown.text
    assert "80% conformal" in shown.text and "Brenk: phenol_ester" in shown.text
    expected = predict_panel([ASPIRIN, CAFFEINE], ["bbbp", "esol"], confidence=0.8, workers=1)
    assert f"{expected['esol.logS'][0]:.3f}" in shown.text
    csv = client.post("/predict.csv", data={"smiles": f"{ASPIRIN}\n{CAFFEINE}",
                                            "confidence": "0.8"})
    assert csv.status_code == 200 and csv.headers["content-type"].startswith("text/csv")
    table = pd.read_csv(pd.io.common.StringIO(csv.text))
    np.testing.assert_allclose(table["esol.logS"], expected["esol.logS"], rtol=1e-9)


def test_atom_attributions_are_drawn(client):
    svg = client.get("/api/explain", params={"smiles": ASPIRIN, "model": "bbbp",
                                             "task": "BBB_penetration"})
    assert svg.status_code == 200 and svg.headers["content-type"] == "image/svg+xml"
    assert svg.text.startswith("<svg") and "</svg>" in svg.text
    page = client.get("/explain", params={"smiles": ASPIRIN, "model": "bbbp",
                                          "task": "BBB_penetration"})
    assert page.status_code == 200 and "Integrated Gradients" in page.text
    bad = client.get("/explain", params={"smiles": "C1CC", "model": "bbbp",
                                         "task": "BBB_penetration"})
    assert bad.status_code == 422 and "cannot" in bad.text.lower()


def test_each_explanation_method_is_offered_and_drawn(client):
    for method in ("shap", "lime"):
        svg = client.get("/api/explain", params={"smiles": ASPIRIN, "model": "esol",
                                                 "task": "logS", "method": method})
        assert svg.status_code == 200 and "</svg>" in svg.text
    page = client.get("/explain", params={"smiles": ASPIRIN, "model": "bbbp",
                                          "task": "BBB_penetration", "method": "shap"})
    assert "method=lime" in page.text and "method=ig" in page.text
    assert client.get("/api/explain", params={"smiles": ASPIRIN, "model": "bbbp",
                                              "task": "BBB_penetration",
                                              "method": "guess"}).status_code == 422


def test_the_sketcher_is_served_and_nothing_beside_it(client):
    page = client.get("/").text
    assert "/static/jsme/jsme.nocache.js" in page and 'id="add-drawn"' in page
    script = client.get("/static/jsme/jsme.nocache.js")
    assert script.status_code == 200 and "jsme" in script.text
    for path in ("/static/jsme/../app.py", "/static/jsme/%2e%2e/app.py",
                 "/static/jsme/..%2F..%2Fpredictor.py", "/static/app.py"):
        response = client.get(path)
        assert response.status_code == 404, path
        assert "create_app" not in response.text
