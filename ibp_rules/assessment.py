"""The assessment: what the coordinator and the user know about the situation.

One section per pillar, plus the household, the target groups and the user's
own goals. Every fact may be *unknown*: ``None`` (or leaving the field out)
means "vet ikke", which is different from ``false`` or an empty list ("no" /
"none"). Rules only act on what is known, so an unknown never silently
counts as a "no".

Field names are Norwegian domain slugs because rule authors write them in
rule files (``helse.arbeidsevne``); descriptions are English for developers.
There is deliberately no field for a name, a national id number or an
address: the method does not need them (data minimisation). Health is kept to
coarse categories, never diagnoses.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, StrictBool, StrictFloat, StrictInt, StringConstraints, model_validator

from .yaml_source import Located

#: Version 2 (this one) added transitions with dates, age, new income
#: sources, joint debt, an unsafe home apart from violence, what the person
#: does not want, consent to share and a household member with a disability.
#: Version 1 files (no ``schema_version`` key) are upgraded when read, see
#: :func:`upgrade`.
ASSESSMENT_SCHEMA_VERSION = 2


class Slug(StrEnum):
    """Base for the closed vocabularies; values are the domain ids."""

    def __str__(self) -> str:  # pragma: no cover - cosmetic
        return self.value


class TargetGroup(Slug):
    rus = "rus"
    introduksjon = "introduksjon"
    krisesenter = "krisesenter"
    loslatelse = "loslatelse"
    enslig_forsorger = "enslig_forsorger"


class HousingSituation(Slug):
    kommunal_gjennomgangsbolig = "kommunal_gjennomgangsbolig"
    kommunal_utleiebolig = "kommunal_utleiebolig"
    privat_leie = "privat_leie"
    eid = "eid"
    krisesenter = "krisesenter"
    institusjon = "institusjon"
    fengsel = "fengsel"
    uten_fast_bolig = "uten_fast_bolig"
    hos_familie_venner = "hos_familie_venner"
    annet = "annet"


class Level(Slug):
    lav = "lav"
    moderat = "moderat"
    hoy = "hoy"


class IncomeSource(Slug):
    arbeid = "arbeid"
    aap = "aap"
    uforetrygd = "uforetrygd"
    sosialhjelp = "sosialhjelp"
    introduksjonsstonad = "introduksjonsstonad"
    overgangsstonad = "overgangsstonad"
    dagpenger = "dagpenger"
    kvalifiseringsstonad = "kvalifiseringsstonad"
    sykepenger = "sykepenger"
    alderspensjon = "alderspensjon"
    studiefinansiering = "studiefinansiering"
    barnetrygd = "barnetrygd"
    barnebidrag = "barnebidrag"
    bostotte = "bostotte"
    annet = "annet"


class Severity(Slug):
    ingen = "ingen"
    noe = "noe"
    betydelig = "betydelig"


class SubstanceUse(Slug):
    ingen = "ingen"
    aktiv = "aktiv"
    i_behandling = "i_behandling"
    i_bedring = "i_bedring"


class WorkCapacity(Slug):
    full = "full"
    nedsatt_midlertidig = "nedsatt_midlertidig"
    nedsatt_varig = "nedsatt_varig"
    nedsatt_uavklart = "nedsatt_uavklart"


class HealthService(Slug):
    psykisk_helse = "psykisk_helse"
    rus = "rus"
    lar = "lar"
    hjemmetjenester = "hjemmetjenester"
    spesialisthelsetjeneste = "spesialisthelsetjeneste"
    individuell_plan = "individuell_plan"


class EmploymentStatus(Slug):
    i_arbeid = "i_arbeid"
    arbeidsledig = "arbeidsledig"
    under_utdanning = "under_utdanning"
    i_tiltak = "i_tiltak"
    utenfor_arbeid = "utenfor_arbeid"


class Education(Slug):
    ingen_fullfort = "ingen_fullfort"
    grunnskole = "grunnskole"
    videregaende = "videregaende"
    fagbrev = "fagbrev"
    hoyere = "hoyere"


class NorwegianLevel(Slug):
    lite = "lite"
    grunnleggende = "grunnleggende"
    godt = "godt"
    morsmal = "morsmal"


class Programme(Slug):
    ingen = "ingen"  # takes part in no programme: a real answer, not "unknown"
    introduksjonsprogram = "introduksjonsprogram"
    kvalifiseringsprogram = "kvalifiseringsprogram"
    arbeidsrettet_tiltak = "arbeidsrettet_tiltak"
    utdanning = "utdanning"


class Goal(Slug):
    eie = "eie"
    leie_privat = "leie_privat"
    stabil_inntekt = "stabil_inntekt"
    arbeid = "arbeid"
    fullfore_utdanning = "fullfore_utdanning"
    bedre_helse = "bedre_helse"
    gjeldfri = "gjeldfri"
    trygg_bolig = "trygg_bolig"


FreeText = Annotated[str, StringConstraints(max_length=2000)]
# Numbers are strict (StrictInt, StrictFloat): true/false is not 1/0, and
# neither are YAML 1.1's yes/no/on/off nor text such as "3"; a number field
# takes a number. (A float field still takes a whole number: 2 is 2.0.)
MeasureId = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]{0,63}$")]

#: the words a person writes for yes, no and unknown in a yes/no field
_YES_NO_WORDS: dict[str, bool | None] = {"ja": True, "nei": False, "vet ikke": None}


def _yes_no_word(value: Any) -> Any:
    """``ja``/``nei``/``vet ikke`` (any case) as true/false/null, since the
    Norwegian error message itself says "true (ja)"; anything else is left
    for the strict check (YAML 1.1's ``yes``/``no`` stay refused, as in
    number fields, and so does text such as "1" or "sant")."""
    if isinstance(value, str):
        return _YES_NO_WORDS.get(value.strip().casefold(), value)
    return value


#: a yes/no fact: true, false, null (vet ikke), or the words ja/nei
YesNo = Annotated[StrictBool | None, BeforeValidator(_yes_no_word)]


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, use_enum_values=False)


class Household(_Section):
    """Who lives together and depends on the home."""

    alder: StrictInt | None = Field(None, ge=15, le=110, description="The person's age in years (AAP, uføretrygd and aftercare depend on it).")
    voksne: StrictInt | None = Field(None, ge=1, le=20, description="Number of adults in the household.")
    barn_alder: list[Annotated[StrictInt, Field(ge=0, le=25)]] | None = Field(
        None, max_length=20, description="Ages of the children who live in the household; [] = no children."
    )
    enslig_forsorger: YesNo = Field(None, description="A single adult providing for children.")
    samlivsbrudd: YesNo = Field(None, description="A recent relationship breakdown (one of the painful transitions).")
    barnevern: YesNo = Field(None, description="Child welfare services are involved with the family.")
    funksjonsnedsettelse: YesNo = Field(
        None, description="Another member of the household (a child or an adult) has a disability or long-term illness the home must fit."
    )
    hatt_barnevern: YesNo = Field(
        None, description="The person had measures from child welfare before turning 18 (aftercare can apply up to 25)."
    )


class Housing(_Section):
    """Pillar *bolig*: where the person lives now and how secure it is."""

    situasjon: HousingSituation | None = Field(None, description="Current housing situation.")
    ar_i_boligen: StrictFloat | None = Field(None, ge=0, le=100, allow_inf_nan=False, description="Years in the current home.")
    husleierestanse: YesNo = Field(None, description="Unpaid rent (rent arrears).")
    utkastelsesfare: YesNo = Field(None, description="At risk of eviction (notice, warning or petition).")
    trangbodd: YesNo = Field(None, description="The home is too small for the household.")
    uegnet: YesNo = Field(None, description="The home is unsuitable (condition, accessibility, safety).")
    boutgiftsbelastning: Level | None = Field(None, description="Housing costs relative to income.")
    vold: YesNo = Field(None, description="The person has been exposed to violence or threats from someone close, now or recently.")
    utrygg: YesNo = Field(
        None, description="The current home is unsafe: the person who used violence or threats lives there or knows where it is."
    )
    uker_til_utflytting: StrictInt | None = Field(
        None, ge=0, le=520, description="Weeks until release, discharge or moving out of an institution or a crisis centre."
    )


class Economy(_Section):
    """Pillar *økonomi*: income security, debt and financial management."""

    inntektskilder: list[IncomeSource] | None = Field(None, max_length=12, description="Current income sources; [] = no income.")
    inntekt_stabil: YesNo = Field(None, description="Whether the income is stable/lasting (false = temporary).")
    gjeld: YesNo = Field(None, description="Has debt beyond an ordinary mortgage.")
    betalingsproblemer: YesNo = Field(None, description="Has trouble paying bills or debt on time.")
    inkasso: YesNo = Field(None, description="Has claims with a debt collector.")
    gjeldsordning: YesNo = Field(None, description="Is already in a debt settlement (gjeldsordning).")
    verge: YesNo = Field(None, description="Has a guardian (verge) for finances.")
    sparing: YesNo = Field(None, description="Has some savings or equity.")
    bankavslag: YesNo = Field(None, description="An ordinary bank has refused a large enough mortgage.")
    felles_gjeld: YesNo = Field(None, description="Has debt together with a present or former partner.")
    aap_uker_igjen: StrictInt | None = Field(None, ge=0, le=520, description="Weeks until AAP ends (its maximum period or the decision's end date).")
    overgangsstonad_uker_igjen: StrictInt | None = Field(None, ge=0, le=520, description="Weeks until the transitional benefit ends.")
    sykepenger_uker_igjen: StrictInt | None = Field(None, ge=0, le=52, description="Weeks until sick pay ends (at most 52 weeks in all).")
    introduksjonsstonad_uker_igjen: StrictInt | None = Field(
        None, ge=0, le=520, description="Weeks until the introduction programme, and its allowance, ends."
    )


class Health(_Section):
    """Pillar *helse*: coarse categories only, never diagnoses."""

    psykisk: Severity | None = Field(None, description="Mental-health challenges.")
    somatisk: Severity | None = Field(None, description="Physical-health challenges.")
    rus: SubstanceUse | None = Field(None, description="Substance use and recovery status.")
    lar: YesNo = Field(None, description="In opioid substitution treatment (LAR).")
    arbeidsevne: WorkCapacity | None = Field(None, description="Work capacity, and whether a reduction is permanent.")
    fastlege: YesNo = Field(None, description="Has a regular GP (fastlege).")
    tjenester: list[HealthService] | None = Field(None, max_length=10, description="Health and care services already received.")


class WorkEducation(_Section):
    """Pillar *arbeid/utdanning*."""

    status: EmploymentStatus | None = Field(None, description="Main activity now.")
    stillingsprosent: StrictInt | None = Field(None, ge=0, le=100, description="Position percentage when working.")
    midlertidig_ansatt: YesNo = Field(None, description="Employed on a temporary contract.")
    utdanning: Education | None = Field(None, description="Highest completed education.")
    utdanning_fra_utlandet: YesNo = Field(None, description="Has education from abroad.")
    utdanning_godkjent: YesNo = Field(None, description="Foreign education recognised in Norway.")
    norsk: NorwegianLevel | None = Field(None, description="Norwegian language level.")
    program: Programme | None = Field(None, description="Programme the person takes part in now.")


class Goals(_Section):
    """The user's own goals: they steer the strategy."""

    onsker: list[Goal] | None = Field(None, max_length=len(Goal), description="The user's own goals.")
    onsker_ikke: list[Goal] | None = Field(
        None, max_length=len(Goal), description="What the user says they do not want (for example not to own); routes to it are left out."
    )
    tiltak_ikke_onsket: list[MeasureId] | None = Field(
        None, max_length=64, description="Measure ids the user does not want; they are left out and shown as the user's choice."
    )
    fritekst: FreeText | None = Field(None, description="The user's wishes in their own words (never read by rules).")
    ressurser: list[FreeText] | None = Field(None, max_length=20, description="Strengths and resources, in the user's words.")


class Assessment(BaseModel):
    """Everything the engine needs to suggest a strategy for one person or family."""

    model_config = ConfigDict(
        extra="forbid",
        frozen=True,
        title="IBP assessment",
        json_schema_extra={"description": "Kartlegging for individuell boligplan. Unknown = null or left out."},
    )

    schema_version: StrictInt = Field(ASSESSMENT_SCHEMA_VERSION, ge=1, le=ASSESSMENT_SCHEMA_VERSION,
                                      description="2; a file without it is read as version 1 and upgraded.")
    malgrupper: list[TargetGroup] | None = Field(None, max_length=len(TargetGroup), description="Target groups that apply.")
    husholdning: Household = Field(default_factory=Household)
    bolig: Housing = Field(default_factory=Housing)
    okonomi: Economy = Field(default_factory=Economy)
    helse: Health = Field(default_factory=Health)
    arbeid_utdanning: WorkEducation = Field(default_factory=WorkEducation)
    mal: Goals = Field(default_factory=Goals)
    tiltak_mottatt: list[MeasureId] | None = Field(
        None, max_length=64, description="Measure ids the person already has (they are not suggested again)."
    )
    samtykke_deling: YesNo = Field(
        None, description="The person has consented to sharing information with the partner services the plan involves."
    )

    @model_validator(mode="before")
    @classmethod
    def _upgrade(cls, data: Any) -> Any:
        return upgrade(data)


def upgrade(data: Any) -> Any:
    """Read an older assessment as the current version (a new dict; the input is not changed).

    Version 1 (files without ``schema_version``, or ``1``) described
    ``bolig.vold`` as "violence or threats make the home unsafe"; version 2
    separates exposure to violence (``vold``) from the current home being
    unsafe (``utrygg``). So a version 1 ``vold: true`` also means ``utrygg:
    true`` — except at a crisis centre, which is the safe place. Everything
    else in version 1 means the same in version 2.
    """
    if not isinstance(data, dict):
        return data
    version = data.get("schema_version", 1)
    if type(version) is not int or version != 1:  # true is not 1: a wrong type is reported by validation
        return data
    out = dict(data)
    out["schema_version"] = ASSESSMENT_SCHEMA_VERSION
    housing = out.get("bolig")
    if isinstance(housing, dict) and _yes_no_word(housing.get("vold")) is True and "utrygg" not in housing \
            and housing.get("situasjon") != HousingSituation.krisesenter.value:
        out["bolig"] = {**housing, "utrygg": True}
    return out


def assessment_json_schema() -> dict[str, Any]:
    """The published JSON Schema of the assessment input."""
    schema = Assessment.model_json_schema()
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    return schema


def _fields_at(loc: tuple[Any, ...]) -> list[str]:
    """The field names the model allows at ``loc`` (for did-you-mean)."""
    model: Any = Assessment
    for part in loc:
        field = model.model_fields.get(part) if isinstance(part, str) else None
        if field is None or not (isinstance(field.annotation, type) and issubclass(field.annotation, BaseModel)):
            return []
        model = field.annotation
    return list(model.model_fields)


def assessment_from_located(located: Located) -> Assessment:
    """Validate parsed data, turning pydantic errors into located problems."""
    from pydantic import ValidationError

    from .errors import AssessmentError, Problem
    from .validation_messages import located_problems

    data = located.data
    if data is None and not located.lines:
        # an empty file or input is a mistake (a wrong file, a failed pipe),
        # not a case where nothing is known: that one is written {}
        raise AssessmentError(Problem(located.file, None, "", "empty: there is no assessment here (for a case where nothing is known yet, write {})",
                                      message_nb="tom: her er ingen kartlegging (for en sak der ingenting er kjent ennå, skriv {})"))
    if not isinstance(data, dict):
        raise AssessmentError(Problem(located.file, located.line_of(()), "", "expected a mapping with sections (bolig, okonomi, …)",
                                      message_nb="forventet seksjoner med nøkler (bolig, okonomi, …)"))
    try:
        return Assessment.model_validate(data)
    except ValidationError as exc:
        raise AssessmentError(located_problems(exc, located, _fields_at)) from None
