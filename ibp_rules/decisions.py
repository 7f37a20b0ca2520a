"""The people decide: the user's and coordinator's choices beside the suggestions.

Brukermedvirkning (veileder §4.1.2): the tool suggests, the user decides.
Decisions are kept in their own file beside the assessment
(``case.yaml`` → ``case.valg.yaml``), never mixed into the engine's output:
each suggested measure can be *valgt* (chosen), *avslatt* (declined) or
*endret* (changed), with the person's own reason, and they can add measures
of their own. The handlingsplan then shows *their* plan, with the declined
suggestions listed apart.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field

from .atomic import write_atomic
from .errors import InputError
from .strategy import Strategy, SuggestedMeasure
from .validation_messages import load_model

Status = Literal["valgt", "avslatt", "endret"]
ShortText = Annotated[str, Field(max_length=500)]


class DecisionsError(InputError):
    summary = {"en": "invalid decisions file", "nb": "ugyldig valgfil"}


class MeasureDecision(BaseModel):
    model_config = ConfigDict(extra="forbid")

    status: Status
    reason: ShortText | None = Field(None, description="The person's own reason, in their words.")
    change: ShortText | None = Field(None, description="What was changed (status endret).")
    who: ShortText | None = None
    when: ShortText | None = None


class OwnMeasure(BaseModel):
    model_config = ConfigDict(extra="forbid")

    title: Annotated[str, Field(min_length=1, max_length=200)]
    who: ShortText | None = None
    when: ShortText | None = None
    note: ShortText | None = None


class Decisions(BaseModel):
    """What the user and coordinator decided about a strategy."""

    model_config = ConfigDict(extra="forbid")

    measures: dict[Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]{1,63}$")], MeasureDecision] = {}
    own: list[OwnMeasure] = []

    def with_current_ids(self, replaced: Mapping[str, str]) -> Decisions:
        """The decisions with former measure ids (the catalogue's ``replaces``) read as
        the measures that replaced them, so a choice recorded before the catalogue was
        tidied stays on its measure; a decision recorded under the new id wins."""
        if not any(mid in replaced for mid in self.measures):
            return self
        measures = {replaced[mid]: dec for mid, dec in self.measures.items() if mid in replaced}
        measures.update({mid: dec for mid, dec in self.measures.items() if mid not in replaced})
        return self.model_copy(update={"measures": dict(sorted(measures.items()))})


def decisions_path(assessment_file: Path) -> Path:
    """Where the decisions for ``assessment_file`` live (``x.yaml`` → ``x.valg.yaml``)."""
    return assessment_file.with_name(assessment_file.stem + ".valg.yaml")


def load_decisions(path: Path) -> Decisions:
    return load_model(Decisions, path, DecisionsError)


def decisions_yaml(decisions: Decisions, written_by: str = "ibp decide") -> str:
    """The decisions as the YAML file ``ibp decide`` writes (and reads back)."""
    data = decisions.model_dump(exclude_none=True, exclude_defaults=False)
    header = f"# Brukerens og koordinatorens valg (brukermedvirkning). Skrevet av '{written_by}'.\n"
    return header + yaml.safe_dump(data, allow_unicode=True, sort_keys=True)


def save_decisions(path: Path, decisions: Decisions) -> None:
    """Write the decisions file completely or not at all (raises :class:`~ibp_rules.errors.OutputError`)."""
    write_atomic(path, decisions_yaml(decisions))


@dataclass
class PlanView:
    """The plan as the people decided it, built from a strategy and decisions."""

    chosen: list[tuple[SuggestedMeasure, MeasureDecision | None]] = field(default_factory=list)
    declined: list[tuple[SuggestedMeasure, MeasureDecision]] = field(default_factory=list)
    undecided: list[SuggestedMeasure] = field(default_factory=list)
    own: list[OwnMeasure] = field(default_factory=list)
    unknown_ids: list[str] = field(default_factory=list)

    @property
    def has_decisions(self) -> bool:
        return bool(self.chosen or self.declined or self.own)


def plan_view(strategy: Strategy, decisions: Decisions | None) -> PlanView:
    """Split the suggestions by what the people decided."""
    view = PlanView()
    d = decisions or Decisions()
    suggested = {m.id for m in strategy.measures}
    for m in strategy.measures:
        dec = d.measures.get(m.id)
        if dec is None:
            view.undecided.append(m)
        elif dec.status == "avslatt":
            view.declined.append((m, dec))
        else:
            view.chosen.append((m, dec))
    view.own = list(d.own)
    view.unknown_ids = sorted(set(d.measures) - suggested)
    return view
