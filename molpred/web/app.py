"""The web app: a page to paste SMILES or upload a file, the panel with its trust columns,
atom attributions, alerts and a CSV download; and the same as a JSON API (OpenAPI schema at
``/openapi.json``, interactive docs at ``/docs``).

Built on FastAPI (https://fastapi.tiangolo.com) with server-rendered HTML
(:mod:`molpred.web.pages`); the one script is the JSME molecule editor (Bienfait & Ertl 2013,
J. Cheminform. 5, 24; BSD-3, shipped in ``molpred/web/static/jsme``, served from
``/static/jsme``) on the start page, for drawing a molecule; every other page works without
JavaScript. What a client can never do: name a file
or folder on the server (models are the names chosen when the server started; uploads are
read in memory and parsed from a temporary file whose name the server picks), send more
than ``max_upload_bytes`` or ``max_molecules``, or reach it from another machine unless the
server was started with ``--host`` on purpose (default ``127.0.0.1``).
"""


import math
import tempfile
from pathlib import Path
from typing import Annotated, Any, Literal

import pandas as pd

from molpred.exceptions import InputError, MolpredError

Method = Literal["ig", "shap", "lime"]
UPLOAD_SUFFIXES = (".csv", ".tsv", ".txt", ".smi", ".smiles", ".sdf")
MAX_SMILES_CHARS = 2000
"""Longest SMILES accepted by the explain endpoint (a drug is well under 200)."""


def create_app(models: list[str] | None = None, *, max_upload_bytes: int = 5_000_000,
               max_molecules: int = 1000, confidence: float = 0.9) -> Any:
    """The FastAPI application.

    Args:
        models: Shipped model names or model folders to serve (default: the shipped panel).
            Clients choose among these by name only.
        max_upload_bytes: Largest upload or request body read; larger ones get HTTP 413.
        max_molecules: Most molecules per request; more get HTTP 413.
        confidence: Default conformal confidence of the sets and intervals.

    Returns:
        A ``fastapi.FastAPI`` app (run it with uvicorn, or ``molpred serve``).

    Raises:
        ModelFileError: a model that does not load (checked at start, not per request).
        InputError: FastAPI is not installed (``pip install 'molpred[web]'``).
    """
    try:
        from fastapi import FastAPI, File, Form, HTTPException, Query, Request, UploadFile
        from fastapi.responses import HTMLResponse, JSONResponse, Response
        from fastapi.staticfiles import StaticFiles
        from pydantic import BaseModel, Field
    except ImportError:
        raise InputError("molpred serve needs FastAPI: pip install 'molpred[web]'") from None
    from molpred import __version__
    from molpred.panel import panel_models
    from molpred.panel.predict import predict_panel
    from molpred.predictor import load
    from molpred.web import pages

    served = {Path(m).name if Path(m).exists() else str(m).lower(): str(m)
              for m in (models or panel_models())}
    predictors = {name: load(path) for name, path in served.items()}  # refuse bad ones now

    app = FastAPI(title="molpred", version=__version__,
                  description="Molecular property predictions with their trust columns.")

    default_confidence = confidence
    # the sketcher's files, read-only; StaticFiles refuses paths outside this folder
    app.mount("/static/jsme", StaticFiles(directory=Path(__file__).parent / "static" / "jsme"),
              name="jsme")

    class PredictRequest(BaseModel):
        smiles: list[str] = Field(..., min_length=1, max_length=max_molecules,
                                  description="SMILES to predict, one per molecule.")
        models: list[str] | None = Field(None, description="Served model names (GET "
                                         "/api/models); default all.")
        confidence: float = Field(default_confidence, gt=0, lt=1,
                                  description="Conformal confidence.")

    def chosen(names: list[str] | None) -> list[str]:
        if not names:
            return list(served.values())
        unknown = [n for n in names if n not in served]
        if unknown:
            raise HTTPException(422, f"unknown model(s) {unknown}; served: {sorted(served)}")
        return [served[n] for n in names]

    def run(smiles: list[str], names: list[str] | None, level: float) -> pd.DataFrame:
        if len(smiles) > max_molecules:
            raise HTTPException(413, f"{len(smiles):,} molecules; this server takes at most "
                                f"{max_molecules:,} per request")
        try:
            return predict_panel(pd.DataFrame({"smiles": smiles}), chosen(names),
                                 smiles_col="smiles", confidence=level, workers=1)
        except MolpredError as exc:
            raise HTTPException(422, str(exc)) from None

    async def limited_body(request: Request) -> None:
        size = request.headers.get("content-length")
        if size is not None and size.isdigit() and int(size) > max_upload_bytes:
            raise HTTPException(413, f"request larger than {max_upload_bytes:,} bytes")

    @app.get("/", response_class=HTMLResponse, include_in_schema=False)
    def home() -> str:
        return pages.home(sorted(served), max_molecules, max_upload_bytes, confidence)

    @app.post("/predict", response_class=HTMLResponse, include_in_schema=False)
    async def predict_page(request: Request, smiles: Annotated[str, Form()] = "",
                           file: Annotated[UploadFile | None, File()] = None,
                           level: Annotated[float, Form(alias="confidence")] = confidence
                           ) -> str:
        await limited_body(request)
        molecules = [s.strip() for s in smiles.splitlines() if s.strip()]
        if file is not None and file.filename:
            molecules += await _read_upload(file, max_upload_bytes, HTTPException)
        if not molecules:
            raise HTTPException(422, "no molecules: paste SMILES or choose a file")
        if not 0 < level < 1:
            raise HTTPException(422, "confidence must lie between 0 and 1")
        return pages.results(run(molecules, None, level), level)

    @app.post("/predict.csv", include_in_schema=False)
    async def predict_csv(request: Request, smiles: Annotated[str, Form()],
                          level: Annotated[float, Form(alias="confidence")] = confidence
                          ) -> Response:
        await limited_body(request)
        molecules = [s for s in smiles.splitlines() if s.strip()]
        table = run(molecules, None, level if 0 < level < 1 else confidence)
        return Response(table.to_csv(index=False), media_type="text/csv", headers={
            "Content-Disposition": 'attachment; filename="molpred_predictions.csv"'})

    @app.get("/explain", response_class=HTMLResponse, include_in_schema=False)
    def explain_page(smiles: Annotated[str, Query(max_length=MAX_SMILES_CHARS)],
                     model: str, task: str, method: Method | None = None) -> str:
        return pages.explanation(smiles, model, task, method,
                                 _explain(smiles, model, task, method))

    @app.get("/api/models")
    def api_models() -> dict:
        """The served models and their tasks."""
        return {"models": [{"name": n, "tasks": list(p.tasks), "task_type": p.task_type}
                           for n, p in predictors.items()]}

    @app.post("/api/predict")
    async def api_predict(request: Request, body: PredictRequest) -> JSONResponse:
        """Every endpoint of the chosen models for every SMILES, one object per molecule in
        input order: ``MODEL.TASK`` (probability or value), ``_std``, ``_set`` or
        ``_lower``/``_upper``, ``MODEL.max_similarity``, ``MODEL.expected_error``,
        ``MODEL.in_domain``, ``alerts``,
        ``error`` (empty when predicted). NaN is ``null``."""
        await limited_body(request)
        table = run(body.smiles, body.models, body.confidence)
        return JSONResponse({"columns": list(table.columns),
                             "rows": [{k: _json(v) for k, v in row.items()}
                                      for row in table.to_dict(orient="records")]})

    @app.get("/api/explain", responses={200: {"content": {"image/svg+xml": {}}}})
    def api_explain(smiles: Annotated[str, Query(max_length=MAX_SMILES_CHARS)],
                    model: str, task: str, method: Method | None = None) -> Response:
        """Atom attributions of one molecule for one task (``ig`` Integrated Gradients,
        ``shap`` or ``lime``; default ``shap`` for tree models, ``ig`` otherwise) drawn on the
        structure with a colour bar in probability (or target) units (SVG; green pushes the
        prediction up, pink down)."""
        return Response(_explain(smiles, model, task, method), media_type="image/svg+xml")

    def _explain(smiles: str, model: str, task: str, method: str | None) -> str:
        if model not in predictors:
            raise HTTPException(422, f"unknown model {model!r}; served: {sorted(served)}")
        try:
            explanation = predictors[model].explain(smiles, task, method=method)
        except MolpredError as exc:
            raise HTTPException(422, str(exc)) from None
        return pages.explanation_picture(explanation)

    @app.exception_handler(HTTPException)
    async def readable_errors(request: Request, exc: HTTPException):
        if request.url.path.startswith("/api/"):
            return JSONResponse({"detail": exc.detail}, status_code=exc.status_code)
        return HTMLResponse(pages.error(exc.status_code, str(exc.detail)),
                            status_code=exc.status_code)

    return app


async def _read_upload(file: Any, max_bytes: int, http_error: type) -> list[str]:
    """The SMILES of an uploaded file: read at most ``max_bytes`` (413 beyond), parsed by
    molpred's reader from a temporary file the server names (only the suffix of the client's
    file name is used, and only from :data:`UPLOAD_SUFFIXES`)."""
    from molpred.data import read_text_table

    suffix = Path(file.filename or "").suffix.lower()
    if suffix not in UPLOAD_SUFFIXES:
        given = suffix or "a file without a suffix"
        raise http_error(422, f"upload a {', '.join(UPLOAD_SUFFIXES)} file, not {given}")
    content = await file.read(max_bytes + 1)
    if len(content) > max_bytes:
        raise http_error(413, f"the file is larger than {max_bytes:,} bytes")
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"upload{suffix}"
        path.write_bytes(content)
        try:
            frame, column = read_text_table(path)
        except MolpredError as exc:
            raise http_error(422, str(exc).replace(str(path), file.filename or "upload")) from None
    return ["" if pd.isna(s) else str(s) for s in frame[column]]


def _json(value: Any) -> Any:
    """A table cell as JSON: NaN -> null, NumPy scalars -> Python."""
    if hasattr(value, "item"):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value



