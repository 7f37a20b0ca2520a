"""The schema of the files in ``rulesets/``, written by domain people.

Each YAML file says what it holds with ``kind:`` (``ruleset``, ``pillars``,
``partners``, ``measures``, ``facts``, ``tasks``, ``parameters`` or
``rules``), so a municipality can
lay its files out as it likes. The models only check the *shape* of each
file; cross-references (a rule naming a measure, a measure naming a partner)
are checked when the files are linked in :mod:`ibp_rules.ruleset`.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, field_validator, model_validator

from .assessment import Goal
from .text import Text

PILLAR_IDS: tuple[str, ...] = ("bolig", "okonomi", "helse", "arbeid_utdanning")
PHASES: tuple[str, ...] = ("oppstart", "oppfolging", "avslutning")
FORMS: tuple[str, ...] = ("informasjon", "tilgang", "samordning")

PillarId = Literal["bolig", "okonomi", "helse", "arbeid_utdanning"]
Phase = Literal["oppstart", "oppfolging", "avslutning"]
Form = Literal["informasjon", "tilgang", "samordning"]
Slug = Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]{1,63}$")]
RuleId = Annotated[str, Field(pattern=r"^[a-z][a-z0-9]*(-[a-z0-9]+)*$", max_length=80)]

_PLACEHOLDERS = {"todo", "tbd", "fixme", "xxx", "?", "-", "n/a", "unknown", "ukjent"}


class _File(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def _check_source(value: str) -> str:
    if value.strip().lower() in _PLACEHOLDERS or len(value.strip()) < 3:
        raise ValueError("a real source reference is required (for example 'veileder §4.1.1'), not a placeholder")
    return value.strip()


#: a reference to where a rule or item comes from; placeholders are refused
Source = Annotated[str, Field(min_length=3, max_length=300), AfterValidator(_check_source)]


class RulesetManifest(_File):
    """What a folder of rule files is: its id, version and title.

    The base ruleset's manifest has no ``extends``. A municipality's folder
    may have its own manifest saying which ruleset it adds to (``extends:
    ibp_standard``): it is then a *layer*, checked and recorded by id and
    version in every strategy, whatever the order the folders are given in.
    """

    kind: Literal["ruleset"]
    id: Slug
    version: Annotated[str, Field(pattern=r"^\d+\.\d+\.\d+([.-][0-9A-Za-z.-]+)?$")]
    title: Text
    description: Text | None = None
    #: the id of the ruleset this folder adds to (a municipal layer)
    extends: Slug | None = None


class Pillar(_File):
    id: PillarId
    title: Text
    description: Text


class RelationDirection(_File):
    """What one pillar can mean for another: as a barrier and as a solution."""

    from_: PillarId = Field(alias="from")
    to: PillarId
    barrier: Text
    solution: Text


class Relation(_File):
    between: tuple[PillarId, PillarId]
    title: Text
    source: Source
    directions: tuple[RelationDirection, RelationDirection]

    @model_validator(mode="after")
    def _directions_match(self) -> Relation:
        a, b = self.between
        if a == b:
            raise ValueError("a relation joins two different pillars")
        got = {(d.from_, d.to) for d in self.directions}
        if got != {(a, b), (b, a)}:
            raise ValueError(f"directions must be exactly {a}→{b} and {b}→{a}")
        return self


class PillarsFile(_File):
    kind: Literal["pillars"]
    pillars: list[Pillar]
    relations: list[Relation]


class Partner(_File):
    """A service the coordinator works with.

    ``in_place_when`` is a condition (rule language) under which the
    assessment says the person already has this service (a GP, a guardian).
    Read on known facts only: then a suggestion that would get the person
    access to it (``tilgang``) coordinates with it instead (``samordning``);
    while the fact is unknown, nothing changes.
    """

    id: Slug
    title: Text
    description: Text
    pillar: PillarId | Literal["annet"]
    source: Source
    override: bool = False
    in_place_when: Any = None


class PartnersFile(_File):
    kind: Literal["partners"]
    partners: list[Partner]


class Prerequisite(_File):
    """Something a measure needs first: another measure or a derived fact.

    ``hard`` prerequisites (a legal or practical precondition) order the plan
    into stages; ``soft`` ones are advice the coordinator may override and
    never delay anything. ``settled_by`` is a condition (rule language) under
    which the assessment itself settles it: then it is shown as met, not as
    something to check.
    """

    measure: Slug | None = None
    fact: Slug | None = None
    kind: Literal["hard", "soft"]
    check: Text
    source: Source
    settled_by: Any = None

    @model_validator(mode="after")
    def _one_target(self) -> Prerequisite:
        if (self.measure is None) == (self.fact is None):
            raise ValueError("give exactly one of 'measure' or 'fact'")
        return self


class Precondition(_File):
    """Something the deciding service looks at, and the facts that settle it.

    Shown as "to check" unless ``settled_by`` (a condition in the rule
    language) holds for the assessment: then it is shown as settled. It never
    decides anything; a hard condition known to be unmet is a guard rule's job.
    """

    text: Text
    settled_by: Any = None


class Tension(_File):
    """A measure that pulls against another measure or against one of the user's goals."""

    measure: Slug | None = None
    goal: Goal | None = None
    text: Text

    @model_validator(mode="after")
    def _one_target(self) -> Tension:
        if (self.measure is None) == (self.goal is None):
            raise ValueError("give exactly one of 'measure' or 'goal'")
        return self


class Measure(_File):
    id: Slug
    title: Text
    description: Text
    pillar: PillarId | Literal["annet"]
    partner: Slug
    phase: Phase = "oppfolging"
    requires: list[Prerequisite] = []
    provides: list[Slug] = []
    #: what the deciding service looks at: shown as "to check", never decided here
    preconditions: list[Text | Precondition] = []
    #: the user's goals this measure is a route to; a measure whose every such
    #: goal the user does not want is left out (``mal.onsker_ikke``)
    serves: list[Goal] = []
    #: goals this measure is an *alternative* to: when the user has one of them
    #: (and none it serves), it is marked as an alternative, not the main route
    alternative_to: list[Goal] = []
    #: measures or goals it pulls against; flagged when both are in the plan
    tensions: list[Tension] = []
    #: an informal first contact (veileder §4.2) that belongs in the first stage
    #: even when this measure must wait: suggested with it automatically
    first_contact: Slug | None = None
    confirmed: bool = True
    #: ids this measure had before (folded into it): an assessment that still
    #: records an old id (received, or not wanted) reads as this measure, so
    #: stored cases keep working when the catalogue is tidied
    replaces: list[Slug] = []
    source: Source
    override: bool = False


class MeasuresFile(_File):
    kind: Literal["measures"]
    measures: list[Measure]


class DerivedFact(_File):
    """A conclusion rules draw and other rules chain on: a barrier or a resource."""

    id: Slug
    kind: Literal["barrier", "resource"]
    pillar: PillarId
    title: Text
    blocks: list[PillarId] = []
    override: bool = False

    @model_validator(mode="after")
    def _blocks_only_for_barriers(self) -> DerivedFact:
        if self.kind == "resource" and self.blocks:
            raise ValueError("only a barrier blocks pillars")
        if self.pillar in self.blocks:
            raise ValueError("a barrier blocks other pillars, not its own")
        return self


class FactsFile(_File):
    kind: Literal["facts"]
    facts: list[DerivedFact]


class Task(_File):
    """Something the IBP coordinator does in a phase of the method.

    Tasks are not welfare measures: no partner administers them. They make
    the method's process visible in the plan (veileder §4.1.2): mapping and
    goals in oppstart, follow-up in oppfølging, evaluation and an open door
    in avslutning.
    """

    id: Slug
    title: Text
    description: Text
    phase: Phase
    source: Source
    override: bool = False


class TasksFile(_File):
    kind: Literal["tasks"]
    tasks: list[Task]


class ParameterValue(_File):
    """One value of a parameter, in force from a date, with its reference."""

    from_: dt.date = Field(alias="from")
    value: float
    source: Source
    confirmed: bool = True


class Parameter(_File):
    """A figure that changes over time (grunnbeløpet, guideline rates).

    Kept as dated values with their source so that no rule or text hides an
    outdated constant; the value in force on a date is the latest one that
    started on or before it.
    """

    id: Slug
    title: Text
    unit: Text
    values: Annotated[list[ParameterValue], Field(min_length=1)]
    note: Text | None = None
    override: bool = False

    @model_validator(mode="after")
    def _dates_increase(self) -> Parameter:
        dates = [v.from_ for v in self.values]
        if dates != sorted(set(dates)):
            raise ValueError("values must be listed oldest first, one per date")
        return self

    def value_on(self, day: dt.date) -> ParameterValue | None:
        """The value in force on ``day`` (None before the first)."""
        current = None
        for v in self.values:
            if v.from_ <= day:
                current = v
        return current


class CoverageNote(_File):
    """Why a catalogue item or an assessment field is deliberately not used by any rule."""

    item: Annotated[str, Field(pattern=r"^((measure|partner|field|task|fact):[a-z][a-z0-9_.]*|relation:[a-z_]+>[a-z_]+:(barrier|solution))$")]
    reason: Text


class CoverageFile(_File):
    kind: Literal["coverage"]
    notes: list[CoverageNote]


class ParametersFile(_File):
    kind: Literal["parameters"]
    parameters: list[Parameter]


class PartnerRef(_File):
    id: Slug
    form: Form


class Action(_File):
    """One thing a rule does when it fires.

    ``suggest`` a measure (with partners, collaboration form and phase),
    ``derive`` a barrier or resource other rules chain on, give the
    coordinator a ``task``, or ``exclude`` a measure whose exclusion is known
    (a guard: it is left out of the strategy and the reason shown).
    """

    suggest: Slug | None = None
    partners: list[PartnerRef] = []
    phase: Phase | None = None
    derive: Slug | None = None
    task: Slug | None = None
    exclude: Slug | None = None
    #: a measure the person already has (an income, a service): never suggested
    #: again, shown as in place, its partners brought in (usually samordning)
    in_place: Slug | None = None

    @model_validator(mode="after")
    def _one_kind(self) -> Action:
        given = [k for k in ACTION_KINDS if getattr(self, k) is not None]
        if len(given) != 1:
            raise ValueError("an action does exactly one of: 'suggest' a measure, 'derive' a fact, give a 'task', "
                             "'exclude' a measure, record a measure as 'in_place'")
        if self.suggest is None and self.phase:
            raise ValueError("'phase' belongs to a 'suggest' action")
        if self.suggest is None and self.in_place is None and self.partners:
            raise ValueError("'partners' belong to a 'suggest' or 'in_place' action")
        return self

    @property
    def kind(self) -> str:
        """Which of the five kinds of action this is."""
        return next(k for k in ACTION_KINDS if getattr(self, k) is not None)

    @property
    def target(self) -> str:
        """The id the action names."""
        value = getattr(self, self.kind)
        assert isinstance(value, str)
        return value


ACTION_KINDS = ("suggest", "derive", "task", "exclude", "in_place")


class TextVariant(_File):
    """A rationale for when a condition holds: the text fits the facts of the person."""

    when: Any
    text: Text


class RelationRef(_File):
    from_: PillarId = Field(alias="from")
    to: PillarId
    role: Literal["barrier", "solution"]

    @model_validator(mode="after")
    def _two_pillars(self) -> RelationRef:
        if self.from_ == self.to:
            raise ValueError("a relation joins two different pillars")
        return self


class Rule(_File):
    id: RuleId
    title: Text
    when: Any
    then: Annotated[list[Action], Field(min_length=1)]
    rationale: Text
    #: texts chosen by the facts: the first whose condition holds replaces the
    #: rationale, so a reason never states what the assessment does not say
    rationale_by_fact: list[TextVariant] = []
    relation: RelationRef | None = None
    source: Source
    status: Literal["preview", "stable", "deprecated"] = "stable"
    since: dt.date | None = None
    #: replace the rule of the same id from another folder (explicit, reported)
    override: bool = False

    @field_validator("when")
    @classmethod
    def _when_present(cls, v: Any) -> Any:
        if v is None:
            raise ValueError("a rule needs a condition ('when')")
        return v


class RulesFile(_File):
    kind: Literal["rules"]
    rules: list[Rule]


FILE_MODELS: dict[str, type[_File]] = {
    "ruleset": RulesetManifest,
    "pillars": PillarsFile,
    "partners": PartnersFile,
    "measures": MeasuresFile,
    "facts": FactsFile,
    "tasks": TasksFile,
    "parameters": ParametersFile,
    "coverage": CoverageFile,
    "rules": RulesFile,
}
