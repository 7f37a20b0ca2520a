"""The facts a rule may read, derived once from the assessment model.

Rule conditions name assessment fields by dotted path (``helse.arbeidsevne``).
This module turns the pydantic model into a table of those paths with their
type and allowed values, so conditions can be type-checked at load time
(unknown path → did-you-mean; wrong value → the allowed ones), and projects
an assessment into the flat fact the engine matches on.

Free-text fields are deliberately not facts: rules never read what the user
wrote in their own words.
"""

from __future__ import annotations

import enum
import types
import typing
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Literal

from pydantic import BaseModel

from .assessment import Assessment

FactKind = Literal["bool", "number", "enum", "enum_list", "id_list"]

#: Fields that only mean something beside a value of another field: the
#: weeks left of a benefit, beside that benefit among the income sources.
#: While the list is unknown the field may still be asked; once the list is
#: known without the value, the field is not asked (a pensioner is not asked
#: how many weeks of AAP remain). Field → (list field, value it needs).
ASKED_ONLY_WITH: dict[str, tuple[str, str]] = {
    "okonomi.aap_uker_igjen": ("okonomi.inntektskilder", "aap"),
    "okonomi.sykepenger_uker_igjen": ("okonomi.inntektskilder", "sykepenger"),
    "okonomi.overgangsstonad_uker_igjen": ("okonomi.inntektskilder", "overgangsstonad"),
    "okonomi.introduksjonsstonad_uker_igjen": ("okonomi.inntektskilder", "introduksjonsstonad"),
}

def means_nothing_here(path: str, facts: Mapping[str, Any]) -> bool:
    """Whether ``path`` is a field of :data:`ASKED_ONLY_WITH` whose list is known without
    the value it needs (the weeks left of a benefit the person does not receive): such a
    field is neither asked nor read by rules. ``facts`` maps field paths to values."""
    beside = ASKED_ONLY_WITH.get(path)
    return beside is not None and (known := facts.get(beside[0])) is not None and beside[1] not in known


#: Which pillar each assessment section describes (None: cuts across pillars).
SECTION_PILLAR: dict[str, str | None] = {
    "husholdning": None,
    "bolig": "bolig",
    "okonomi": "okonomi",
    "helse": "helse",
    "arbeid_utdanning": "arbeid_utdanning",
    "mal": None,
    "malgrupper": None,
    "tiltak_mottatt": None,
    "samtykke_deling": None,
}


@dataclass(frozen=True)
class FactSpec:
    """One readable fact: its path, engine key, type and allowed values."""

    path: str
    kind: FactKind
    values: tuple[str, ...] = ()
    pillar: str | None = None
    description: str = ""
    #: for a fact computed from another field (not set directly), that field
    computed_from: str | None = None

    @property
    def computed(self) -> bool:
        return self.computed_from is not None

    @property
    def key(self) -> str:
        """The key in the flat engine fact (durable_rules reads dots as nesting)."""
        return self.path.replace(".", "__")

    @property
    def section(self) -> str:
        return self.path.split(".", 1)[0]


def _unwrap_optional(annotation: Any) -> Any:
    origin = typing.get_origin(annotation)
    if origin in (typing.Union, types.UnionType):
        args = [a for a in typing.get_args(annotation) if a is not type(None)]
        if len(args) == 1:
            return args[0]
    return annotation


def _strip_annotated(annotation: Any) -> Any:
    while typing.get_origin(annotation) is typing.Annotated:
        annotation = typing.get_args(annotation)[0]
    return annotation


def _classify(annotation: Any) -> tuple[FactKind, tuple[str, ...]] | None:
    """The fact kind of a field annotation, or None when rules may not read it."""
    inner = _strip_annotated(_unwrap_optional(annotation))
    if inner is bool:
        return "bool", ()
    if inner in (int, float):
        return "number", ()
    if isinstance(inner, type) and issubclass(inner, enum.Enum):
        return "enum", tuple(m.value for m in inner)
    if typing.get_origin(inner) is list:
        item = _strip_annotated(typing.get_args(inner)[0])
        if isinstance(item, type) and issubclass(item, enum.Enum):
            return "enum_list", tuple(m.value for m in item)
    return None


def _field_getter(section: str, name: str | None = None) -> Callable[[Assessment], Any]:
    """A reader for ``assessment.section`` or ``assessment.section.name``."""
    if name is None:
        return lambda a: getattr(a, section)
    return lambda a: getattr(getattr(a, section), name)


def _build() -> tuple[dict[str, FactSpec], list[tuple[FactSpec, Callable[[Assessment], Any]]]]:
    specs: dict[str, FactSpec] = {}
    getters: list[tuple[FactSpec, Callable[[Assessment], Any]]] = []
    for section, field in Assessment.model_fields.items():
        ann = _unwrap_optional(field.annotation)
        if isinstance(ann, type) and issubclass(ann, BaseModel):
            for name, sub in ann.model_fields.items():
                kind = _classify(sub.annotation)
                if kind is None:
                    continue
                spec = FactSpec(f"{section}.{name}", kind[0], kind[1], SECTION_PILLAR.get(section), sub.description or "")
                specs[spec.path] = spec
                getters.append((spec, _field_getter(section, name)))
        elif section == "tiltak_mottatt":
            spec = FactSpec(section, "id_list", (), None, field.description or "")
            specs[spec.path] = spec
            getters.append((spec, lambda a: a.tiltak_mottatt))
        elif section != "schema_version":
            kind = _classify(field.annotation)
            if kind is not None:
                spec = FactSpec(section, kind[0], kind[1], SECTION_PILLAR.get(section), field.description or "")
                specs[spec.path] = spec
                getters.append((spec, _field_getter(section)))
    # Facts computed from others, so rules need not count list items.
    computed: list[tuple[FactSpec, Callable[[Assessment], Any]]] = [
        (
            FactSpec("husholdning.antall_barn", "number", (), None, "Number of children (computed).", "husholdning.barn_alder"),
            lambda a: None if a.husholdning.barn_alder is None else len(a.husholdning.barn_alder),
        ),
        (
            FactSpec("husholdning.yngste_barn_alder", "number", (), None, "Age of the youngest child (computed).", "husholdning.barn_alder"),
            lambda a: min(a.husholdning.barn_alder) if a.husholdning.barn_alder else None,
        ),
        (
            FactSpec("husholdning.eldste_barn_alder", "number", (), None, "Age of the oldest child (computed).", "husholdning.barn_alder"),
            lambda a: max(a.husholdning.barn_alder) if a.husholdning.barn_alder else None,
        ),
        # age bands, counted: "a child of kindergarten age" is any child, not
        # only the youngest or the oldest (a 10-, a 3- and a 0-year-old)
        (
            FactSpec("husholdning.barn_i_barnehagealder", "number", (), None,
                     "Number of children aged 1-5, kindergarten age (computed).", "husholdning.barn_alder"),
            lambda a: _count_aged(a.husholdning.barn_alder, 1, 5),
        ),
        (
            FactSpec("husholdning.barn_i_skolealder", "number", (), None,
                     "Number of children aged 6-17, school age (computed).", "husholdning.barn_alder"),
            lambda a: _count_aged(a.husholdning.barn_alder, 6, 17),
        ),
    ]
    for spec, getter in computed:
        specs[spec.path] = spec
        getters.append((spec, getter))
    return specs, getters


def _count_aged(ages: list[int] | None, low: int, high: int) -> int | None:
    """How many of the children are aged ``low``-``high`` (None while the ages are unknown)."""
    return None if ages is None else sum(low <= age <= high for age in ages)


FACTS, _GETTERS = _build()


def _plain(value: Any) -> Any:
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


#: Decimals kept in numbers the engine sees.
NUMBER_DECIMALS = 4


def engine_number(value: float) -> float:
    """A float durable_rules can read, and the one we explain with.

    durable's JSON reader rejects exponent notation without a decimal point
    (``1e-05``, ``1e+16``: "error code 204"), which is how Python writes very
    small and very large floats. Model fields are bounded (≤ 100), so rounding
    to a few decimals keeps every value in plain notation.
    """
    return round(value, NUMBER_DECIMALS) + 0.0


def project(assessment: Assessment) -> dict[str, Any]:
    """The known facts of an assessment as ``{path: value}``; unknowns are left out.

    Leaving unknowns out (rather than storing ``None``) is what makes
    "unknown" distinct from "no" in the engine: a comparison on an absent
    key never matches, and ``known``/``unknown`` test presence.
    """
    out: dict[str, Any] = {}
    for spec, getter in _GETTERS:
        value = getter(assessment)
        if value is None:
            continue
        kind = type(value)
        if kind is bool or kind is int or kind is str:
            pass  # the common case, first (this runs for every field of every assessment)
        elif kind is float:
            value = engine_number(value)
        elif spec.kind in ("enum_list", "id_list"):
            # lists are sets of ids: order and repeats carry no meaning, and
            # keeping them would make the JSON depend on how the input was typed
            value = sorted({_plain(v) for v in value})
        else:
            value = _plain(value)
        out[spec.path] = value
    # weeks left of a benefit the known income sources do not include mean nothing
    # for this person (a stale answer): rules do not read them, as they are not asked
    for path in ASKED_ONLY_WITH:
        if path in out and means_nothing_here(path, out):
            del out[path]
    return out
