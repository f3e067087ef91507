"""API docs: the OpenAPI document, Swagger UI at /docs and ReDoc at /redoc (vendored, no inline script)."""
from flask import Flask, render_template

from ..infra.http import CSP
from .common import api_route
from .openapi import build_spec
from . import bp

# ReDoc writes <style> elements at runtime and runs its search in a blob: worker: only its page allows that.
REDOC_CSP = CSP.replace("style-src 'self'", "style-src 'self' 'unsafe-inline'") + "; worker-src 'self' blob:"


@api_route("/openapi.json", auth=False, tags=["docs"])
def openapi_json():
    """The OpenAPI 3.1 document of this API."""
    return build_spec()


def swagger_ui():
    """Swagger UI for the API, from vendored assets."""
    return render_template("api_docs/swagger.html")


def redoc():
    """ReDoc for the API, from vendored assets, under its own CSP."""
    resp = render_template("api_docs/redoc.html")
    return resp, 200, {"Content-Security-Policy": REDOC_CSP}


@bp.record_once
def _register_docs(state) -> None:
    """/docs and /redoc live outside /api/v1, so they are added to the app itself."""
    app: Flask = state.app
    app.add_url_rule("/docs", endpoint="api_docs_swagger", view_func=swagger_ui)
    app.add_url_rule("/redoc", endpoint="api_docs_redoc", view_func=redoc)
