"""Server-rendered HTML of the web app: plain HTML and CSS, every value escaped
(``html.escape``). Molecules are drawn by RDKit as inline SVG. The start page adds the JSME
editor (its only script) to draw a molecule; without JavaScript it is a paste-or-upload form."""

from __future__ import annotations

import html
import math
from urllib.parse import urlencode

import pandas as pd

from molpred.chem.logs import quiet_rdkit
from molpred.models.task_types import CLASS_PREFIX

STYLE = """
body{font-family:system-ui,sans-serif;margin:2rem auto;max-width:1100px;color:#222}
h1{margin-bottom:.2rem} .muted{color:#666} textarea{width:100%;font-family:monospace}
table{border-collapse:collapse;margin:.5rem 0}
td,th{padding:.2rem .6rem;border-bottom:1px solid #ddd;text-align:left}
.mol{display:flex;gap:1.5rem;border-top:2px solid #bbb;padding:1rem 0}
.out{color:#a40} .err{color:#b00;font-weight:bold} button{padding:.4rem 1rem}
"""


def _page(title: str, body: str) -> str:
    return (f"<!doctype html><html lang='en'><head><meta charset='utf-8'><title>"
            f"{html.escape(title)}</title><style>{STYLE}</style></head><body>{body}</body></html>")


def home(models: list[str], max_molecules: int, max_bytes: int, confidence: float) -> str:
    """The start page: paste SMILES or upload a file."""
    return _page("molpred", f"""
<h1>molpred</h1>
<p class="muted">Predictions of the panel ({html.escape(', '.join(models))}) with ensemble
spread, conformal sets and intervals, applicability domain and structural alerts.</p>
<form action="/predict" method="post" enctype="multipart/form-data">
<details id="draw"><summary>draw a molecule</summary>
<div id="jsme"></div>
<p><button id="add-drawn" type="button">add the drawing to the list</button>
<span class="muted">JSME editor (Bienfait &amp; Ertl 2013, BSD licence)</span></p>
</details>
<p><label for="smiles">SMILES, one per line</label><br>
<textarea id="smiles" name="smiles" rows="6" placeholder="CC(=O)Oc1ccccc1C(=O)O"></textarea></p>
<p><label for="file">or a file (.csv, .tsv, .smi, .sdf; at most {max_bytes // 1_000_000} MB,
{max_molecules:,} molecules)</label> <input id="file" type="file" name="file"></p>
<p><label for="confidence">conformal confidence</label>
<input id="confidence" name="confidence" type="number" min="0.5" max="0.99" step="0.01"
value="{confidence}"> <button id="go" type="submit">Predict</button></p>
</form>
<p class="muted">JSON API: <a href="/docs">/docs</a> (OpenAPI schema at /openapi.json).</p>
{SKETCHER}""")


SKETCHER = """<script src="/static/jsme/jsme.nocache.js"></script>
<script>
function jsmeOnLoad() {  // JSME calls this once its code is loaded
  window.sketcher = new JSApplet.JSME("jsme", "420px", "320px");
}
document.getElementById("add-drawn").addEventListener("click", function () {
  var drawn = window.sketcher ? window.sketcher.smiles() : "";
  if (!drawn) { return; }
  var box = document.getElementById("smiles");
  box.value = (box.value.trim() ? box.value.trim() + "\\n" : "") + drawn;
});
</script>"""


def _molecule_svg(smiles: str, size: int = 260) -> str:
    from rdkit import Chem
    from rdkit.Chem.Draw import rdMolDraw2D

    with quiet_rdkit():
        mol = Chem.MolFromSmiles(smiles) if smiles else None
    if mol is None:
        return ""
    canvas = rdMolDraw2D.MolDraw2DSVG(size, size)
    canvas.DrawMolecule(mol)
    canvas.FinishDrawing()
    text = canvas.GetDrawingText()
    return text[text.find("<svg"):]  # inline: without the XML declaration


def _number(value: object, digits: int = 3) -> str:
    if isinstance(value, float) and math.isnan(value):
        return ""
    return f"{value:.{digits}f}" if isinstance(value, float) else html.escape(str(value))


def results(table: pd.DataFrame, confidence: float) -> str:
    """One block per molecule: its picture, every endpoint with its trust columns, alerts."""
    info = table.attrs.get("panel", {})
    models, column = info.get("models", []), info.get("smiles", "smiles")
    percent = f"{confidence:.0%}"
    blocks = []
    for i, row in table.iterrows():
        smiles = str(row[column])
        if row["error"]:
            blocks.append(f"<div class='mol' id='mol-{i}'><div><b>#{i + 1}</b> "
                          f"<code>{html.escape(smiles)}</code><p class='err'>"
                          f"{html.escape(str(row['error']))}</p></div></div>")
            continue
        lines = []
        for model in models:
            for task in info.get("outputs", {}).get(model, []):
                key = f"{model}.{task}"
                band = _band(table.columns, row, key)
                inside = bool(row.get(f"{model}.in_domain", True))
                expected = row.get(f"{model}.expected_error")
                factor = (f" (error x{float(expected):.1f})"
                          if expected is not None and math.isfinite(float(expected)) else "")
                link = "/explain?" + urlencode({"smiles": smiles, "model": model, "task": task})
                lines.append(
                    f"<tr><td>{html.escape(model)}</td><td>{html.escape(task)}</td>"
                    f"<td class='pred'>{_number(row[key])}</td><td>"
                    f"{'± ' + _number(row[f'{key}_std']) if f'{key}_std' in table.columns else ''}"
                    f"</td><td>{band}</td><td class='{'' if inside else 'out'}'>"
                    f"{'yes' if inside else 'no'}{factor}</td>"
                    f"<td><a href='{html.escape(link)}'>atoms</a>"
                    "</td></tr>")
        alerts = html.escape(str(row.get("alerts", "")) or "none")
        blocks.append(
            f"<div class='mol' id='mol-{i}'><div>{_molecule_svg(smiles)}<br><b>#{i + 1}</b> "
            f"<code>{html.escape(smiles)}</code><p>structural alerts: {alerts}</p></div>"
            f"<table><tr><th>model</th><th>endpoint</th><th>prediction</th><th>spread</th>"
            f"<th>{percent} conformal</th><th>in domain</th><th>explain</th></tr>"
            f"{''.join(lines)}</table></div>")
    molecules = "\n".join(str(s) for s in table[column])
    download = (f"<form action='/predict.csv' method='post'><textarea name='smiles' hidden>"
                f"{html.escape(molecules)}</textarea><input type='hidden' name='confidence' "
                f"value='{confidence}'><button id='download' type='submit'>Download CSV</button>"
                "</form>")
    return _page("molpred results", f"<h1>molpred</h1><p><a href='/'>new prediction</a></p>"
                 f"<p>{len(table):,} molecule(s); probabilities for classification endpoints, "
                 f"values in the endpoint's units for regression.</p>{download}"
                 + "".join(blocks))


def explanation_picture(explanation) -> str:
    """The attribution picture (structure and colour bar) as inline SVG."""
    text = explanation.draw(svg=True, size=420)
    return text[text.find("<svg"):]


def _band(columns, row, key: str) -> str:
    """The conformal cell of one output: a binary task's set, a regression interval, or for
    a multiclass class-probability column (``TARGET_pCLASS``) whether its class is in the
    target's set; ``""`` when the table has none."""
    if f"{key}_set" in columns:
        return html.escape(str(row[f"{key}_set"]).replace("empty", "∅") or "∅")
    if f"{key}_lower" in columns:
        return f"{_number(row[f'{key}_lower'], 2)} – {_number(row[f'{key}_upper'], 2)}"
    target, _, label = key.rpartition(CLASS_PREFIX)
    if target and f"{target}_set" in columns:
        inside = label in str(row[f"{target}_set"]).split(",")
        return "in the set" if inside else "ruled out"
    return ""


def explanation(smiles: str, model: str, task: str, method: str | None, picture: str) -> str:
    """The page of one molecule's atom attributions for one endpoint, with links to the
    other methods."""
    def link(method: str) -> str:
        query = urlencode({"smiles": smiles, "model": model, "task": task, "method": method})
        return "/explain?" + html.escape(query)

    others = " · ".join(f"<a href='{link(m)}'>{label}</a>" for m, label in (
        ("ig", "Integrated Gradients"), ("shap", "SHAP"), ("lime", "LIME")))
    return _page("molpred atoms", f"""<h1>Atom attributions</h1>
<p><code>{html.escape(smiles)}</code>: {html.escape(model)} / {html.escape(task)}</p>
<div id="attribution">{picture}</div>
<p>Method: {others}</p>
<p class="muted">Relative to the molecule's mean attribution: green atoms push the
prediction up, pink atoms push it down (colour bar in probability or target units).</p>
<p><a href="/">new prediction</a></p>""")


def error(status: int, message: str) -> str:
    """A readable error page."""
    return _page("molpred error", f"<h1>molpred</h1><p class='err'>{status}: "
                 f"{html.escape(message)}</p><p><a href='/'>back</a></p>")
