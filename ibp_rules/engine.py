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
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from . import __version__
from .assessment import Assessment, assessment_from_located
from .backend import DurableBackend, Firings
from .errors import AssessmentError, EngineError, Problem
from .explain import WhyCache, explain_rule
from .fact_schema import project
from .graph import PillarGraph
from .planner import earliest_phase, plan
from .questions import QuestionIndex
from .resources import default_ruleset_path
from .ruleset import Ruleset, load_ruleset, ruleset_sha256
from .ruleset_files import PHASES, PILLAR_IDS
from .strategy import (
    CoordinatorTask,
    EngineInfo,
    ExcludedMeasure,
    Finding,
    OpenQuestion,
    PartnerSummary,
    PartnerUse,
    PillarNeeds,
    RulesetInfo,
    RulesetLayer,
    StartReason,
    Strategy,
    SuggestedMeasure,
    Why,
)
from .text import suggestion_suffix
from .yaml_source import Located

#: The pillar each goal belongs to, used to choose where to start when no
#: barrier points anywhere: the user's own goals steer.
GOAL_PILLAR = {
    "eie": "bolig", "leie_privat": "bolig", "trygg_bolig": "bolig",
    "stabil_inntekt": "okonomi", "gjeldfri": "okonomi",
    "bedre_helse": "helse", "arbeid": "arbeid_utdanning", "fullfore_utdanning": "arbeid_utdanning",
}


#: bound on the output objects an engine shares between strategies
OBJECT_CACHE_SIZE = 5_000
#: engines :meth:`Engine.shared` keeps (the most recently used)
SHARED_ENGINES = 4


class Engine:
    """Suggests explained, staged IBP strategies from assessments."""

    def __init__(self, ruleset: Ruleset) -> None:
        self.ruleset = ruleset
        self.graph = PillarGraph(ruleset)
        self._backend = DurableBackend(ruleset)
        self._questions = QuestionIndex(ruleset)
        self._why_cache: WhyCache | None = {}
        #: output objects shared between strategies (see :meth:`_shared`)
        self._objects: dict[tuple[Any, ...], Any] = {}
        self._info = (EngineInfo(version=__version__),
                      RulesetInfo(id=ruleset.id, version=ruleset.version, sha256=ruleset.sha256, overrides=list(ruleset.overrides),
                                  layers=[RulesetLayer(id=m.id, version=m.version) for m in ruleset.layers]))
        self._is_shared = False

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

    def _validate(self, assessment: Assessment | Mapping[str, Any]) -> Assessment:
        if isinstance(assessment, Assessment):
            a = assessment
        elif isinstance(assessment, Mapping):
            a = assessment_from_located(Located(dict(assessment), "<assessment>", {}))
        else:
            raise AssessmentError(Problem(None, None, "", f"expected an Assessment or a mapping, got {type(assessment).__name__}"))
        problems = []
        for i, mid in enumerate(a.tiltak_mottatt or []):
            if mid not in self.ruleset.measures:
                # the id itself is not repeated: errors never echo assessment content
                problems.append(Problem(None, None, f"tiltak_mottatt[{i}]",
                                        "unknown measure id; see 'ibp rules list'." + suggestion_suffix(mid, self.ruleset.measures),
                                        message_nb="ukjent tiltak; se 'ibp rules list'." + suggestion_suffix(mid, self.ruleset.measures, "nb")))
        if problems:
            raise AssessmentError(problems)
        return a

    def _shared(self, key: tuple[Any, ...], make: Any) -> Any:
        """The output object for ``key``, made once and shared.

        Output models are immutable, and in a caseload the same measure with
        the same stage, partners and reasons recurs thousands of times;
        building and validating it once saves time per assessment. Keys hold
        the ids of the (equally shared) parts, and every cached object keeps
        those parts alive, so an id cannot be reused while its key exists.
        Bounded: cleared when full.
        """
        obj = self._objects.get(key)
        if obj is None:
            if len(self._objects) >= OBJECT_CACHE_SIZE:
                self._objects.clear()
            obj = self._objects[key] = make()
        return obj

    def _build(self, a: Assessment, facts: dict[str, Any], fired: dict[str, list[int]],
               derived: dict[str, list[str]]) -> Strategy:
        rs = self.ruleset
        whys = {rid: explain_rule(rs.rules[rid], branches, facts, derived, self.graph, self._why_cache) for rid, branches in fired.items()}
        already = set(a.tiltak_mottatt or [])

        # guards first: a measure whose exclusion is known is not suggested
        excluded_by: dict[str, list[Why]] = {}
        task_reasons: dict[str, list[Why]] = {}
        for rid in sorted(fired):
            for action in rs.rules[rid].rule.then:
                if action.exclude is not None:
                    excluded_by.setdefault(action.exclude, []).append(whys[rid])
                elif action.task is not None:
                    task_reasons.setdefault(action.task, []).append(whys[rid])

        # suggestions, merged per measure
        phase_req: dict[str, str | None] = {}
        partners: dict[str, set[tuple[str, str]]] = {}
        reasons: dict[str, list[Why]] = {}
        skipped: set[str] = set()
        guarded: set[str] = set()
        for rid in sorted(fired):
            for action in rs.rules[rid].rule.then:
                mid = action.suggest
                if mid is None:
                    continue
                if mid in already:
                    skipped.add(mid)
                    continue
                if mid in excluded_by:
                    guarded.add(mid)
                    continue
                phase_req[mid] = earliest_phase(phase_req[mid], action.phase) if mid in phase_req else action.phase
                partners.setdefault(mid, set()).update((p.id, p.form) for p in action.partners)
                reasons.setdefault(mid, []).append(whys[rid])

        planned = plan(rs, phase_req, derived, already, self._shared)
        measures = []
        shared = self._shared
        for mid, pm in planned.items():
            m = rs.measures[mid]
            uses = tuple(sorted(partners[mid] or {(m.partner, "tilgang")}))
            why = reasons[mid]
            key = ("m", mid, pm.phase, pm.stage, tuple(pm.requires), tuple(map(id, pm.prerequisites)), uses, tuple(map(id, why)))
            measures.append(shared(key, lambda m=m, pm=pm, uses=uses, why=why: SuggestedMeasure(
                id=m.id, title=m.title, pillar=m.pillar, administered_by=m.partner, phase=pm.phase,
                stage=pm.stage, requires=pm.requires, prerequisites=pm.prerequisites,
                partners=[shared(("p", p, f), lambda p=p, f=f: PartnerUse(id=p, form=f)) for p, f in uses],
                to_check=list(m.preconditions), confirmed=m.confirmed, why=why,
            )))
        measures.sort(key=lambda sm: (sm.stage, _pillar_order(sm.pillar), sm.id))

        partner_forms: dict[str, set[str]] = {}
        partner_measures: dict[str, set[str]] = {}
        for sm in measures:
            for use in sm.partners:
                partner_forms.setdefault(use.id, set()).add(use.form)
                partner_measures.setdefault(use.id, set()).add(sm.id)
        partner_list = [
            shared(("ps", pid, tuple(sorted(partner_forms[pid])), tuple(sorted(partner_measures[pid]))), lambda pid=pid: PartnerSummary(
                id=pid, title=rs.partners[pid].title, pillar=rs.partners[pid].pillar,
                forms=sorted(partner_forms[pid], key=("informasjon", "tilgang", "samordning").index),
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
        goals = list(facts.get("mal.onsker", []))
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
            shared(("q", q.path, tuple(sorted(q.adds)), tuple(sorted(q.removes)), tuple(sorted(q.tasks)), tuple(sorted(q.rules))),
                   lambda q=q: OpenQuestion(path=q.path, measures=sorted(q.adds | q.removes), adds=sorted(q.adds),
                                            removes=sorted(q.removes), tasks=sorted(q.tasks), rules=sorted(q.rules)))
            for q in self._questions.questions(facts, fired, derived, suggested_ids, skipped | guarded)
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
            already_in_place=sorted(skipped),
            excluded=[ExcludedMeasure(id=mid, title=rs.measures[mid].title, why=excluded_by[mid]) for mid in sorted(guarded)],
            tasks=sorted(
                (shared(("t", tid, tuple(map(id, reasons_))), lambda tid=tid, reasons_=reasons_: CoordinatorTask(
                    id=tid, title=rs.tasks[tid].title, description=rs.tasks[tid].description,
                    phase=rs.tasks[tid].phase, why=reasons_)) for tid, reasons_ in task_reasons.items()),
                key=lambda t: (PHASES.index(t.phase), t.id),
            ),
            open_questions=questions,
        )


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
