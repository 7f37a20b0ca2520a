"""The pages the service itself has: sign in and out, the start page, the API docs.

The coordinator's and trainer's pages come on top of these (same base
template, same session and CSRF token). The API documentation is rendered
here from the OpenAPI document, on the server, with no script and nothing
loaded from the network.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs

from fastapi import APIRouter
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from .auth import clear_session_cookie, same_origin, session_cookie
from .lang import LANG_COOKIE, lang_of_scope
from .limits import client_key
from .services import Services
from .templating import page

router = APIRouter(include_in_schema=False)


def _services(request: Request) -> Services:
    found: Services = request.app.state.services
    return found


def safe_next(target: str | None) -> str:
    """A local path to go to after signing in (never another site)."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/"
    return target


def _sign_in(request: Request, token: str | None, target: str | None) -> Response:
    svc = _services(request)
    if svc.tokens.check_token(token):
        response = RedirectResponse(safe_next(target), status_code=303)
        response.headers["set-cookie"] = session_cookie(svc.tokens.new_session(), secure=request.url.scheme == "https")
        return response
    if token is not None:
        svc.auth_failures.take(client_key(request.scope))
    return page(request, "login.html.j2", {"next": safe_next(target), "failed": token is not None},
                status=401 if token is not None else 200)


@router.get("/login")
async def login(request: Request, token: str | None = None, next: str | None = None) -> Response:  # noqa: A002 - the query name
    """``/login?token=…`` from the URL ``ibp serve`` prints, or the sign-in form."""
    return _sign_in(request, token, next)


@router.post("/login")
async def login_form(request: Request) -> Response:
    if not same_origin(request.scope):
        return Response(status_code=403)
    form = parse_qs((await request.body()).decode("utf-8", "replace"))
    return _sign_in(request, (form.get("token") or [""])[0].strip(), (form.get("next") or ["/"])[0])


@router.post("/logout")
async def logout(request: Request) -> Response:
    response = RedirectResponse("/login", status_code=303)
    response.headers["set-cookie"] = clear_session_cookie()
    return response


@router.get("/lang")
async def choose_language(request: Request, set: str = "nb", next: str | None = None) -> Response:  # noqa: A002
    """Remember the chosen language in a cookie and go back."""
    response = RedirectResponse(safe_next(next), status_code=303)
    if set in ("nb", "en"):
        response.headers["set-cookie"] = f"{LANG_COOKIE}={set}; Path=/; SameSite=Strict; Max-Age=31536000"
    return response


@router.get("/favicon.ico")
async def favicon() -> Response:
    return Response(status_code=204)


@router.get("/")
async def home(request: Request) -> Response:
    svc = _services(request)
    engine = svc.engine()
    request.scope.setdefault("state", {})["ibp.engine"] = engine
    from starlette.concurrency import run_in_threadpool

    cases = await run_in_threadpool(svc.store.cases)
    return page(request, "home.html.j2", {"ruleset": engine.ruleset, "cases": len(cases)})


@router.get("/openapi.json")
async def openapi_json(request: Request) -> Response:
    import orjson

    return Response(orjson.dumps(request.app.openapi()), media_type="application/json")


# -- the API documentation page --------------------------------------------------------

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
