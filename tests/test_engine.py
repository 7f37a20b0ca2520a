"""The engine end to end with the starter ruleset: chaining, staging, guards, errors, threads."""

from __future__ import annotations

import json
import threading
import uuid
from pathlib import Path
from typing import Any

import pytest

from conftest import EXAMPLE_FILES, EXAMPLES
from ibp_rules import AssessmentError, Engine, EngineError, Strategy, parse_assessment, read_assessment
from ibp_rules.backend import DurableBackend
from ibp_rules.resources import default_ruleset_path


def assess(engine: Engine, data: dict[str, Any]) -> Strategy:
    return engine.assess(data)


def measure(s: Strategy, mid: str) -> Any:
    found = [m for m in s.measures if m.id == mid]
    assert found, f"{mid} not suggested; got {[m.id for m in s.measures]}"
    return found[0]


def ids(s: Strategy) -> set[str]:
    return {m.id for m in s.measures}


def test_uforetrygd_chain_to_startlan(engine: Engine) -> None:
    s = engine.assess(read_assessment(EXAMPLES / "uforetrygd-til-startlan.yaml"))
    fastlege, ufore, startlan = (measure(s, m) for m in ("fastlege_vurdering", "uforetrygd", "startlan"))
    assert (fastlege.stage, ufore.stage, startlan.stage) == (0, 1, 2)
    assert ufore.requires == ["fastlege_vurdering"]
    assert startlan.requires == ["uforetrygd"]
    stable = next(p for p in startlan.prerequisites if p.fact == "stabil_inntekt")
    assert (stable.kind, stable.status, stable.by) == ("hard", "planned", ["uforetrygd"])
    (why,) = startlan.why
    assert why.rule == "startlan-innen-rekkevidde"
    derived = next(f for f in why.facts if f.path == "derived.inntekt_kan_bli_stabil")
    assert derived.value is True and derived.derived_by == ["varig-nedsatt-arbeidsevne"]
    assert why.relation is not None and (why.relation.from_, why.relation.to, why.relation.role) == ("okonomi", "bolig", "solution")
    (ufore_why,) = ufore.why
    assert {f.path: f.value for f in ufore_why.facts}["helse.arbeidsevne"] == "nedsatt_varig"
    assert ufore_why.relation is not None and ufore_why.relation.id == "okonomi-helse"
    assert s.stages == 3


def test_forward_chaining_needs_the_derived_fact(engine: Engine) -> None:
    base = {"mal": {"onsker": ["eie"]}, "okonomi": {"bankavslag": True}}
    assert "startlan" not in ids(assess(engine, base))
    s = assess(engine, {**base, "okonomi": {"bankavslag": True, "inntekt_stabil": True}})
    startlan = measure(s, "startlan")
    assert startlan.stage == 0 and startlan.requires == []
    assert {p.fact: p.status for p in startlan.prerequisites if p.fact} == {"stabil_inntekt": "met", "bank_har_avslatt": "met"}


def test_no_rule_matched_is_an_empty_strategy(engine: Engine) -> None:
    s = assess(engine, {})
    assert s.measures == [] and s.partners == [] and s.findings == [] and s.stages == 0 and s.start_with == []


def test_negative_control_gets_little(engine: Engine) -> None:
    s = engine.assess(read_assessment(EXAMPLES / "lite-behov.yaml"))
    assert s.measures == []
    assert {f.kind for f in s.findings} == {"resource"}


def test_or_branches_fire_once(engine: Engine) -> None:
    """A rule whose two alternatives both hold fires once, and its reason shows both."""
    s = assess(engine, {"okonomi": {"betalingsproblemer": True, "inkasso": True}})
    m = measure(s, "gjeldsradgivning")
    assert [w.rule for w in m.why] == ["gjeld-og-betalingsproblemer"]
    facts = {f.path for f in m.why[0].facts}
    assert facts == {"okonomi.betalingsproblemer", "okonomi.inkasso"}


def test_arrears_help_answers_arrears_not_every_notice(engine: Engine) -> None:
    """Rent arrears, or a notice while arrears are unknown, bring help with the arrears first;
    a notice known to come without arrears (a sale) brings help to find the next home instead."""
    arrears = assess(engine, {"bolig": {"husleierestanse": True, "utkastelsesfare": True}})
    m = measure(arrears, "husleierestanse")
    assert m.phase == "oppstart" and m.stage == 0
    unknown = assess(engine, {"bolig": {"situasjon": "privat_leie", "utkastelsesfare": True}})
    assert "husleierestanse" in {x.id for x in unknown.measures}
    assert "bolig.husleierestanse" in {q.path for q in unknown.open_questions}
    sale = assess(engine, {"bolig": {"situasjon": "privat_leie", "utkastelsesfare": True, "husleierestanse": False}})
    assert "husleierestanse" not in {x.id for x in sale.measures}
    assert measure(sale, "privat_leie_bistand").phase == "oppstart"
    # a warning without arrears still makes the home insecure, for an owner or a municipal tenant too:
    # nothing says the case can be closed
    for situation in ("eid", "kommunal_utleiebolig"):
        s = assess(engine, {"bolig": {"situasjon": situation, "utkastelsesfare": True, "husleierestanse": False},
                            "mal": {"onsker": ["trygg_bolig"]}})
        assert "bolig_utrygg" in {f.id for f in s.findings}, situation
        assert "evaluere_avslutte" not in {t.id for t in s.tasks}, situation


def test_a_stable_income_is_never_also_temporary(engine: Engine) -> None:
    """A stated stable income, or disability benefit beside a temporary benefit, keeps
    "the income is temporary" out; a stated temporary income brings it in."""
    stable = assess(engine, {"okonomi": {"inntekt_stabil": True, "inntektskilder": ["aap"]}})
    assert "stabil_inntekt" in {f.id for f in stable.findings} and "ustabil_inntekt" not in {f.id for f in stable.findings}
    graded = assess(engine, {"okonomi": {"inntektskilder": ["aap", "uforetrygd"]}})
    assert "ustabil_inntekt" not in {f.id for f in graded.findings}
    unstable = assess(engine, {"okonomi": {"inntekt_stabil": False}})
    assert {f.id for f in unstable.findings} == {"ustabil_inntekt"}


def test_unknown_is_not_no(engine: Engine) -> None:
    unknown_income = assess(engine, {"helse": {"arbeidsevne": "nedsatt_varig"}})
    assert "uforetrygd" in ids(unknown_income)
    has_it = assess(engine, {"helse": {"arbeidsevne": "nedsatt_varig"}, "okonomi": {"inntektskilder": ["uforetrygd"]}})
    assert "uforetrygd" not in ids(has_it)
    # A rule that should also act when a fact is unknown says so explicitly
    # ("not_contains or unknown"), and the reason shows the value as unknown.
    no_services_known = assess(engine, {"helse": {"psykisk": "betydelig"}})
    (m,) = [m for m in no_services_known.measures if m.id == "psykisk_helse_oppfolging"]
    facts = {f.path: f for w in m.why for f in w.facts}
    assert facts["helse.tjenester"].value is None and facts["helse.tjenester"].test == "helse.tjenester is unknown"
    assert "psykisk_helse_oppfolging" in ids(assess(engine, {"helse": {"psykisk": "betydelig", "tjenester": []}}))
    assert "psykisk_helse_oppfolging" not in ids(assess(engine, {"helse": {"psykisk": "betydelig", "tjenester": ["psykisk_helse"]}}))


def test_measures_already_received_are_not_suggested(engine: Engine) -> None:
    s = assess(engine, {"helse": {"arbeidsevne": "nedsatt_varig"}, "tiltak_mottatt": ["uforetrygd"]})
    assert "uforetrygd" not in ids(s) and [x.id for x in s.already_in_place] == ["uforetrygd"]
    (x,) = s.already_in_place
    assert x.recorded and [(p.id, p.form) for p in x.partners] == [("nav_forvaltning", "samordning")]
    assert "fastlege_vurdering" in ids(s)


def test_unknown_measure_received_is_a_clear_error(engine: Engine) -> None:
    with pytest.raises(AssessmentError) as exc:
        assess(engine, {"tiltak_mottatt": ["uforetrgd"]})
    (problem,) = exc.value.problems
    assert problem.path == "tiltak_mottatt[0]" and "'uforetrygd'" in problem.message


def test_unmet_hard_prerequisite_keeps_the_measure(engine: Engine) -> None:
    s = assess(engine, {"mal": {"onsker": ["eie"]}, "okonomi": {"inntekt_stabil": True}})
    startlan = measure(s, "startlan")
    bank = next(p for p in startlan.prerequisites if p.fact == "bank_har_avslatt")
    assert (bank.kind, bank.status) == ("hard", "check")


def test_soft_prerequisites_never_delay(engine: Engine) -> None:
    s = assess(engine, {"mal": {"onsker": ["eie"]},
                        "okonomi": {"inntekt_stabil": True, "bankavslag": True, "betalingsproblemer": True}})
    startlan = measure(s, "startlan")
    debt = next(p for p in startlan.prerequisites if p.measure == "gjeldsradgivning")
    assert (debt.kind, debt.status, debt.by) == ("soft", "planned", ["gjeldsradgivning"])
    assert startlan.stage == 0 and startlan.requires == []


def test_partners_are_summarised_with_forms(engine: Engine) -> None:
    s = engine.assess(read_assessment(EXAMPLES / "uforetrygd-til-startlan.yaml"))
    fastlege = next(p for p in s.partners if p.id == "fastlege")
    assert fastlege.forms == ["samordning"]  # the person has a GP: the documentation is coordinated with the GP, not a door to open
    assert fastlege.measures == ["fastlege_vurdering", "uforetrygd"]
    assert [p.id for p in s.partners] == sorted(p.id for p in s.partners)


def test_start_with_follows_barriers(engine: Engine) -> None:
    s = engine.assess(read_assessment(EXAMPLES / "utkastelse-barnefamilie.yaml"))
    assert s.start_with == ["bolig"]
    assert s.start_reason[0].blocks == ["okonomi", "helse", "arbeid_utdanning"]
    goal_only = assess(engine, {"mal": {"onsker": ["arbeid"]}})
    assert goal_only.start_with == ["arbeid_utdanning"]


def test_every_suggestion_is_explained(engine: Engine) -> None:
    for path in EXAMPLE_FILES:
        s = engine.assess(read_assessment(path))
        for m in s.measures:
            assert m.why, m.id
            for w in m.why:
                assert w.rule in engine.ruleset.rules and w.facts and w.source and w.text.nb and w.text.en
            assert all(p.id in engine.ruleset.partners for p in m.partners)


def test_json_is_deterministic_and_order_independent(engine: Engine) -> None:
    a = {"okonomi": {"inntektskilder": ["aap", "sosialhjelp"]}, "mal": {"onsker": ["eie", "arbeid"]},
         "helse": {"arbeidsevne": "nedsatt_varig"}}
    b = {"mal": {"onsker": ["arbeid", "eie"]}, "helse": {"arbeidsevne": "nedsatt_varig"},
         "okonomi": {"inntektskilder": ["sosialhjelp", "aap"]}}
    other = Engine.from_paths(default_ruleset_path())
    outputs = {engine.assess(a).to_json(), engine.assess(b).to_json(), other.assess(a).to_json()}
    assert len(outputs) == 1


def test_threads_give_the_sequential_results(engine: Engine) -> None:
    cases = [read_assessment(p) for p in EXAMPLE_FILES]
    expected = [engine.assess(c).to_json() for c in cases]
    results: dict[tuple[int, int], str] = {}
    errors: list[BaseException] = []

    def work(t: int) -> None:
        try:
            for i in range(30):
                k = (t * 7 + i) % len(cases)
                results[(t, i)] = engine.assess(cases[k]).to_json()
                assert results[(t, i)] == expected[k]
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(t,)) for t in range(4)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    assert not errors and len(results) == 120


def test_an_exception_inside_an_action_becomes_engine_error(broken_engine: Engine) -> None:
    eng = broken_engine
    with pytest.raises(EngineError, match="boom"):
        eng.assess({"bolig": {"situasjon": "uten_fast_bolig"}})
    # the engine stays usable: the next run fails the same clean way (no
    # crash, no leaked session), and a healthy engine is unaffected
    with pytest.raises(EngineError, match="boom"):
        eng.assess({})


def test_many_runs_leave_no_open_sessions(engine: Engine) -> None:
    """durable_rules caps open sessions per ruleset at 1,024: leaking one per run would fail here."""
    case = read_assessment(EXAMPLES / "uforetrygd-til-startlan.yaml")
    for _ in range(1100):
        engine.assess(case)


def test_strategy_round_trips_through_json(engine: Engine) -> None:
    s = engine.assess(read_assessment(EXAMPLES / "utkastelse-barnefamilie.yaml"))
    data = json.loads(s.to_json())
    assert Strategy.model_validate(data).to_json() == s.to_json()
    assert data["measures"][0]["why"][0].keys() >= {"rule", "facts", "relation", "source", "text"}


def test_example_files_are_valid(engine: Engine) -> None:
    paths = EXAMPLE_FILES
    assert len(paths) >= 3
    for p in paths:
        read_assessment(p)


def test_engines_are_independent(tmp_path: Path) -> None:
    a = Engine.from_paths(default_ruleset_path())
    b = Engine.from_paths(default_ruleset_path())
    assert a._backend.name != b._backend.name
    assert a.assess({"bolig": {"situasjon": "uten_fast_bolig"}}).to_json() == b.assess({"bolig": {"situasjon": "uten_fast_bolig"}}).to_json()


@pytest.mark.parametrize("years", [5e-324, 1e-05, 1e-7, 2.5e-308, 99.99999999999999, 0.00012, 3.0])
def test_numbers_durable_cannot_read_are_normalised(engine: Engine, years: float) -> None:
    """durable's JSON reader rejects '1e-05' (found by the property tests)."""
    s = engine.assess({"bolig": {"ar_i_boligen": years, "situasjon": "privat_leie"}})
    assert [f.id for f in s.findings] == ["egen_bolig"]


def test_cached_explanations_equal_fresh_ones() -> None:
    from ibp_rules.population import population

    warm = Engine.from_paths(default_ruleset_path())
    people = list(population(150, 21))
    for p in people:
        warm.assess(p)  # fill the cache
    assert warm._why_cache
    cold = Engine.from_paths(default_ruleset_path())
    cold._why_cache = None  # type: ignore[assignment]
    cold_results = [cold.assess(p).to_json() for p in people]
    assert cold_results == [warm.assess(p).to_json() for p in people]


def test_or_inside_a_pattern_fires_twice_but_counts_once(monkeypatch: pytest.MonkeyPatch) -> None:
    """contains_any compiles to durable's $or, which fires once per true branch (upstream #308)."""
    calls: list[str] = []
    real = DurableBackend._action_for

    def counting(self: DurableBackend, rule: Any, branch: int) -> Any:
        inner = real(self, rule, branch)

        def action(c: Any) -> None:
            calls.append(rule.id)
            inner(c)

        return action

    monkeypatch.setattr(DurableBackend, "_action_for", counting)
    eng = Engine.from_paths(default_ruleset_path())
    s = eng.assess({"husholdning": {"enslig_forsorger": False, "barn_alder": [2]},
                    "mal": {"onsker": ["arbeid", "fullfore_utdanning"]}})
    assert calls.count("smabarn-og-arbeid-eller-utdanning") == 2  # durable fired once per true $or branch
    m = next(m for m in s.measures if m.id == "barnehageplass")
    assert [w.rule for w in m.why] == ["smabarn-og-arbeid-eller-utdanning"]  # ...and it counts once


def test_our_loop_fires_what_durables_own_python_layer_fires() -> None:
    """The backend drives durable's C core with its own loop instead of
    durable.engine's Host: the same rules, branches and derived facts, in
    the same order, on the worked cases and a synthetic population."""
    from durable import engine as durable_engine

    from ibp_rules.backend import Firings
    from ibp_rules.compiler import compile_ruleset, engine_fact
    from ibp_rules.fact_schema import project
    from ibp_rules.population import population

    ours = Engine.from_paths(default_ruleset_path())
    backend = ours._backend
    current: list[Firings] = []

    class Quiet(durable_engine.Host):  # type: ignore[misc]
        def _run(self) -> None:  # no timer threads
            return None

    def action_for(rule: Any, branch: int) -> Any:
        inner = backend._action_for(rule, branch)
        state = backend._state

        def action(c: Any) -> None:
            state.current = current[-1]
            inner(c)

        return action

    host = Quiet()
    host.set_rulesets({"reference": compile_ruleset(ours.ruleset, action_for, lambda c: None)})
    cases = [read_assessment(p) for p in EXAMPLE_FILES] + [ours._validate(p) for p in population(400, 5)]
    for case in cases:
        facts = project(case)
        expected = backend.run(facts)
        current.append(Firings())
        sid = uuid.uuid4().hex
        host.assert_fact("reference", dict(engine_fact(facts, backend._flags), sid=sid))
        for marker in backend._markers:
            host.assert_fact("reference", dict(marker, sid=sid))
        if not current[-1].rules:
            host.assert_fact("reference", {"t": "end", "sid": sid})
        assert "exception" not in host.get_state("reference", sid)
        host.delete_state("reference", sid)
        assert (current[-1].rules, current[-1].derived) == (expected.rules, expected.derived)
        backend._state.current = None


def test_shared_output_objects_never_mix_strategies() -> None:
    """Strategies share immutable parts; interleaving cases changes no byte of any of them."""
    warm = Engine.from_paths(default_ruleset_path())
    cases = [read_assessment(p) for p in EXAMPLE_FILES]
    interleaved = [warm.assess(c).to_json() for c in cases + cases[::-1]]
    fresh = [Engine.from_paths(default_ruleset_path()).assess(c).to_json() for c in cases]
    assert interleaved[: len(cases)] == fresh and interleaved[len(cases):] == fresh[::-1]


def test_runs_sharing_a_session_fire_what_fresh_sessions_fire(monkeypatch: Any) -> None:
    """Runs share one durable session and retract their facts at the end: the same
    rules, branches and derived facts as a new session per run, for the worked cases
    and a population in one long sequence, across a renewal of the session and
    after a run that failed inside an action."""
    from ibp_rules import backend as backend_module
    from ibp_rules.fact_schema import project
    from ibp_rules.population import population

    monkeypatch.setattr(backend_module, "SESSION_RUNS", 97)
    shared = Engine.from_paths(default_ruleset_path())
    fresh = Engine.from_paths(default_ruleset_path())
    fresh._backend.shared_session = False
    cases = [read_assessment(p) for p in EXAMPLE_FILES] + [shared._validate(p) for p in population(500, 11)]
    facts = [project(c) for c in cases]
    for i, f in enumerate(facts + facts[::-1]):
        got, expected = shared._backend.run(f), fresh._backend.run(f)
        assert (got.rules, got.derived) == (expected.rules, expected.derived), i
    # a failed run drops its session; the next run starts clean
    first = fresh._backend.run(facts[0]).rules
    rid = next(iter(first))
    action = f"{rid}#{first[rid][0]}"
    real = shared._backend._actions[action]

    def boom(c: Any) -> None:
        raise RuntimeError("boom")

    shared._backend._actions[action] = boom
    with pytest.raises(EngineError, match="boom"):
        shared._backend.run(facts[0])
    shared._backend._actions[action] = real
    for f in facts[:60]:
        got, expected = shared._backend.run(f), fresh._backend.run(f)
        assert (got.rules, got.derived) == (expected.rules, expected.derived)


def test_a_former_measure_id_still_reads_as_the_measure_that_replaced_it(engine: Engine) -> None:
    """A case stored before aids were folded into adapting the home (``hjelpemidler``
    → ``tilpasning_bolig``) still assesses: received, it is in place; not wanted, it is left out."""
    assert engine.ruleset.replaced["hjelpemidler"] == "tilpasning_bolig"
    facts = {"schema_version": 2, "bolig": {"situasjon": "eid", "uegnet": True}, "helse": {"somatisk": "betydelig"}}
    assert "tilpasning_bolig" in {m.id for m in engine.assess(facts).measures}
    received = engine.assess({**facts, "tiltak_mottatt": ["hjelpemidler", "tilpasning_bolig"]})
    assert "tilpasning_bolig" not in {m.id for m in received.measures}
    assert [(k.id, k.recorded) for k in received.already_in_place if k.id == "tilpasning_bolig"] == [("tilpasning_bolig", True)]
    declined = engine.assess({**facts, "mal": {"tiltak_ikke_onsket": ["hjelpemidler"]}})
    assert [n.id for n in declined.not_wanted] == ["tilpasning_bolig"]
    with pytest.raises(AssessmentError):  # an id that never was a measure is still refused
        engine.assess({**facts, "tiltak_mottatt": ["hjelpemiddel"]})


def test_a_former_measure_id_still_names_its_measure_in_choices_and_commands(engine: Engine) -> None:
    """A choice recorded under a former id (ettervern → barnevern_samarbeid) stays on its
    measure in the plan, and explaining or naming the old id reaches the new measure."""
    from ibp_rules.decisions import Decisions, MeasureDecision
    from ibp_rules.explain import explain_measure
    from ibp_rules.names import find
    from ibp_rules.views import build_view

    a = parse_assessment({"schema_version": 2, "husholdning": {"alder": 19, "hatt_barnevern": True}})
    strategy = engine.assess(a)
    chosen = Decisions(measures={"ettervern": MeasureDecision(status="avslatt", reason="Vil klare seg selv")})
    view = build_view(strategy, engine.ruleset, "nb", chosen)
    assert [d.title for d in view.declined] == ["Samarbeid med barnevernet (også ettervern)"]
    assert not view.unknown_decisions
    assert explain_measure(engine, a, "ettervern").measure == "barnevern_samarbeid"
    rs = engine.ruleset
    assert find("hjelpemidler", rs.measures, "measure", former=rs.replaced) == "tilpasning_bolig"
