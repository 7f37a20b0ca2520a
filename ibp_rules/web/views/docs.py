"""The API documentation: rendered on the server from the OpenAPI document.

No script and nothing loaded from the network: a table of endpoints with
their parameters, bodies and answers, and every data model, linked.
"""

from __future__ import annotations

from typing import Any

import orjson
from fastapi import APIRouter
from starlette.requests import Request
from starlette.responses import Response

from ..lang import lang_of_scope
from ..templating import page

router = APIRouter(include_in_schema=False)


@router.get("/openapi.json")
async def openapi_json(request: Request) -> Response:
    return Response(orjson.dumps(request.app.openapi()), media_type="application/json")


def ref_name(schema: dict[str, Any]) -> str | None:
    ref = schema.get("$ref")
    return str(ref).rsplit("/", 1)[-1] if isinstance(ref, str) else None


def type_label(schema: dict[str, Any]) -> str:
    """A short, readable type: ``Assessment``, ``list of string``, ``one of: nb, en``."""
    if not schema:
        return "any"
    name = ref_name(schema)
    if name:
        return name
    if "enum" in schema:
        return "one of: " + ", ".join(map(str, schema["enum"]))
    if "const" in schema:
        return f"= {schema['const']}"
    for key in ("anyOf", "oneOf", "allOf"):
        if key in schema:
            parts = [type_label(s) for s in schema[key]]
            return " or ".join(p for p in parts if p != "null") + (" (or null)" if "null" in parts else "")
    kind = schema.get("type")
    if kind == "array":
        return "list of " + type_label(schema.get("items", {}))
    if kind == "object" and isinstance(schema.get("additionalProperties"), dict):
        return "map of " + type_label(schema["additionalProperties"])
    return str(kind or "any")


def _operations(doc: dict[str, Any]) -> list[dict[str, Any]]:
    ops = []
    for path, methods in doc.get("paths", {}).items():
        for method, op in methods.items():
            body = op.get("requestBody", {}).get("content", {})
            ops.append({
                "id": op.get("operationId", f"{method}-{path}"), "method": method.upper(), "path": path,
                "summary": op.get("summary", ""), "description": op.get("description", ""), "tag": (op.get("tags") or ["service"])[0],
                "parameters": [{"name": p["name"], "in": p["in"], "required": p.get("required", False),
                                "type": type_label(p.get("schema", {})), "description": p.get("description", "")}
                               for p in op.get("parameters", [])],
                "body": [{"media": media, "type": type_label(c.get("schema", {})), "ref": ref_name(c.get("schema", {})),
                          "description": c.get("schema", {}).get("description", "")} for media, c in body.items()],
                "responses": [{"status": status, "description": r.get("description", ""),
                               "types": [{"media": media, "type": type_label(c.get("schema", {})),
                                          "ref": ref_name(c.get("schema", {}).get("items", {})) or ref_name(c.get("schema", {}))}
                                         for media, c in r.get("content", {}).items()]}
                              for status, r in op.get("responses", {}).items()],
            })
    return ops


def _schemas(doc: dict[str, Any]) -> list[dict[str, Any]]:
    out = []
    for name, schema in sorted(doc.get("components", {}).get("schemas", {}).items()):
        required = set(schema.get("required", []))
        out.append({
            "name": name, "description": schema.get("description", ""), "enum": schema.get("enum"),
            "properties": [{"name": p, "type": type_label(s), "ref": ref_name(s) or ref_name(s.get("items", {})),
                            "required": p in required, "description": s.get("description", "")}
                           for p, s in schema.get("properties", {}).items()],
        })
    return out


@router.get("/docs")
async def docs(request: Request) -> Response:
    doc = request.app.openapi()
    ops = _operations(doc)
    tags = sorted({op["tag"] for op in ops}, key=["strategies", "cases", "catalogue", "service"].index)
    return page(request, "docs.html.j2", {"doc": doc, "tags": tags, "ops": ops, "schemas": _schemas(doc),
                                          "lang": lang_of_scope(request.scope)})
