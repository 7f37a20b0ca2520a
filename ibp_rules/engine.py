"""The public entry point: an :class:`Engine` turns an assessment into a strategy.

An engine is built once (loading, checking and compiling the rulesets takes
milliseconds to tens of milliseconds) and then called many times; it is safe
to share between threads (runs are serialised inside, see
:mod:`ibp_rules.backend`). For parallel throughput use processes.

An engine holds native memory in durable_rules (about 1.4 MB with the
bundled rules). It is freed when the engine is dropped, or at once with
:meth:`Engine.close`. A service that reloads rule folders uses
:meth:`Engine.shared`: one engine per ruleset hash, reused until the files
change.
"""

from __future__ import annotations

import functools
import threading
from collections import OrderedDict
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from . import __version__
from .assessment import Assessment, assessment_from_located
from .backend import DurableBackend, Firings
from .caches import TwoGenerations
from .errors import AssessmentError, EngineError, Problem
from .explain import WhyCache, explain_rule, new_why_cache
from .fact_schema import project
from .graph import PillarGraph
from .planner import earliest_phase, plan, settled
from .questions import QuestionIndex
from .resources import default_ruleset_path
from .ruleset import Ruleset, current_ids, load_ruleset, ruleset_sha256
from .ruleset_files import FORMS, PHASES, PILLAR_IDS
from .strategy import (
    CoordinatorTask,
    EngineInfo,
    ExcludedMeasure,
    Finding,
    InPlaceMeasure,
    NotWanted,
    OpenQuestion,
    PartnerSummary,
    PartnerUse,
    PillarNeeds,
    RulesetInfo,
    RulesetLayer,
    StartReason,
    Strategy,
    SuggestedMeasure,
    Tension,
    Why,
    share,
)
from .text import Text, suggestion_suffix
from .yaml_source import Located

#: The pillar each goal belongs to, used to choose where to start when no
#: barrier points anywhere: the user's own goals steer.
GOAL_PILLAR = {
    "eie": "bolig", "leie_privat": "bolig", "trygg_bolig": "bolig",
    "stabil_inntekt": "okonomi", "gjeldfri": "okonomi",
    "bedre_helse": "helse", "arbeid": "arbeid_utdanning", "fullfore_utdanning": "arbeid_utdanning",
}


#: bound on the output objects an engine shares between strategies: each of
#: the cache's two generations holds this many (see :mod:`ibp_rules.caches`)
OBJECT_CACHE_SIZE = 2_500
#: engines :meth:`Engine.shared` keeps (the most recently used)
SHARED_ENGINES = 4


class Engine:
    """Suggests explained, staged IBP strategies from assessments."""

    def __init__(self, ruleset: Ruleset) -> None:
        self.ruleset = ruleset
        self.graph = PillarGraph(ruleset)
        self._backend = DurableBackend(ruleset)
        self._questions = QuestionIndex(ruleset)
        self._why_cache: WhyCache | None = new_why_cache()
        #: output objects shared between strategies (see :meth:`_shared`)
        self._objects: TwoGenerations[tuple[Any, ...], Any] = TwoGenerations(OBJECT_CACHE_SIZE)
        self._info = (EngineInfo(version=__version__),
                      RulesetInfo(id=ruleset.id, version=ruleset.version, sha256=ruleset.sha256, overrides=list(ruleset.overrides),
                                  layers=[RulesetLayer(id=m.id, version=m.version) for m in ruleset.layers]))
        self._is_shared = False
        #: per measure, the checks (preconditions) the assessment can settle (most cannot)
        self._settled_checks: dict[str, set[int]] = {}
        #: partners the assessment can say the person already has
        self._partners_in_place: list[str] = []
        for mid, kind, j in ruleset.settles:
            if kind == "preconditions":
                self._settled_checks.setdefault(mid, set()).add(j)
            elif kind == "in_place_when":
                self._partners_in_place.append(mid)

    @classmethod
    def from_paths(cls, *paths: str | Path) -> Engine:
        """An engine over the rule files in ``paths`` (folders or files).

        Raises :class:`~ibp_rules.errors.RulesetError` listing every problem.
        """
        return cls(load_ruleset([Path(p) for p in paths]))

    def __reduce__(self) -> tuple[Any, tuple[Any, ...]]:
        """Pickle as "the ruleset at these paths, with this hash".

        A durable_rules host cannot be pickled, so a worker process started
        with *spawn* rebuilds the engine from the same rule files, and refuses
        to run if they changed since (the hash differs). With *fork* the
        engine is simply inherited and works as it is.
        """
        return (_rebuild_engine, (self.ruleset.roots, self.ruleset.sha256))

    @classmethod
    def default(cls) -> Engine:
        """The engine over the bundled rulesets, built once per process."""
        return _default_engine()

    @classmethod
    def shared(cls, *paths: str | Path) -> Engine:
        """The process's engine for the rule files in ``paths``: one per ruleset hash.

        For services that reload rule folders: each call hashes the files
        (about a millisecond; nothing is parsed) and returns the engine
        already built for that hash and those folders, or builds one. When
        the files change, the next call builds a new engine; the
        :data:`SHARED_ENGINES` most recently used are kept, and an engine
        that leaves the cache is freed once the last caller drops it, so
        memory stays flat over any number of reloads. A shared engine must
        not be closed (see :meth:`close`).

        Raises :class:`~ibp_rules.errors.RulesetError` listing every problem.
        """
        roots = tuple(str(Path(p).resolve()) for p in paths)
        with _shared_lock:
            key = (ruleset_sha256([Path(p) for p in paths]), roots)
            engine = _shared_engines.get(key)
            if engine is None:
                engine = cls.from_paths(*paths)
                engine._is_shared = True
                key = (engine.ruleset.sha256, roots)
                _shared_engines[key] = engine
            _shared_engines.move_to_end(key)
            while len(_shared_engines) > SHARED_ENGINES:
                _shared_engines.popitem(last=False)
            return engine

    def close(self) -> None:
        """Free the rule engine's native memory now (it is also freed when the
        engine is dropped); later calls raise :class:`EngineError`.

        For engines you built (``Engine(...)``, :meth:`from_paths`); the
        engines of :meth:`default` and :meth:`shared` belong to the process
        and refuse to close.
        """
        if self._is_shared:
            raise EngineError("this engine is shared by the process (Engine.default or Engine.shared) and cannot be closed")
        self._backend.close()

    def __enter__(self) -> Engine:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- assessing -----------------------------------------------------------

    def assess(self, assessment: Assessment | Mapping[str, Any]) -> Strategy:
        """Suggest a strategy. Raises :class:`AssessmentError` for invalid input."""
        a = self._validate(assessment)
        facts = project(a)
        firings = self._backend.run(facts)
        return self._build(a, facts, firings.rules, firings.derived)

    def trace(self, assessment: Assessment | Mapping[str, Any]) -> Firings:
        """What fired for an assessment: rule ids with their branches, and the
        derived facts with the rules that derived them (rule tests and
        debugging; :meth:`assess` builds the strategy from the same run)."""
        return self._backend.run(project(self._validate(assessment)))

    def derived_states(self, facts: dict[str, Any], derived: Iterable[str]) -> dict[str, tuple[bool | None, frozenset[str]]]:
        """Each derived fact rules read: derived, known to be false, or unknown (with the fields it waits for)."""
        return self._questions.derived_states(facts, derived)

    def _validate(self, assessment: Assessment | Mapping[str, Any]) -> Assessment:
        if isinstance(assessment, Assessment):
            a = assessment
        elif isinstance(assessment, Mapping):
            a = assessment_from_located(Located(dict(assessment), "<assessment>", {}))
        else:
            raise AssessmentError(Problem(None, None, "", f"expected an Assessment or a mapping, got {type(assessment).__name__}"))
        a = self._current_ids(a)
        problems = []
        for where, ids in (("tiltak_mottatt", a.tiltak_mottatt), ("mal.tiltak_ikke_onsket", a.mal.tiltak_ikke_onsket)):
            for i, mid in enumerate(ids or []):
                if mid not in self.ruleset.measures:
                    # the id itself is not repeated: errors never echo assessment content
                    problems.append(Problem(None, None, f"{where}[{i}]",
                                            "unknown measure id; see 'ibp rules list'." + suggestion_suffix(mid, self.ruleset.measures),
                                            message_nb="ukjent tiltak; se 'ibp rules list'." + suggestion_suffix(mid, self.ruleset.measures, "nb")))
        if problems:
            raise AssessmentError(problems)
        return a

    def _current_ids(self, a: Assessment) -> Assessment:
        """The assessment with former measure ids (``replaces`` in the catalogue)
        read as the measures that replaced them, so a stored case written
        before the catalogue was tidied still assesses (kept in order, once)."""
        replaced = self.ruleset.replaced
        if not replaced:
            return a

        def current(ids: list[str] | None) -> list[str] | None:
            return None if ids is None else current_ids(ids, replaced)

        received, declined = a.tiltak_mottatt, a.mal.tiltak_ikke_onsket
        if not any(mid in replaced for mid in (*(received or ()), *(declined or ()))):
            return a
        return a.model_copy(update={"tiltak_mottatt": current(received),
                                    "mal": a.mal.model_copy(update={"tiltak_ikke_onsket": current(declined)})})

    def _shared(self, key: tuple[Any, ...], make: Any) -> Any:
        """The output object for ``key``, made once and shared.

        Output models are immutable, and in a caseload the same measure with
        the same stage, partners and reasons recurs thousands of times;
        building and validating it once saves time per assessment. Keys hold
        the ids of the (equally shared) parts, and every cached object keeps
        those parts alive, so an id cannot be reused while its key exists.
        Bounded, keeping the objects in use (:class:`~ibp_rules.caches.TwoGenerations`).
        """
        objects = self._objects
        obj = objects.young.get(key) or objects.get(key)
        if obj is None:
            obj = make()
            objects.put(key, obj)
            share(obj)
        return obj

    def _build(self, a: Assessment, facts: dict[str, Any], fired: dict[str, list[int]],
               derived: dict[str, list[str]]) -> Strategy:
        rs = self.ruleset
        shared = self._shared
        whys = {rid: explain_rule(rs.rules[rid], branches, facts, derived, self.graph, self._why_cache) for rid, branches in fired.items()}
        goals = set(facts.get("mal.onsker", ()))
        unwanted_goals = set(facts.get("mal.onsker_ikke", ()))
        declined = set(a.mal.tiltak_ikke_onsket or ())

        # what is known first: guards, tasks and what the person already has
        excluded_by: dict[str, list[Why]] = {}
        task_reasons: dict[str, list[Why]] = {}
        in_place_why: dict[str, list[Why]] = {mid: [] for mid in a.tiltak_mottatt or ()}
        in_place_partners: dict[str, set[tuple[str, str]]] = {mid: {(rs.measures[mid].partner, "samordning")} for mid in in_place_why}
        for rid in sorted(fired):
            for action in rs.rules[rid].rule.then:
                if action.exclude is not None:
                    excluded_by.setdefault(action.exclude, []).append(whys[rid])
                elif action.task is not None:
                    task_reasons.setdefault(action.task, []).append(whys[rid])
                elif action.in_place is not None:
                    in_place_why.setdefault(action.in_place, []).append(whys[rid])
                    in_place_partners.setdefault(action.in_place, set()).update((p.id, p.form) for p in action.partners)
        in_place = set(in_place_why)

        def unwanted(mid: str) -> list[str] | None:
            """Why the user does not want it (the goals it serves), or None when nothing says so."""
            if mid in declined:
                return []
            serves = rs.measures[mid].serves
            return sorted(serves) if serves and set(serves) <= unwanted_goals else None

        # suggestions, merged per measure
        phase_req: dict[str, str | None] = {}
        partners: dict[str, set[tuple[str, str]]] = {}
        reasons: dict[str, dict[int, Why]] = {}  # by id: a reason given twice is kept once
        guarded: set[str] = set()
        not_wanted: dict[str, list[str]] = {}

        def add(mid: str, phase: str | None, uses: Iterable[tuple[str, str]], why: list[Why]) -> None:
            if mid in in_place:
                return
            refused = unwanted(mid)
            if refused is not None:
                not_wanted[mid] = refused
                return
            if mid in excluded_by:
                guarded.add(mid)
                return
            phase_req[mid] = earliest_phase(phase_req[mid], phase) if mid in phase_req else phase
            partners.setdefault(mid, set()).update(uses)
            known = reasons.setdefault(mid, {})
            for w in why:
                known.setdefault(id(w), w)

        for rid in sorted(fired):
            for action in rs.rules[rid].rule.then:
                if action.suggest is not None:
                    add(action.suggest, action.phase, ((p.id, p.form) for p in action.partners), [whys[rid]])
        # an informal first contact belongs in the first stage, even when the application waits (veileder §4.2)
        for mid in sorted(phase_req):
            contact = rs.measures[mid].first_contact
            if contact is not None:
                add(contact, "oppstart", [(rs.measures[contact].partner, "informasjon")], list(reasons[mid].values()))

        planned = plan(rs, phase_req, derived, in_place, shared, facts)
        # a service the person already has (a GP) is coordinated with, not a door to open
        has = {pid for pid in self._partners_in_place if settled(rs, (pid, "in_place_when", 0), facts, derived)}
        measures = []
        for mid, pm in planned.items():
            m = rs.measures[mid]
            asked = partners[mid] or {(m.partner, "tilgang")}
            if has:
                asked = {(p, "samordning" if f == "tilgang" and p in has else f) for p, f in asked}
            asked = _without_subsumed_information(asked)
            uses = tuple(sorted(asked, key=_use_order))
            why = list(reasons[mid].values())
            can_settle = self._settled_checks.get(mid, ())
            checks = tuple(j in can_settle and settled(rs, (mid, "preconditions", j), facts, derived) for j in range(len(m.preconditions)))
            alternative = tuple(sorted(set(m.alternative_to) & goals)) if not set(m.serves) & goals else ()
            key = ("m", mid, pm.phase, pm.stage, tuple(pm.requires), tuple(map(id, pm.prerequisites)), uses, tuple(map(id, why)),
                   checks, alternative)
            measures.append(shared(key, lambda m=m, pm=pm, uses=uses, why=why, checks=checks, alternative=alternative: SuggestedMeasure(
                id=m.id, title=m.title, pillar=m.pillar, administered_by=m.partner, phase=pm.phase,
                stage=pm.stage, requires=pm.requires, prerequisites=pm.prerequisites,
                partners=[shared(("p", p, f), lambda p=p, f=f: PartnerUse(id=p, form=f)) for p, f in uses],
                to_check=[_text(pc) for pc, done in zip(m.preconditions, checks, strict=True) if not done],
                settled=[_text(pc) for pc, done in zip(m.preconditions, checks, strict=True) if done],
                alternative_to=list(alternative), confirmed=m.confirmed, why=why,
            )))
        measures.sort(key=lambda sm: (sm.stage, _pillar_order(sm.pillar), sm.id))

        kept = []
        for mid in sorted(in_place):
            m = rs.measures[mid]
            uses = tuple(sorted(in_place_partners[mid], key=_use_order))
            why = in_place_why[mid]
            recorded = mid in (a.tiltak_mottatt or ())
            kept.append(shared(("ip", mid, uses, tuple(map(id, why)), recorded), lambda m=m, uses=uses, why=why, recorded=recorded: InPlaceMeasure(
                id=m.id, title=m.title, pillar=m.pillar, recorded=recorded, why=why,
                partners=[shared(("p", p, f), lambda p=p, f=f: PartnerUse(id=p, form=f)) for p, f in uses])))

        partner_forms: dict[str, set[str]] = {}
        partner_measures: dict[str, set[str]] = {}
        for item in [*measures, *kept]:
            for use in item.partners:
                partner_forms.setdefault(use.id, set()).add(use.form)
                partner_measures.setdefault(use.id, set()).add(item.id)
        partner_list = [
            shared(("ps", pid, tuple(sorted(partner_forms[pid])), tuple(sorted(partner_measures[pid]))), lambda pid=pid: PartnerSummary(
                id=pid, title=rs.partners[pid].title, pillar=rs.partners[pid].pillar,
                forms=sorted(partner_forms[pid], key=FORM_ORDER.__getitem__),
                measures=sorted(partner_measures[pid])))
            for pid in sorted(partner_forms)
        ]

        findings = []
        for fid in sorted(derived):
            f = rs.facts[fid]
            fwhy = [whys[r] for r in sorted(derived[fid])]
            findings.append(shared(("f", fid, tuple(map(id, fwhy))), lambda f=f, fwhy=fwhy: Finding(
                id=f.id, kind=f.kind, pillar=f.pillar, title=f.title, blocks=list(f.blocks), why=fwhy)))
        barriers = [rs.facts[fid] for fid in derived if rs.facts[fid].kind == "barrier"]
        start, start_reasons = self.graph.start_with(barriers)
        if not start:
            start = sorted({GOAL_PILLAR[g] for g in goals}, key=PILLAR_IDS.index)

        needs = []
        for pid, pillar in rs.pillars.items():
            nb_ = tuple(sorted(f.id for f in findings if f.pillar == pid and f.kind == "barrier"))
            nr_ = tuple(sorted(f.id for f in findings if f.pillar == pid and f.kind == "resource"))
            nm_ = tuple(sorted(sm.id for sm in measures if sm.pillar == pid))
            needs.append(shared(("n", pid, nb_, nr_, nm_), lambda pid=pid, pillar=pillar, nb_=nb_, nr_=nr_, nm_=nm_: PillarNeeds(
                pillar=pid, title=pillar.title, barriers=list(nb_), resources=list(nr_), measures=list(nm_))))

        suggested_ids = {sm.id for sm in measures}
        questions = [
            shared(("q", q.path, frozenset(q.adds), frozenset(q.removes), frozenset(q.tasks), frozenset(q.rules)),
                   lambda q=q: OpenQuestion(path=q.path, measures=sorted(set(q.adds) | set(q.removes)), adds=sorted(q.adds),
                                            removes=sorted(q.removes), tasks=sorted(q.tasks), rules=sorted(q.rules)))
            for q in self._questions.questions(facts, fired, derived, suggested_ids, in_place | set(excluded_by) | set(not_wanted))
        ]

        engine_info, ruleset_info = self._info
        return Strategy(
            engine=engine_info,
            ruleset=ruleset_info,
            goals=sorted(goals),
            start_with=start,
            start_reason=[shared(("s", r.pillar, tuple(r.barriers), tuple(r.blocks)), lambda r=r: StartReason(
                pillar=r.pillar, barriers=list(r.barriers), blocks=list(r.blocks))) for r in start_reasons],
            needs=needs,
            findings=findings,
            stages=max((sm.stage for sm in measures), default=-1) + 1,
            measures=measures,
            partners=partner_list,
            already_in_place=kept,
            excluded=[ExcludedMeasure(id=mid, title=rs.measures[mid].title, why=excluded_by[mid]) for mid in sorted(guarded)],
            not_wanted=[shared(("nw", mid, tuple(g)), lambda mid=mid, g=g: NotWanted(id=mid, title=rs.measures[mid].title, goals=g))
                        for mid, g in sorted(not_wanted.items())],
            tensions=self._tensions(suggested_ids | in_place, goals),
            tasks=sorted(
                (shared(("t", tid, tuple(map(id, reasons_))), lambda tid=tid, reasons_=reasons_: CoordinatorTask(
                    id=tid, title=rs.tasks[tid].title, description=rs.tasks[tid].description,
                    phase=rs.tasks[tid].phase, why=reasons_)) for tid, reasons_ in task_reasons.items()),
                key=lambda t: (PHASES.index(t.phase), t.id),
            ),
            open_questions=questions,
        )

    def _tensions(self, present: set[str], goals: set[str]) -> list[Tension]:
        """Pairs in the plan that pull against each other or against a goal (from the catalogue)."""
        found: dict[tuple[tuple[str, ...], tuple[str, ...]], Any] = {}
        for mid in sorted(present):
            for t in self.ruleset.measures[mid].tensions:
                if t.measure is not None and t.measure in present:
                    key: tuple[tuple[str, ...], tuple[str, ...]] = (tuple(sorted((mid, t.measure))), ())
                elif t.goal is not None and t.goal in goals:
                    key = ((mid,), (str(t.goal),))
                else:
                    continue
                found.setdefault(key, t.text)
        return [self._shared(("tn", key), lambda key=key, text=text: Tension(measures=list(key[0]), goals=list(key[1]), text=text))
                for key, text in sorted(found.items())]


#: the order of collaboration forms (the catalogue's): information and access come before coordinating (veileder §4.2)
FORM_ORDER = {form: i for i, form in enumerate(FORMS)}


def _use_order(use: tuple[str, str]) -> tuple[str, int]:
    """A partner use's place in a measure's list: by partner, then in the forms' order
    (so a measure reads "tilgang, samordning", as the partner summary does)."""
    return use[0], FORM_ORDER[use[1]]


def _without_subsumed_information(uses: set[tuple[str, str]]) -> set[tuple[str, str]]:
    """A measure's partner uses without *informasjon* from a partner it already asks for
    access to or coordinates with: one rule may ask only for advice (a need not yet
    settled) while another opens the service; the stronger form includes the advice,
    and "information, access, coordination" on one line reads as three errands."""
    stronger = {p for p, f in uses if f != "informasjon"}
    if not stronger:
        return uses
    return {(p, f) for p, f in uses if f != "informasjon" or p not in stronger}


def _text(precondition: Any) -> Text:
    """The words of a precondition (a plain text, or one with the facts that settle it)."""
    return precondition if isinstance(precondition, Text) else precondition.text


def _pillar_order(pillar: str) -> int:
    return PILLAR_IDS.index(pillar) if pillar in PILLAR_IDS else len(PILLAR_IDS)


def _rebuild_engine(roots: tuple[str, ...], sha256: str) -> Engine:
    engine = Engine.from_paths(*roots)
    if engine.ruleset.sha256 != sha256:
        raise EngineError("the rule files changed since this engine was built (ruleset hash differs); build a new engine")
    return engine


@functools.lru_cache(maxsize=1)
def _default_engine() -> Engine:
    engine = Engine.from_paths(default_ruleset_path())
    engine._is_shared = True
    return engine


_shared_engines: OrderedDict[tuple[str, tuple[str, ...]], Engine] = OrderedDict()
_shared_lock = threading.Lock()


def read_assessment(path: str | Path) -> Assessment:
    """Read and validate an assessment file (YAML or JSON).

    Raises :class:`AssessmentError` with file, line and field path.
    """
    from .yaml_source import SourceError, read_file

    try:
        located = read_file(Path(path))
    except SourceError as exc:
        raise AssessmentError(exc.problem) from None
    return assessment_from_located(located)


def parse_assessment(data: str | bytes | Mapping[str, Any], name: str = "<assessment>") -> Assessment:
    """The one entry for an assessment from outside: YAML or JSON text (``str``
    or UTF-8 ``bytes``), or already parsed data (a mapping, as from
    ``json.loads``).

    Everything is checked as ``ibp assess`` checks a file (for text: size,
    nesting, duplicate keys, plain data only), and whatever is wrong raises
    :class:`AssessmentError` listing every problem with its field path (and
    line, for text) — never a raw pydantic error. ``name`` is the source
    named in messages::

        parse_assessment(Path("sak.yaml").read_bytes(), "sak.yaml")
        parse_assessment("helse: {arbeidsevne: nedsatt_varig}")
        parse_assessment({"helse": {"arbeidsevne": "nedsatt_varig"}})
    """
    from .yaml_source import SourceError, read_bytes

    if isinstance(data, Mapping):
        return assessment_from_located(Located(dict(data), name, {}))
    if not isinstance(data, (str, bytes, bytearray)):
        raise AssessmentError(Problem(name, None, "", f"expected YAML or JSON text, bytes or a mapping, got {type(data).__name__}",
                                      message_nb=f"forventet YAML- eller JSON-tekst, bytes eller en mapping, fikk {type(data).__name__}"))
    try:
        located = read_bytes(data.encode("utf-8") if isinstance(data, str) else bytes(data), name)
    except SourceError as exc:
        raise AssessmentError(exc.problem) from None
    return assessment_from_located(located)
