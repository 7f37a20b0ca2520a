"""The JSON the API takes and gives, beyond the library's own models.

The assessment, the strategy, the decisions and the explanation are the
library's models, used as they are (so the API follows them when they grow);
this module only wraps them in the envelopes an HTTP API needs (which
measure to explain, which version a save is based on) and describes the
case store's records. Every model here is in the OpenAPI document.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, WithJsonSchema

from ibp_rules.assessment import Assessment
from ibp_rules.decisions import Decisions
from ibp_rules.explain import MeasureExplanation
from ibp_rules.text import Text


def ref(name: str) -> Any:
    """A field that carries stored JSON as it is, documented as the named model."""
    return WithJsonSchema({"allOf": [{"$ref": f"#/components/schemas/{name}"}]})


StoredAssessment = Annotated[dict[str, Any], ref("Assessment")]
StoredStrategy = Annotated[dict[str, Any], ref("Strategy")]
StoredDecisions = Annotated[dict[str, Any], ref("Decisions")]
VersionNumber = Annotated[int, Field(ge=0, le=1_000_000, description="A version number; 0 = the case has no version yet.")]


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid")


# -- requests ---------------------------------------------------------------------

class ExplainRequest(_In):
    assessment: Assessment
    measure: str = Field(min_length=1, max_length=64, description="A measure id from GET /api/v1/measures.")


class WhatIfRequest(_In):
    assessment: Assessment
    changes: dict[str, Any] = Field(alias="set", min_length=1, max_length=64,
                                    description="Fact path → new value (as JSON; null = unknown), e.g. {\"okonomi.inntektskilder\": [\"uforetrygd\"]}.")


class DiffRequest(_In):
    before: Assessment
    after: Assessment


class CaseCreate(_In):
    ref: str = Field(description="The coordinator's own reference: 1-64 letters, digits, '.', '_' or '-'; "
                                 "never a national id number (11 digits are refused).")
    assessment: Assessment | None = Field(None, description="The first assessment (version 1); leave out to start empty.")


class VersionCreate(_In):
    based_on: VersionNumber = Field(description="The version this assessment was made from (the current one, or 409).")
    assessment: Assessment


class DecisionsSave(_In):
    based_on: VersionNumber = Field(description="The version whose strategy the people decided on (the current one, or 409).")
    decisions: Decisions


class NoteCreate(_In):
    text: str = Field(min_length=1, max_length=5000, pattern=r"\S")


class DraftSave(_In):
    based_on: VersionNumber = Field(description="The version the coordinator is editing from.")
    data: dict[str, Any] = Field(description="What has been typed so far, as the page holds it; not checked until it is saved.")


# -- responses --------------------------------------------------------------------

class Health(BaseModel):
    status: Literal["ok"] = "ok"


class RulesetOut(BaseModel):
    id: str
    version: str
    sha256: str
    overrides: list[str]


class VersionInfo(BaseModel):
    """What answers: the engine, the ruleset and the schemas."""

    name: Literal["ibp-rules"] = "ibp-rules"
    version: str
    api: Literal["v1"] = "v1"
    ruleset: RulesetOut
    assessment_schema_version: int
    strategy_schema_version: int
    store_schema_version: int


class ReloadOut(BaseModel):
    changed: bool
    previous_sha256: str
    ruleset: RulesetOut
    engines_built: int = Field(description="Engines this process built since it started (one per distinct ruleset).")


class RuleOut(BaseModel):
    id: str
    title: Text
    reads: list[str] = Field(description="Pillars whose facts the rule reads.")
    then: list[str] = Field(description="Ids it suggests, derives, excludes or gives as tasks.")
    relation: str | None
    source: str


class ExplainResponse(BaseModel):
    status: Literal["suggested", "excluded", "already_in_place", "not_suggested"]
    explanation: MeasureExplanation
    text: str = Field(description="The explanation for a person, in the requested language (as `ibp explain`).")


class SetChange(BaseModel):
    path: str
    before: Any
    after: Any


class ChangedMeasure(BaseModel):
    id: str
    fields: list[str]
    before: dict[str, Any]
    after: dict[str, Any]


class StartChange(BaseModel):
    before: list[str]
    after: list[str]


class FindingsChange(BaseModel):
    added: list[str]
    removed: list[str]


class StrategyDiffOut(BaseModel):
    """What differs between two strategies (as `ibp diff --format json`)."""

    model_config = ConfigDict(extra="forbid")

    added: list[str]
    removed: list[str]
    changed: list[ChangedMeasure]
    start_with: StartChange
    findings: FindingsChange


class WhatIfResponse(BaseModel):
    set: list[SetChange]
    diff: StrategyDiffOut
    assessment: StoredAssessment = Field(description="The assessment with the changes, to save as a new version if wanted.")
    text: str


class DiffResponse(BaseModel):
    facts: list[SetChange] = Field(description="Assessment fields that differ.")
    diff: StrategyDiffOut
    text: str


class CaseSummary(BaseModel):
    ref: str
    created_at: str
    updated_at: str
    current_version: int
    goals: list[str] = []
    start_with: list[str] = []
    stages: int = 0
    measures: int = 0


class CaseList(BaseModel):
    cases: list[CaseSummary]


class VersionMetaOut(BaseModel):
    number: int
    based_on: int
    kind: Literal["assessment", "decisions"]
    created_at: str
    ruleset_sha256: str


class NoteOut(BaseModel):
    id: int
    version: int
    created_at: str
    text: str


class DraftMeta(BaseModel):
    kind: Literal["assessment", "decisions", "note"]
    based_on: int
    updated_at: str
    stale: bool = Field(description="True when the case has a newer version than the draft was based on.")


class DraftOut(DraftMeta):
    data: dict[str, Any]


class CaseDetail(BaseModel):
    ref: str
    created_at: str
    updated_at: str
    current_version: int
    versions: list[VersionMetaOut]
    notes: list[NoteOut]
    drafts: list[DraftMeta]


class VersionDetail(BaseModel):
    ref: str
    number: int
    based_on: int
    kind: Literal["assessment", "decisions"]
    created_at: str
    current: bool
    engine_version: str
    ruleset: RulesetOut
    assessment: StoredAssessment
    strategy: StoredStrategy
    decisions: StoredDecisions


class DecisionChange(BaseModel):
    measure: str
    before: str | None
    after: str | None


class HistoryOut(BaseModel):
    """What changed between two versions of a case."""

    ref: str
    from_: int = Field(alias="from", serialization_alias="from")
    to: int
    ruleset_changed: bool
    facts: list[SetChange]
    diff: StrategyDiffOut
    decisions: list[DecisionChange]
    text: str

    model_config = ConfigDict(populate_by_name=True)


class DeleteOut(BaseModel):
    deleted: bool = True
    purged: bool = Field(description="False when another reader kept the write-ahead log from being emptied at once; "
                                     "the next checkpoint empties it.")


#: the library's models the API documents (beside those above)
LIBRARY_MODELS: dict[str, type[Any]] = {"Assessment": Assessment, "Decisions": Decisions}
