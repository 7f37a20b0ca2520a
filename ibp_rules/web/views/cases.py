"""The cases: the list, a new case, one case's front page, export and delete.

A case is the coordinator's own reference (never a national id number) and
its versions. Deleting asks for the reference to be typed again: the case
is then really gone from the files (see :meth:`CaseStore.delete`).
"""

from __future__ import annotations

from urllib.parse import quote

import orjson
from fastapi import APIRouter
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from ibp_rules.errors import InputError

from ...refs import check_reference
from ..export import export_response
from ..store import CaseExists
from ..templating import page
from .common import case_stage, first, form_data, lang_of, load_case, services

router = APIRouter(include_in_schema=False)


def case_url(ref: str, tail: str = "") -> str:
    return f"/saker/{quote(ref, safe='')}{tail}"


@router.get("/saker")
async def case_list(request: Request, slettet: str | None = None) -> Response:
    rows = await run_in_threadpool(services(request).store.overview)
    cases = []
    for row in rows:
        summary = orjson.loads(row.summary)
        cases.append({"ref": row.ref, "updated_at": row.updated_at, "version": row.current_version,
                      "stage": case_stage(row.current_version, row.decided), "drafting": row.drafting,
                      "stages": summary.get("stages", 0), "measures": summary.get("measures", 0)})
    return page(request, "cases.html.j2", {"cases": cases, "deleted": slettet})


@router.get("/saker/ny")
async def new_case_form(request: Request) -> Response:
    return page(request, "case_new.html.j2", {"ref": "", "problem": None})


@router.post("/saker/ny")
async def new_case(request: Request) -> Response:
    form = await form_data(request)
    ref = first(form, "ref").strip()
    lang = lang_of(request)
    try:
        check_reference(ref)
        await run_in_threadpool(services(request).store.create, ref, None)
    except InputError as exc:
        return page(request, "case_new.html.j2", {"ref": ref, "problem": exc.problems[0].message_in(lang)}, status=422)
    except CaseExists:
        text = "Det finnes allerede en sak med denne referansen." if lang == "nb" else "A case with this reference exists already."
        return page(request, "case_new.html.j2", {"ref": ref, "problem": text}, status=409)
    return RedirectResponse(case_url(ref, "/kartlegging"), status_code=303)


@router.get("/saker/{ref}")
async def case_home(request: Request, ref: str) -> Response:
    state = await load_case(request, ref)
    if not state.has_assessment:
        return RedirectResponse(case_url(ref, "/kartlegging"), status_code=303)
    return RedirectResponse(case_url(ref, "/strategi"), status_code=303)


@router.get("/saker/{ref}/eksport")
async def export(request: Request, ref: str) -> Response:
    return await export_response(services(request).store, ref)


@router.get("/saker/{ref}/slett")
async def delete_form(request: Request, ref: str) -> Response:
    state = await load_case(request, ref)
    return page(request, "case_delete.html.j2", {"state": state, "tab": "slett", "problem": None})


@router.post("/saker/{ref}/slett")
async def delete(request: Request, ref: str) -> Response:
    state = await load_case(request, ref)
    form = await form_data(request)
    if first(form, "confirm").strip() != state.ref:
        text = ("Skriv referansen nøyaktig som den står for å slette saken." if lang_of(request) == "nb"
                else "Type the reference exactly as shown to delete the case.")
        return page(request, "case_delete.html.j2", {"state": state, "tab": "slett", "problem": text}, status=422)
    await run_in_threadpool(services(request).store.delete, state.ref)
    return RedirectResponse("/saker?slettet=" + quote(state.ref, safe=""), status_code=303)
