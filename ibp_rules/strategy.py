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

from .caches import TwoGenerations
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
        (a test compares both over every worked and rule case), put together
        from the JSON of each part (:func:`json_of`): a part the engine
        shares between strategies is serialized once, not once per strategy
        — in a caseload that is most of the output, and serializing was the
        largest single cost of a batch record.
        """
        return _assemble(self, compact)


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


#: the JSON of the output objects the engine shares between strategies, by
#: id, with the object itself (which keeps the id from being reused):
#: [object, full JSON, compact JSON], each made when first needed
_SHARED: TwoGenerations[int, list[Any]] = TwoGenerations(4_096)


def share(obj: BaseModel) -> None:
    """Mark an immutable output object as shared between strategies, so that
    its JSON is made once (:func:`json_of`)."""
    _SHARED.put(id(obj), [obj, None, None])


def json_of(obj: BaseModel, compact: bool = False) -> bytes:
    """An output object as JSON (``compact``: without :data:`COMPACT_EXCLUDE`),
    once for a shared object; the same bytes as pydantic's serializer."""
    entry = _SHARED.young.get(id(obj)) or _SHARED.get(id(obj))
    if entry is None or entry[0] is not obj:
        if type(obj) in _LONG_LIVED:  # few, and in every strategy
            entry = [obj, None, None]
            _SHARED.put(id(obj), entry)
        else:
            return _serialize(obj, compact)
    slot = 2 if compact else 1
    text: bytes | None = entry[slot]
    if text is None:
        text = entry[slot] = _serialize(obj, compact)
    return text


def _serialize(obj: BaseModel, compact: bool) -> bytes:
    """Put a strategy or an item holding reasons together from its parts'
    JSON; anything smaller goes to pydantic's serializer whole (a Python
    loop over its fields is slower than that when none of them is shared)."""
    if type(obj) in _ASSEMBLED:
        return _assemble(obj, compact)
    if compact:
        return obj.__pydantic_serializer__.to_json(obj, by_alias=True, exclude=_exclude_tree(type(obj)), exclude_none=True)
    return obj.__pydantic_serializer__.to_json(obj, by_alias=True)


#: types whose objects come from the ruleset or the engine (few, long-lived):
#: their JSON is kept even when the engine did not share them
_LONG_LIVED = frozenset({Text, EngineInfo, RulesetInfo})
#: how a field is written: a plain value, one output object (or null), a list of them
_PLAIN, _ONE, _MANY = 0, 1, 2
_Plan = tuple[tuple[str, bytes, int], ...]
_PLANS: dict[tuple[type[BaseModel], bool], _Plan] = {}


def _assemble(obj: BaseModel, compact: bool) -> bytes:
    """JSON of a model from the JSON of its parts, field by field as pydantic writes it
    (aliases, field order; ``compact``: excluded fields and ``None`` values left out)."""
    plan = _PLANS.get((type(obj), compact)) or _plan(type(obj), compact)
    fields = obj.__dict__
    parts = []
    for name, key, kind in plan:
        value = fields[name]
        if value is None:
            if not compact:
                parts.append(key + b"null")
        elif kind == _MANY:
            parts.append(key + b"[" + b",".join([json_of(v, compact) for v in value]) + b"]")
        elif kind == _ONE:
            parts.append(key + json_of(value, compact))
        else:
            parts.append(key + to_json(value))
    return b"{" + b",".join(parts) + b"}"


_EXCLUDE_TREES: dict[type[BaseModel], dict[str, Any]] = {}


def _exclude_tree(model: type[BaseModel]) -> dict[str, Any]:
    """What the compact form leaves out of one ``model``, as pydantic's ``exclude`` argument."""
    tree = _EXCLUDE_TREES.get(model)
    if tree is None:
        tree = dict.fromkeys(_COMPACT_OMIT.get(model, ()), True)
        for name, info in model.model_fields.items():
            inner, many = _model_in(info.annotation)
            if name not in tree and inner is not None and (sub := _exclude_tree(inner)):
                tree[name] = {"__all__": sub} if many else sub
        _EXCLUDE_TREES[model] = tree
    return tree


def _plan(model: type[BaseModel], compact: bool) -> _Plan:
    """The fields of ``model`` as :func:`_assemble` writes them: name, ``"key":``, kind."""
    omit = _COMPACT_OMIT.get(model, set()) if compact else set()
    out = []
    for name, info in model.model_fields.items():
        if name in omit:
            continue
        key = to_json(info.serialization_alias or info.alias or name) + b":"
        out.append((name, key, _kind(info.annotation)))
    plan = _PLANS[(model, compact)] = tuple(out)
    return plan


def _model_in(annotation: Any) -> tuple[type[BaseModel] | None, bool]:
    """The model type inside a field's annotation (``M``, ``M | None``, ``list[M]``), and whether it is a list."""
    origin = getattr(annotation, "__origin__", None)
    args: tuple[Any, ...] = getattr(annotation, "__args__", ())
    if origin is list:
        inner, _ = _model_in(args[0])
        return inner, inner is not None
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation, False
    models = [a for a in args if isinstance(a, type) and issubclass(a, BaseModel)]
    if len(models) == 1 and all(a is type(None) or a is models[0] for a in args):
        return models[0], False
    return None, False


def _kind(annotation: Any) -> int:
    model, many = _model_in(annotation)
    return _PLAIN if model is None else _MANY if many else _ONE


def _compact_omit() -> dict[type[BaseModel], set[str]]:
    """:data:`COMPACT_EXCLUDE` (an exclude tree from the strategy down) as the fields left out per model type.

    A model type appears in several places of a strategy (a reason under a
    measure, a finding, a task); the tree leaves out the same fields of it
    everywhere, and this refuses a tree that does not.
    """
    omit: dict[type[BaseModel], set[str]] = {}

    def walk(model: type[BaseModel], rule: dict[str, Any]) -> None:
        here = {name for name, sub in rule.items() if sub is True}
        if omit.setdefault(model, here) != here:
            raise AssertionError(f"COMPACT_EXCLUDE leaves out different fields of {model.__name__} in different places")
        for name, sub in rule.items():
            if sub is True:
                continue
            inner, many = _model_in(model.model_fields[name].annotation)
            assert inner is not None, name
            if many:
                sub = sub["__all__"]
            walk(inner, dict.fromkeys(sub, True) if isinstance(sub, (set, frozenset)) else sub)

    walk(Strategy, COMPACT_EXCLUDE)
    return omit


_COMPACT_OMIT = _compact_omit()
#: the types :func:`_serialize` puts together from their parts: the strategy
#: and every item that holds reasons (each reason is shared, and large)
_ASSEMBLED = frozenset({Strategy, SuggestedMeasure, Finding, InPlaceMeasure, CoordinatorTask, ExcludedMeasure})
