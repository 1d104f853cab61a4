"""``molpred serve``: the local web app and JSON API (:mod:`molpred.web`)."""

from __future__ import annotations

import ipaddress
from typing import Annotated

import typer

from molpred_cli import options as opt
from molpred_cli import output as ui


def serve(
    model: Annotated[list[str] | None, typer.Option(
        "--model", "-m", help=opt.MODEL_HELP + " Repeat for several. Default: the whole "
        "shipped panel. Clients choose among these by name; they can never name a file.",
        metavar="MODEL", show_default=False)] = None,
    host: Annotated[str, typer.Option(
        help="Address to listen on. The default 127.0.0.1 is this machine only; 0.0.0.0 "
        "opens the app to the network (no login: do it only behind your own access "
        "control).")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.", min=1, max=65535)] = 8000,
    max_upload_mb: Annotated[float, typer.Option(
        help="Largest upload or request body, in MB; larger ones are refused (HTTP 413).",
        min=0.01)] = 5.0,
    max_molecules: Annotated[int, typer.Option(
        help="Most molecules per request.", min=1)] = 1000,
) -> None:
    """Run the local web app: paste or upload molecules, see the panel with its trust
    columns, atom attributions and alerts, download CSV; JSON API at /api (OpenAPI at /docs).

    Example: molpred serve   (then open http://127.0.0.1:8000)
    """
    try:
        import uvicorn
    except ImportError:
        from molpred.exceptions import InputError

        raise InputError("molpred serve needs FastAPI and uvicorn: pip install "
                         "'molpred[web]'") from None
    from molpred.web import create_app

    app = create_app(model, max_upload_bytes=int(max_upload_mb * 1_000_000),
                     max_molecules=max_molecules)
    if not _loopback(host):
        ui.err_console.print(f"warning: listening on {host}: other machines can reach this "
                             "app, which has no login", style="yellow")
    ui.err_console.print(f"molpred serve: http://{host}:{port}  (Ctrl-C stops it)")
    uvicorn.run(app, host=host, port=port, log_level="warning")


def _loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False
