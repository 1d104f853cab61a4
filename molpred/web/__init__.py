"""``molpred serve``: a local web app and JSON API over the panel (FastAPI)."""

from molpred.web.app import create_app

__all__ = ["create_app"]
