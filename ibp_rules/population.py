"""A synthetic population of assessments, for simulation and benchmarks.

**Illustrative, not statistics.** The shares below are plausible guesses
shaped by the veileder's description of who IBP users are (§3): many in
transitional municipal housing or unsuitable private rentals, on temporary
benefits, with debt, some with health or substance problems, and the target
groups it names. They are not drawn from any register and must not be read
as facts about real people. What matters for their use here is that they
exercise every rule, every field and a realistic share of unknowns
("vet ikke"), reproducibly: the same ``seed`` always gives the same people.

Distributions (per person):

* target groups: none 35 %, enslig_forsorger 20 %, rus 15 %, introduksjon
  15 %, krisesenter 8 %, loslatelse 7 % (one at most);
* household: 1 adult (75 %) or 2; children for single parents (1–3, aged
  0–17), for others 30 % chance;
* housing situation: depends on the target group (crisis centre, prison or
  institution for those groups; otherwise mostly transitional municipal
  housing or private rental); years there 0–12;
* rent arrears 20 %, eviction risk 10 % (40 % with arrears), crowding 15 %
  (35 % with 3+ children), unsuitable 15 %, housing-cost burden
  low/moderate/high 25/40/35 %;
* income: work 35 %, AAP 20 %, uføretrygd 10 %, social assistance 25 %,
  introduction benefit for most of the introduksjon group, transitional
  benefit for a third of single parents; stable for work (60 %) or uføretrygd;
* debt 45 %, payment problems 30 %, collection 20 % (mostly with payment
  problems), bank refusal 15 %;
* mental health none/some/considerable 50/35/15 %; substance use mostly
  for the rus group; work capacity full 60 %, reduced (temporary, permanent,
  unclear) otherwise;
* work: status by income; part-time and temporary contracts common;
  education mostly primary or upper secondary; foreign education and
  Norwegian level mainly in the introduksjon group;
* age 18–66 (18–30 more often in the enslig_forsorger and loslatelse
  groups); had child-welfare measures before 18: 30 % of the under-26s, else
  5 %; another household member with a disability 8 % of households with
  more than the person;
* violence or threats: 85 % in the krisesenter group, 3 % otherwise; the
  home unsafe now for a third of them outside a crisis centre; weeks to
  moving out (0–26) for those in prison, institution or crisis centre;
* income sources also: child benefit for most parents, child maintenance
  for half the single parents, housing allowance 15 % of renters; joint
  debt 25 % of those with debt (60 % after violence); weeks left of AAP,
  transitional benefit, sick pay (5 % have it) and introduction benefit
  (0–156) for those who receive them;
* goals: one to three of the eight; 15 % say what they do not want (one
  of the other goals); consent to share recorded for 70 %;
* every fact is unknown with probability 8 %.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from typing import Any

UNKNOWN_SHARE = 0.08


def _maybe(rng: random.Random, value: Any) -> Any:
    return None if rng.random() < UNKNOWN_SHARE else value


def _pick(rng: random.Random, weights: dict[str, float]) -> str:
    return rng.choices(list(weights), weights=list(weights.values()))[0]


def person(rng: random.Random) -> dict[str, Any]:
    """One synthetic assessment (plain data, valid against the model)."""
    group = _pick(rng, {"": 35, "enslig_forsorger": 20, "rus": 15, "introduksjon": 15, "krisesenter": 8, "loslatelse": 7})
    single_parent = group == "enslig_forsorger" or (group in ("krisesenter", "") and rng.random() < 0.2)
    age = rng.randint(18, 30) if group in ("enslig_forsorger", "loslatelse") and rng.random() < 0.6 else rng.randint(18, 66)
    adults = 1 if single_parent or rng.random() < 0.75 else 2
    if single_parent:
        children = [rng.randint(0, 17) for _ in range(rng.randint(1, 3))]
    else:
        children = [rng.randint(0, 17) for _ in range(rng.randint(1, 4))] if rng.random() < 0.3 else []

    situasjon = {
        "krisesenter": lambda: _pick(rng, {"krisesenter": 70, "hos_familie_venner": 15, "privat_leie": 15}),
        "loslatelse": lambda: _pick(rng, {"fengsel": 35, "institusjon": 25, "uten_fast_bolig": 20, "hos_familie_venner": 20}),
        "rus": lambda: _pick(rng, {"uten_fast_bolig": 30, "hos_familie_venner": 20, "kommunal_gjennomgangsbolig": 30, "privat_leie": 20}),
    }.get(group, lambda: _pick(rng, {"kommunal_gjennomgangsbolig": 35, "privat_leie": 35, "kommunal_utleiebolig": 10,
                                     "hos_familie_venner": 10, "uten_fast_bolig": 5, "eid": 5}))()
    arrears = rng.random() < 0.2
    violence = rng.random() < (0.85 if group == "krisesenter" else 0.03)
    housing: dict[str, Any] = {
        "situasjon": situasjon,
        "ar_i_boligen": round(rng.uniform(0, 12), 1) if situasjon != "uten_fast_bolig" else None,
        "husleierestanse": arrears,
        "utkastelsesfare": rng.random() < (0.4 if arrears else 0.05),
        "trangbodd": rng.random() < (0.35 if len(children) >= 3 else 0.15),
        "uegnet": rng.random() < 0.15,
        "boutgiftsbelastning": _pick(rng, {"lav": 25, "moderat": 40, "hoy": 35}),
        "vold": violence,
        "utrygg": (situasjon != "krisesenter" and rng.random() < 0.33) if violence else None,
        "uker_til_utflytting": rng.randint(0, 26) if situasjon in ("fengsel", "institusjon", "krisesenter") else None,
    }

    sources = set()
    if rng.random() < 0.35:
        sources.add("arbeid")
    if rng.random() < 0.2:
        sources.add("aap")
    if rng.random() < 0.1:
        sources.add("uforetrygd")
    if rng.random() < 0.25:
        sources.add("sosialhjelp")
    if group == "introduksjon" and rng.random() < 0.8:
        sources.add("introduksjonsstonad")
    if single_parent and rng.random() < 0.33:
        sources.add("overgangsstonad")
    if rng.random() < 0.05:
        sources.add("dagpenger")
    if rng.random() < 0.05:
        sources.add("sykepenger")
    if children and rng.random() < 0.85:
        sources.add("barnetrygd")
    if single_parent and rng.random() < 0.5:
        sources.add("barnebidrag")
    if situasjon in ("privat_leie", "kommunal_utleiebolig", "kommunal_gjennomgangsbolig") and rng.random() < 0.15:
        sources.add("bostotte")
    payment = rng.random() < 0.3
    debt = payment or rng.random() < 0.3
    economy: dict[str, Any] = {
        "inntektskilder": sorted(sources),
        "inntekt_stabil": ("uforetrygd" in sources) or ("arbeid" in sources and rng.random() < 0.6),
        "gjeld": debt,
        "betalingsproblemer": payment,
        "inkasso": rng.random() < (0.55 if payment else 0.05),
        "gjeldsordning": rng.random() < 0.03,
        "verge": rng.random() < 0.04,
        "sparing": rng.random() < 0.2,
        "bankavslag": rng.random() < 0.15,
        "felles_gjeld": (rng.random() < (0.6 if violence else 0.25)) if debt else None,
    }
    for benefit, longest in (("aap", 156), ("overgangsstonad", 156), ("sykepenger", 52), ("introduksjonsstonad", 104)):
        if benefit in sources:
            economy[f"{benefit}_uker_igjen"] = rng.randint(0, longest)

    rus = _pick(rng, {"aktiv": 40, "i_behandling": 25, "i_bedring": 35}) if group == "rus" else _pick(rng, {"ingen": 92, "aktiv": 4, "i_bedring": 4})
    services = []
    if rng.random() < 0.2:
        services.append("psykisk_helse")
    if rus != "ingen" and rng.random() < 0.4:
        services.append("rus")
    health: dict[str, Any] = {
        "psykisk": _pick(rng, {"ingen": 50, "noe": 35, "betydelig": 15}),
        "somatisk": _pick(rng, {"ingen": 60, "noe": 30, "betydelig": 10}),
        "rus": rus,
        "lar": rus != "ingen" and rng.random() < 0.25,
        "arbeidsevne": _pick(rng, {"full": 60, "nedsatt_midlertidig": 12, "nedsatt_varig": 14, "nedsatt_uavklart": 14}),
        "fastlege": rng.random() < 0.85,
        "tjenester": services,
    }

    working = "arbeid" in sources
    work: dict[str, Any] = {
        "status": "i_arbeid" if working else _pick(rng, {"arbeidsledig": 30, "utenfor_arbeid": 45, "i_tiltak": 15, "under_utdanning": 10}),
        "stillingsprosent": rng.choice([20, 40, 50, 60, 80, 100]) if working else None,
        "midlertidig_ansatt": (rng.random() < 0.35) if working else None,
        "utdanning": _pick(rng, {"ingen_fullfort": 12, "grunnskole": 38, "videregaende": 25, "fagbrev": 15, "hoyere": 10}),
        "utdanning_fra_utlandet": group == "introduksjon" and rng.random() < 0.6,
        "norsk": _pick(rng, {"lite": 35, "grunnleggende": 45, "godt": 20}) if group == "introduksjon" else _pick(rng, {"godt": 30, "morsmal": 70}),
        "program": "introduksjonsprogram" if group == "introduksjon" and rng.random() < 0.5 else None,
    }
    if work["utdanning_fra_utlandet"]:
        work["utdanning_godkjent"] = rng.random() < 0.3

    all_goals = ["eie", "leie_privat", "stabil_inntekt", "arbeid", "fullfore_utdanning", "bedre_helse", "gjeldfri", "trygg_bolig"]
    goals = rng.sample(all_goals, rng.randint(1, 3))
    not_wanted = [rng.choice([g for g in all_goals if g not in goals])] if rng.random() < 0.15 else []

    def section(d: dict[str, Any]) -> dict[str, Any]:
        return {k: v for k, v in ((k, _maybe(rng, v)) for k, v in d.items()) if v is not None}

    out: dict[str, Any] = {
        "schema_version": 2,
        "husholdning": section({"alder": age, "voksne": adults, "barn_alder": children, "enslig_forsorger": single_parent,
                                "funksjonsnedsettelse": rng.random() < 0.08 if (adults > 1 or children) else None,
                                "hatt_barnevern": rng.random() < (0.3 if age < 26 else 0.05)}),
        "bolig": section(housing),
        "okonomi": section(economy),
        "helse": section(health),
        "arbeid_utdanning": section(work),
        "mal": section({"onsker": sorted(goals), "onsker_ikke": not_wanted or None}),
    }
    consent = _maybe(rng, rng.random() < 0.7)
    if consent is not None:
        out["samtykke_deling"] = consent
    if group:
        out["malgrupper"] = [group]
    return out


def population(n: int, seed: int) -> Iterator[dict[str, Any]]:
    """``n`` synthetic assessments; the same seed gives the same people."""
    rng = random.Random(seed)
    for _ in range(n):
        yield person(rng)
