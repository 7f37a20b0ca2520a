"""The conflict page: a save based on an older version is refused, and says what changed.

Two tabs, or two coordinators, may edit one case. The store refuses a save
that was based on a version that is no longer the newest; this page shows
the versions saved since and how the refused answers differ from the case
as it is now. What was typed stays in the draft; "continue from the newest
version" moves the draft onto it, so the coordinator looks again before
saving. Nothing is overwritten without being seen.
"""

from __future__ import annotations

from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response

from ..store import VersionConflict
from ..templating import page
from .changes import decision_changes, fact_changes
from .common import assessment_data, engine_for, lang_of, load_case, services, stored_assessment, stored_decisions


async def conflict_page(request: Request, ref: str, exc: VersionConflict, mine: Any, kind: str) -> Response:
    """409 with what changed; ``mine`` is the refused assessment data (kind ``kartlegging``)
    or :class:`~ibp_rules.decisions.Decisions` (kind ``valg``)."""
    state = await load_case(request, ref)
    lang = lang_of(request)
    assert state.version is not None
    if kind == "kartlegging":
        diff = fact_changes(assessment_data(stored_assessment(state.version)), mine, lang)
    else:
        diff = decision_changes(stored_decisions(state.version), mine, engine_for(request, state.version).ruleset, lang)
    return page(request, "conflict.html.j2", {"state": state, "tab": kind, "conflict": exc, "diff": diff, "kind": kind}, status=409)


async def move_draft(request: Request, ref: str, kind: str) -> None:
    """Base the draft of ``kind`` on the newest version (its content unchanged)."""
    state = await load_case(request, ref)
    draft = state.drafts.get(kind)
    if draft is not None:
        await run_in_threadpool(services(request).store.save_draft, state.ref, kind, state.current, draft.data)


async def discard_draft(request: Request, ref: str, kind: str) -> str:
    """Throw the draft of ``kind`` away (the form starts again from the current version); the case's reference."""
    state = await load_case(request, ref)
    await run_in_threadpool(services(request).store.delete_draft, state.ref, kind)
    return state.ref
