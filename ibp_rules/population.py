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
* goals: one to three of the eight;
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
    housing: dict[str, Any] = {
        "situasjon": situasjon,
        "ar_i_boligen": round(rng.uniform(0, 12), 1) if situasjon != "uten_fast_bolig" else None,
        "husleierestanse": arrears,
        "utkastelsesfare": rng.random() < (0.4 if arrears else 0.05),
        "trangbodd": rng.random() < (0.35 if len(children) >= 3 else 0.15),
        "uegnet": rng.random() < 0.15,
        "boutgiftsbelastning": _pick(rng, {"lav": 25, "moderat": 40, "hoy": 35}),
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
    payment = rng.random() < 0.3
    economy: dict[str, Any] = {
        "inntektskilder": sorted(sources),
        "inntekt_stabil": ("uforetrygd" in sources) or ("arbeid" in sources and rng.random() < 0.6),
        "gjeld": payment or rng.random() < 0.3,
        "betalingsproblemer": payment,
        "inkasso": rng.random() < (0.55 if payment else 0.05),
        "gjeldsordning": rng.random() < 0.03,
        "verge": rng.random() < 0.04,
        "sparing": rng.random() < 0.2,
        "bankavslag": rng.random() < 0.15,
    }

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

    goals = rng.sample(["eie", "leie_privat", "stabil_inntekt", "arbeid", "fullfore_utdanning", "bedre_helse", "gjeldfri", "trygg_bolig"],
                       rng.randint(1, 3))

    def section(d: dict[str, Any]) -> dict[str, Any]:
        return {k: v for k, v in ((k, _maybe(rng, v)) for k, v in d.items()) if v is not None}

    out: dict[str, Any] = {
        "husholdning": section({"voksne": adults, "barn_alder": children, "enslig_forsorger": single_parent}),
        "bolig": section(housing),
        "okonomi": section(economy),
        "helse": section(health),
        "arbeid_utdanning": section(work),
        "mal": section({"onsker": sorted(goals)}),
    }
    if group:
        out["malgrupper"] = [group]
    return out


def population(n: int, seed: int) -> Iterator[dict[str, Any]]:
    """``n`` synthetic assessments; the same seed gives the same people."""
    rng = random.Random(seed)
    for _ in range(n):
        yield person(rng)
