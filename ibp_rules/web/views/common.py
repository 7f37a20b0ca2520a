"""What every page view uses: the services, a case and its versions read through the library.

Stored documents are read back the way files are: an assessment through the
library's parser (:func:`ibp_rules.engine.parse_assessment`, which upgrades
an older ``schema_version`` on load), a strategy and decisions through their
models; nothing stored is trusted to match the model of today without that.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs

import orjson
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request

from ibp_rules.assessment import Assessment
from ibp_rules.decisions import Decisions
from ibp_rules.engine import Engine, parse_assessment
from ibp_rules.strategy import Strategy
from ibp_rules.text import Lang
from ibp_rules.views import StrategyView, build_view

from ...refs import check_reference
from ..api.common import lang_of as lang_of
from ..api.common import services as services
from ..api.common import use_engine
from ..store import Case, Draft, Note, Version, VersionMeta

# The pages find the service, its engine and the language as the API does.
page_engine = use_engine


async def form_data(request: Request) -> dict[str, list[str]]:
    """A posted urlencoded form (every value of every field; blank values kept)."""
    body = await request.body()
    return parse_qs(body.decode("utf-8", "replace"), keep_blank_values=True)


def first(form: dict[str, list[str]], name: str, default: str = "") -> str:
    return (form.get(name) or [default])[0]


def stored_assessment(v: Version) -> Assessment:
    """A version's assessment, read as a file is (upgraded when it is older)."""
    return parse_assessment(v.assessment.encode(), f"versjon {v.number}")


def stored_strategy(v: Version) -> Strategy:
    return Strategy.model_validate_json(v.strategy)


def stored_decisions(v: Version) -> Decisions:
    return Decisions.model_validate_json(v.decisions)


def assessment_data(a: Assessment) -> dict[str, Any]:
    """An assessment as stored: every known field, with its schema version."""
    data: dict[str, Any] = a.model_dump(mode="json", exclude_none=True, exclude_defaults=True)
    data["schema_version"] = a.schema_version
    return data


@dataclass(frozen=True)
class CaseState:
    """A case as a page needs it: its record, versions, notes, drafts and the version shown."""

    case: Case
    versions: list[VersionMeta]
    notes: list[Note]
    drafts: dict[str, Draft]
    version: Version | None

    @property
    def ref(self) -> str:
        return self.case.ref

    @property
    def current(self) -> int:
        return self.case.current_version

    @property
    def has_assessment(self) -> bool:
        return self.current > 0

    @property
    def stage(self) -> str:
        """Where the work stands: mapping, strategy (no decisions yet) or an agreed plan."""
        d = stored_decisions(self.version) if self.version is not None and self.version.number == self.current else None
        return case_stage(self.current, d is not None and bool(d.measures or d.own))


def case_stage(current: int, decided: bool) -> str:
    """``kartlegging`` (no assessment saved yet), ``strategi`` (saved, no choices yet),
    ``plan`` (choices recorded) – the word is looked up by the page."""
    if current == 0:
        return "kartlegging"
    return "plan" if decided else "strategi"


async def load_case(request: Request, ref: str, number: int | None = None) -> CaseState:
    """The case (404 page when unknown) and one version of it (the current one by default)."""
    store = services(request).store
    check_reference(ref)

    def read() -> CaseState:
        case, versions, notes, drafts = store.case(ref)
        version = None
        if number is not None or case.current_version:
            version = store.version(ref, number)
        return CaseState(case, versions, notes, {d.kind: d for d in drafts}, version)

    return await run_in_threadpool(read)


def engine_for(request: Request, v: Version) -> Engine:
    """The engine of the rules a version was made with, while this process still has them
    (else the current one: ids are worded by the rules in use)."""
    return services(request).engines.for_sha256(v.ruleset_sha256)


def strategy_view(request: Request, v: Version, lang: Lang, with_decisions: bool = True) -> StrategyView:
    """The library's view of a stored version (the same object ``ibp assess`` renders)."""
    engine = engine_for(request, v)
    return build_view(stored_strategy(v), engine.ruleset, lang, stored_decisions(v) if with_decisions else None, stored_assessment(v))


def draft_data(d: Draft | None) -> dict[str, Any]:
    if d is None:
        return {}
    data = orjson.loads(d.data)
    return data if isinstance(data, dict) else {}
