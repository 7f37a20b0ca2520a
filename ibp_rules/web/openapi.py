"""The OpenAPI 3.1 document, from the same pydantic models the library uses.

Endpoints read their bodies themselves (so the API reports the CLI's own
located problems, and accepts YAML as well as JSON) and return the strategy
as the exact bytes ``ibp assess --format json`` prints. FastAPI therefore
cannot see their models; each route names them with :func:`body` and
:func:`answers`, and :func:`build_openapi` puts the models' JSON Schemas
under ``components/schemas``. A client generator in any language can read
the result; the test suite validates it with ``openapi-spec-validator``.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi
from pydantic import TypeAdapter

from ibp_rules import __version__
from ibp_rules.assessment import Assessment
from ibp_rules.decisions import Decisions
from ibp_rules.ruleset_files import Measure, Partner
from ibp_rules.strategy import Strategy

from . import models as M
from .errors import ApiError

REF = "#/components/schemas/{model}"

#: (component name, mode, type) of every schema the document holds
COMPONENTS: list[tuple[str, str, Any]] = [
    ("Assessment", "validation", Assessment),
    ("Strategy", "serialization", Strategy),
    ("Decisions", "validation", Decisions),
    ("Measure", "serialization", Measure),
    ("Partner", "serialization", Partner),
    ("ApiError", "serialization", ApiError),
    *[(name, "validation", model) for name, model in vars(M).items()
      if isinstance(model, type) and issubclass(model, M._In) and model is not M._In],
    *[(name, "serialization", getattr(M, name)) for name in (
        "Health", "VersionInfo", "ReloadOut", "RuleOut", "ExplainResponse", "WhatIfResponse", "DiffResponse", "CaseList",
        "CaseDetail", "VersionDetail", "NoteOut", "DraftMeta", "DraftOut", "HistoryOut", "DeleteOut")],
]

STATUS_TEXT = {
    200: "OK", 201: "Created", 401: "Missing or wrong access token", 403: "CSRF token missing or wrong (page sessions)",
    404: "Not found", 409: "Conflict: the save was based on an older version, or the reference exists",
    413: "Request body over the limit", 422: "Problems in the request, each with its field path and line",
    429: "Too many requests", 500: "Internal error (no traceback, no input)",
}

DESCRIPTION = """\
Rule-based decision support for *Individuell boligplan* (IBP): an assessment
across the four welfare pillars (bolig, økonomi, helse, arbeid/utdanning) goes
in; a suggested, explained and staged strategy comes out. **The tool suggests;
people decide.** Nothing here is an eligibility decision.

* Authenticate with `Authorization: Bearer <token>` (the token `ibp serve`
  prints). Everything but `/health` needs it.
* Bodies are JSON (`application/json`); an assessment may also be YAML
  (`application/yaml`). Request bodies are limited (413 above the limit);
  `/api/v1/batch` takes JSON Lines and streams JSON Lines back.
* Errors are JSON: `{"error": {"kind", "status", "message", "problems": [{"path", "line", "message"}]}}`,
  in bokmål by default, English with `?lang=en`.
* Every response names the engine and ruleset that answered in its
  `X-IBP-Engine-Version` and `X-IBP-Ruleset-{Id,Version,Sha256}` headers.
* A strategy is the same JSON, byte for byte, as `ibp assess --format json`.
"""


def _ref(name: str) -> dict[str, Any]:
    return {"$ref": REF.format(model=name)}


def list_of(name: str) -> dict[str, Any]:
    return {"type": "array", "items": _ref(name)}


def body(name: str, yaml: bool = False, media: str = "application/json") -> dict[str, Any]:
    """``openapi_extra`` for a route whose body is the named component."""
    content = {media: {"schema": _ref(name)}}
    if yaml:
        content["application/yaml"] = {"schema": _ref(name)}
    return {"requestBody": {"required": True, "content": content}}


#: the renderings of a strategy for people (``format=text|markdown|html``)
RENDERINGS = {media: {"schema": {"type": "string"}} for media in ("text/plain", "text/markdown", "text/html")}


def answers(ok: str | dict[str, Any] | None, status: int = 200, errors: tuple[int, ...] = (), media: str = "application/json",
            description: str | None = None, also: dict[str, Any] | None = None) -> dict[int | str, dict[str, Any]]:
    """``responses`` for a route: the success answer (and ``also`` other media types) and the errors it can give."""
    out: dict[int | str, dict[str, Any]] = {}
    success: dict[str, Any] = {"description": description or STATUS_TEXT.get(status, "OK")}
    if ok is not None:
        schema = _ref(ok) if isinstance(ok, str) else ok
        success["content"] = {media: {"schema": schema}, **(also or {})}
    out[status] = success
    for code in (*errors, 401, 429, 500):
        out[code] = {"description": STATUS_TEXT[code], "content": {"application/json": {"schema": _ref("ApiError")}}}
    return out


def component_schemas() -> dict[str, Any]:
    inputs = [(name, mode, TypeAdapter(model)) for name, mode, model in COMPONENTS]
    keys, top = TypeAdapter.json_schemas(inputs, ref_template=REF)  # type: ignore[arg-type]
    schemas: dict[str, Any] = dict(top.get("$defs", {}))
    for (name, _mode), schema in keys.items():
        if schema != _ref(name):  # a model pydantic named otherwise: keep it under our name
            schemas[name] = schema
    return schemas


def build_openapi(app: FastAPI) -> dict[str, Any]:
    doc = get_openapi(title="ibp-rules", version=__version__, openapi_version="3.1.0", summary="IBP decision support: JSON API",
                      description=DESCRIPTION, routes=app.routes)
    doc["components"] = {
        "schemas": component_schemas(),
        "securitySchemes": {
            "bearer": {"type": "http", "scheme": "bearer", "description": "The access token `ibp serve` prints (or IBP_TOKEN)."},
            "session": {"type": "apiKey", "in": "cookie", "name": "ibp_session",
                        "description": "The page session set by /login; state-changing requests also need X-CSRF-Token."},
        },
    }
    doc["security"] = [{"bearer": []}, {"session": []}]
    for path, operations in doc.get("paths", {}).items():
        for op in operations.values():
            responses = op.get("responses", {})
            # FastAPI documents its own validation error; ours has the ApiError shape
            if "422" in responses:
                responses["422"] = {"description": STATUS_TEXT[422], "content": {"application/json": {"schema": _ref("ApiError")}}}
            if path.endswith("/health"):
                op["security"] = []
    return doc
