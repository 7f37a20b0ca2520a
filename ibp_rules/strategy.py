"""The suggested strategy: the engine's output and its JSON contract.

Everything here is a *suggestion* to be discussed with the user: nothing is
an eligibility decision (NAV, Husbanken and the municipality decide), and
nothing scores or ranks the person. Every list is sorted deterministically,
so the same input and rulesets give byte-identical JSON.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field
from pydantic_core import to_json

from .text import Text

STRATEGY_SCHEMA_VERSION = 4

NOTICE = Text(
    nb="Dette er forslag til en strategi, ikke vedtak. Brukeren og koordinatoren bestemmer; "
    "NAV, Husbanken og kommunen avgjør søknader.",
    en="These are suggestions for a strategy, not decisions. The user and the coordinator decide; "
    "NAV, Husbanken and the municipality decide on applications.",
)


class _Out(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class FactValue(_Out):
    """A fact a rule read and its value (``null`` = unknown)."""

    path: str = Field(description="Assessment path, or 'derived.<id>' for a derived fact.")
    value: Any = Field(description="The value read; true/false for a derived fact's presence.")
    test: str = Field(description="The clause that held, e.g. 'helse.arbeidsevne = nedsatt_varig'.")
    derived_by: list[str] | None = Field(None, description="Rules that derived this fact (derived facts only).")


class RelationNote(_Out):
    """The pillar relation a rule crosses and what it means here."""

    id: str
    from_: str = Field(alias="from", serialization_alias="from")
    to: str
    role: Literal["barrier", "solution"]
    text: Text

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


class Why(_Out):
    """One reason for a suggestion: the rule, the facts, the relation, the source."""

    rule: str
    title: Text
    facts: list[FactValue]
    relation: RelationNote | None
    source: str
    text: Text


class PartnerUse(_Out):
    id: str
    form: Literal["informasjon", "tilgang", "samordning"]


class PrerequisiteStatus(_Out):
    """A catalogue prerequisite of a suggested measure, and where it stands."""

    measure: str | None = None
    fact: str | None = None
    kind: Literal["hard", "soft"]
    status: Literal["met", "planned", "check"] = Field(
        description="met: already in place; planned: a suggested measure meets it first; check: open, to be checked."
    )
    by: list[str] = Field(description="Suggested measures that meet it (status planned).")
    check: Text
    source: str


class SuggestedMeasure(_Out):
    id: str
    title: Text
    pillar: str
    administered_by: str
    phase: Literal["oppstart", "oppfolging", "avslutning"]
    stage: int = Field(ge=0, description="0-based; measures in one stage run in parallel.")
    requires: list[str] = Field(description="Suggested measures that must come first (hard prerequisites).")
    prerequisites: list[PrerequisiteStatus]
    partners: list[PartnerUse]
    to_check: list[Text] = Field(description="What the deciding service looks at and the assessment leaves open; to check, not decided here.")
    settled: list[Text] = Field(description="Checks the assessment already settles (shown as settled, not as open).")
    alternative_to: list[str] = Field(
        description="The user's goals this measure is an alternative to (it is not a route to what they said they want); empty: a main route."
    )
    confirmed: bool = Field(description="False where the catalogue marks the scheme's details as unconfirmed.")
    why: list[Why]


class InPlaceMeasure(_Out):
    """A measure the person already has: never suggested again; its service is a partner to coordinate with."""

    id: str
    title: Text
    pillar: str
    partners: list[PartnerUse]
    recorded: bool = Field(description="True when listed in the assessment's tiltak_mottatt (not found by a rule).")
    why: list[Why]


class NotWanted(_Out):
    """A measure left out because the user does not want it (or a goal it serves)."""

    id: str
    title: Text
    goals: list[str] = Field(description="The goals the user does not want that this measure serves; empty when the measure itself was declined.")


class Tension(_Out):
    """Suggestions that pull against each other, or against one of the user's goals: to talk through."""

    measures: list[str]
    goals: list[str]
    text: Text


class CoordinatorTask(_Out):
    """Something the IBP coordinator does, in a phase of the method (veileder §4.1.2)."""

    id: str
    title: Text
    description: Text
    phase: Literal["oppstart", "oppfolging", "avslutning"]
    why: list[Why]


class ExcludedMeasure(_Out):
    """A measure a rule suggested but a guard left out, and why.

    Shown so that the coordinator sees what was considered; the guard says
    what is known that rules it out, never that the person is "not eligible".
    """

    id: str
    title: Text
    why: list[Why]


class PartnerSummary(_Out):
    id: str
    title: Text
    pillar: str
    forms: list[Literal["informasjon", "tilgang", "samordning"]]
    measures: list[str]


class Finding(_Out):
    """A barrier or resource the rules derived, with its reasons."""

    id: str
    kind: Literal["barrier", "resource"]
    pillar: str
    title: Text
    blocks: list[str]
    why: list[Why]


class PillarNeeds(_Out):
    """Needs described per pillar (never a score)."""

    pillar: str
    title: Text
    barriers: list[str]
    resources: list[str]
    measures: list[str]


class StartReason(_Out):
    pillar: str
    barriers: list[str]
    blocks: list[str]


class EngineInfo(_Out):
    name: Literal["ibp-rules"] = "ibp-rules"
    version: str


class RulesetLayer(_Out):
    """A folder that adds to the base ruleset (a municipality's rules), by its own manifest."""

    id: str
    version: str


class RulesetInfo(_Out):
    """Which knowledge produced the strategy, so it can be explained later."""

    id: str
    version: str
    sha256: str = Field(description="Hash of every rule file's path and bytes.")
    overrides: list[str] = Field(description="Built-in items replaced from another folder, as 'kind:id'.")
    layers: list[RulesetLayer] = Field(default=[], description="Folders that extend the base ruleset, by their "
                                       "manifest's id and version (sorted by id).")


class OpenQuestion(_Out):
    """An unknown field whose answer could change the plan, and what it could change.

    Computed from the compiled rule conditions with three-valued logic: a
    rule that could fire (or stop firing) once the field is known. Nothing
    here is assumed about the answer; the coordinator asks.
    """

    path: str = Field(description="Assessment field path, e.g. 'okonomi.betalingsproblemer'.")
    measures: list[str] = Field(description="Measures the answer could add or remove (adds ∪ removes).")
    adds: list[str] = Field(description="Measures not suggested now that the answer could bring in.")
    removes: list[str] = Field(description="Measures suggested now that the answer could take out.")
    tasks: list[str] = Field(description="Coordinator tasks the answer could add or remove.")
    rules: list[str] = Field(description="The rules whose outcome depends on the answer.")


class Strategy(_Out):
    """A suggested IBP strategy for one assessment."""

    model_config = ConfigDict(extra="forbid", frozen=True, title="IBP strategy")

    schema_version: int = STRATEGY_SCHEMA_VERSION
    engine: EngineInfo
    ruleset: RulesetInfo
    notice: Text = NOTICE
    goals: list[str] = Field(description="The user's own goals, which steer the strategy.")
    start_with: list[str] = Field(description="Pillar ids to start with.")
    start_reason: list[StartReason]
    needs: list[PillarNeeds]
    findings: list[Finding]
    stages: int = Field(ge=0, description="Number of stages; 0 when nothing is suggested.")
    measures: list[SuggestedMeasure]
    partners: list[PartnerSummary]
    already_in_place: list[InPlaceMeasure] = Field(
        description="What the person already has (an income, a service): never suggested again, its partners coordinated with."
    )
    excluded: list[ExcludedMeasure] = Field(description="Suggested by a rule but ruled out by what is known (a guard rule).")
    not_wanted: list[NotWanted] = Field(description="Left out because the user said they do not want it.")
    tensions: list[Tension] = Field(description="Parts of the plan that pull against each other or against the user's goals.")
    tasks: list[CoordinatorTask] = Field(description="The coordinator's own tasks, by phase.")
    open_questions: list[OpenQuestion] = Field(
        description="Unknown fields whose answers could change the plan, in assessment order."
    )

    def to_json(self) -> str:
        """Canonical JSON (UTF-8 text, two-space indent, trailing newline)."""
        return self.model_dump_json(indent=2, by_alias=True) + "\n"

    def to_json_line(self, compact: bool = False) -> bytes:
        """One line of UTF-8 JSON for JSON Lines output; ``compact`` leaves out
        the texts that come from the ruleset (see :data:`COMPACT_EXCLUDE`).

        The same bytes as pydantic's serializer gives for the whole model
        (a test compares both), put together from the JSON of each part: a
        part the engine shares between strategies (see :func:`share`) is
        serialized once, not once per strategy — in a caseload that is most
        of the output, and serializing was the largest single cost of a
        batch record.
        """
        parts = []
        for name, key, items, exclude in _LINE_FIELDS[compact]:
            value = getattr(self, name)
            if items is not None:
                parts.append(key + b"[" + b",".join([_part_json(v, compact, exclude) for v in value]) + b"]")
            else:
                parts.append(key + to_json(value, by_alias=True, exclude_none=compact))
        return b"{" + b",".join(parts) + b"}"


def strategy_json_schema() -> dict[str, Any]:
    schema = Strategy.model_json_schema(by_alias=True, mode="serialization")
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    return schema


_WHY = {"__all__": {"title": True, "text": True, "source": True, "relation": {"text"}, "facts": {"__all__": {"test"}}}}

#: What ``Strategy.to_json_line(compact=True)`` leaves out: every text that
#: comes from the ruleset (titles, rationales, relation meanings, checks, a
#: reason's source and the wording of each test) and empty values. Ids,
#: stages, phases, partners and forms, rule ids, the facts read and their
#: values stay; the rest can be looked up by id in the ruleset named by
#: ``ruleset.sha256``.
COMPACT_EXCLUDE: dict[str, Any] = {
    "notice": True,
    "needs": {"__all__": {"title"}},
    "findings": {"__all__": {"title": True, "why": _WHY}},
    "measures": {"__all__": {"title": True, "to_check": True, "settled": True, "why": _WHY, "prerequisites": {"__all__": {"check"}}}},
    "partners": {"__all__": {"title"}},
    "excluded": {"__all__": {"title": True, "why": _WHY}},
    "already_in_place": {"__all__": {"title": True, "why": _WHY}},
    "not_wanted": {"__all__": {"title"}},
    "tensions": {"__all__": {"text"}},
    "tasks": {"__all__": {"title": True, "description": True, "why": _WHY}},
}


#: the output objects the engine shares between strategies (by id, with the
#: object itself, which keeps the id from being reused) and their JSON, made
#: when first needed: [object, full JSON, compact JSON]
_SHARED: dict[int, list[Any]] = {}
#: bound on :data:`_SHARED` (cleared when full, as the engine's own cache)
SHARED_JSON_SIZE = 4_096


def share(obj: _Out) -> None:
    """Mark an immutable output object as shared between strategies, so that
    :meth:`Strategy.to_json_line` serializes it once."""
    if type(obj) not in _ITEM_TYPES:
        return  # a part of a part (a partner use): its JSON is inside its owner's
    if len(_SHARED) >= SHARED_JSON_SIZE:
        _SHARED.clear()
    _SHARED[id(obj)] = [obj, None, None]


def _part_json(obj: _Out, compact: bool, exclude: Any) -> bytes:
    """One list item of a strategy as JSON (once, for a shared object)."""
    entry = _SHARED.get(id(obj))
    if entry is None or entry[0] is not obj:
        return obj.__pydantic_serializer__.to_json(obj, by_alias=True, exclude=exclude, exclude_none=compact)
    slot = 2 if compact else 1
    text: bytes | None = entry[slot]
    if text is None:
        text = entry[slot] = obj.__pydantic_serializer__.to_json(obj, by_alias=True, exclude=exclude, exclude_none=compact)
    return text


def _line_fields(compact: bool) -> tuple[tuple[str, bytes, type[_Out] | None, Any], ...]:
    """The fields a line holds, in order: name, ``"name":`` as JSON, the
    item type of a list of output objects (serialized item by item; None for
    any other field) and what is left out of each item."""
    out = []
    for name, info in Strategy.model_fields.items():
        rule = COMPACT_EXCLUDE.get(name) if compact else None
        if rule is True:
            continue
        args: tuple[Any, ...] = getattr(info.annotation, "__args__", ())
        listed = getattr(info.annotation, "__origin__", None) is list and isinstance(args[0], type) and issubclass(args[0], _Out)
        items: type[_Out] | None = args[0] if listed else None
        assert items is not None or rule is None, name
        out.append((name, to_json(info.serialization_alias or name) + b":", items, rule["__all__"] if rule else None))
    return tuple(out)


_LINE_FIELDS = {False: _line_fields(False), True: _line_fields(True)}
#: the types of the list items of a strategy (the only parts whose JSON is kept)
_ITEM_TYPES = frozenset(items for _name, _key, items, _x in _LINE_FIELDS[False] if items is not None)
