"""Load rule and catalogue files and link them into one checked :class:`Ruleset`.

Loading is all-or-nothing and reports *every* problem at once, each with its
file, line, field path and rule id: a coordinator's tool must never start
with half a knowledge base. Nothing in a file is executed; conditions are
parsed into data (:mod:`ibp_rules.conditions`).

Linking checks what one file cannot check alone: ids are unique, every
reference resolves (did-you-mean otherwise), a cross-pillar suggestion
declares the pillar relation it travels, the prerequisite graph has no cycle,
and rules that test for the *absence* of a derived fact can be stratified.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import networkx as nx
from pydantic import BaseModel, ValidationError

from . import conditions as C
from .errors import Problem, RulesetError
from .fact_schema import FACTS
from .ruleset_files import (
    FILE_MODELS,
    PILLAR_IDS,
    CoverageFile,
    DerivedFact,
    Measure,
    Parameter,
    Partner,
    Pillar,
    PillarsFile,
    Relation,
    Rule,
    RulesetManifest,
    Task,
)
from .text import suggestion_suffix
from .validation_messages import describe
from .yaml_source import Located, PathKey, SourceError, format_path, read_bytes, read_reason

RULE_FILE_SUFFIXES = (".yaml", ".yml")
CASES_SUFFIXES = (".cases.yaml", ".cases.yml")


@dataclass(frozen=True)
class CompiledRule:
    """A rule with its parsed condition, kept beside the engine definition."""

    rule: Rule
    condition: C.Condition
    branches: tuple[C.Conjunction, ...]
    stratum: int
    file: str
    line: int | None
    #: pillars of the assessment facts and derived facts the rule reads
    reads_pillars: frozenset[str]
    #: texts chosen by the facts: (branches of the condition, text), first match wins
    text_variants: tuple[tuple[tuple[C.Conjunction, ...], Any], ...] = ()

    @property
    def id(self) -> str:
        return self.rule.id


@dataclass
class Ruleset:
    """Everything the engine needs, linked and checked."""

    id: str
    version: str
    title: Any
    sha256: str
    files: tuple[str, ...]
    pillars: dict[str, Pillar]
    relations: dict[frozenset[str], Relation]
    partners: dict[str, Partner]
    measures: dict[str, Measure]
    facts: dict[str, DerivedFact]
    tasks: dict[str, Task]
    parameters: dict[str, Parameter]
    rules: dict[str, CompiledRule]
    #: "kind:id" → why no rule uses it (``ibp rules coverage``)
    coverage_notes: dict[str, Any]
    max_stratum: int
    prerequisites: nx.DiGraph = field(repr=False)
    #: explicit replacements of an item from another folder: "kind:id"
    overrides: tuple[str, ...] = ()
    #: the folders or files it was loaded from (absolute paths)
    roots: tuple[str, ...] = ()
    #: each measure's place in a topological order of the prerequisite graph
    #: (computed once: the planner stages measures by walking it)
    topo_rank: dict[str, int] = field(default_factory=dict)
    #: the manifests of folders that extend the base ruleset, sorted by id
    layers: tuple[RulesetManifest, ...] = ()
    #: files in the given folders that are not rule or case files (shown by ``ibp rules validate``)
    not_read: tuple[str, ...] = ()
    #: when the assessment settles a measure's check: (measure, "requires" |
    #: "preconditions", index) → branches of the ``settled_by`` condition; and
    #: when it says a partner is already in place: (partner, "in_place_when", 0)
    settles: dict[tuple[str, str, int], tuple[C.Conjunction, ...]] = field(default_factory=dict)
    #: a former measure id → the measure that replaces it (``replaces`` in the catalogue)
    replaced: dict[str, str] = field(default_factory=dict)


def current_ids(ids: Iterable[str], replaced: Mapping[str, str]) -> list[str]:
    """Measure ids with former ones (``Ruleset.replaced``) read as the measures that
    replaced them, in order and once: how every reader of stored ids (the engine,
    the web form) keeps an old record meaning what it meant."""
    return list(dict.fromkeys(replaced.get(mid, mid) for mid in ids))


@dataclass
class _Loaded:
    located: Located
    model: Any
    #: for list files (rules, measures, …): (index in the file, validated item)
    items: list[tuple[int, Any]] = field(default_factory=list)
    #: which of the given folders the file came from
    root: int = 0


#: File kinds that are lists of items, validated one item at a time so that
#: one bad rule does not hide the problems of the next.
_ITEM_FILES: dict[str, tuple[str, type[BaseModel]]] = {
    "rules": ("rules", Rule),
    "measures": ("measures", Measure),
    "partners": ("partners", Partner),
    "facts": ("facts", DerivedFact),
    "tasks": ("tasks", Task),
    "parameters": ("parameters", Parameter),
}


@dataclass(frozen=True)
class _SourceFile:
    path: Path
    root: int
    rel: str
    raw: bytes


def _collect_files(paths: Sequence[Path]) -> tuple[list[_SourceFile], list[Problem], str, list[str]]:
    """All rule files under ``paths`` (sorted), the hash of their bytes, and
    the files in the folders that are not read.

    The hash covers each file's path relative to its folder and its bytes,
    in sorted order, so it does not depend on where the folders are or in
    which order they are given.

    In a folder, a rule file's name ends in ``.yaml`` or ``.yml``; case files
    (``.cases.yaml``) are read by the rule tests; hidden files and folders
    (a name starting with ``.``) are passed over. Nothing else is skipped
    without a word: a name ending in ``.YAML`` or ``.Yml`` is a problem (it
    looks like a rule file but would not be read), a folder with no rule file
    is a problem, and any other file is listed as not read (``ibp rules
    validate`` shows the list).
    """
    files: list[_SourceFile] = []
    problems: list[Problem] = []
    ignored: list[str] = []
    for index, root in enumerate(paths):
        root = Path(root)
        if root.is_file():
            found = [root]
            base = root.parent
        elif root.is_dir():
            found = []
            for p in sorted(root.rglob("*")):
                if not p.is_file() or any(part.startswith(".") for part in p.relative_to(root).parts):
                    continue
                if p.name.endswith(CASES_SUFFIXES):
                    continue
                if p.name.endswith(RULE_FILE_SUFFIXES):
                    found.append(p)
                elif p.name.lower().endswith(RULE_FILE_SUFFIXES):
                    problems.append(Problem(str(p), None, "", "not read: a rule file's name ends in '.yaml' or '.yml' "
                                            "in lower case; rename the file",
                                            message_nb="ikke lest: navnet på en regelfil slutter på '.yaml' eller '.yml' "
                                                       "med små bokstaver; gi filen nytt navn"))
                else:
                    ignored.append(str(p))
            if not found:
                problems.append(Problem(str(root), None, "", "no rule files in this folder (files ending in .yaml or .yml)",
                                        message_nb="ingen regelfiler i denne mappen (filer som slutter på .yaml eller .yml)"))
            base = root
        else:
            problems.append(Problem(str(root), None, "", "no such file or folder"))
            continue
        for p in found:
            rel = p.relative_to(base).as_posix()
            try:
                raw = p.read_bytes()
            except OSError as exc:
                problems.append(Problem(str(p), None, "", f"cannot read the file: {read_reason(exc)}"))
                continue
            files.append(_SourceFile(p, index, rel, raw))
    digest = hashlib.sha256()
    for f in sorted(files, key=lambda f: (f.rel, hashlib.sha256(f.raw).hexdigest())):
        digest.update(f"{f.rel}\0{len(f.raw)}\0".encode())
        digest.update(f.raw)
    return files, problems, digest.hexdigest(), ignored


def ruleset_sha256(paths: Sequence[Path | str]) -> str:
    """The hash :func:`load_ruleset` would record for ``paths``, without parsing.

    Missing or unreadable files are left out here; loading reports them.
    """
    return _collect_files([Path(p) for p in paths])[2]


def _validation_problems(exc: ValidationError, located: Located, prefix: tuple[str | int, ...] = ()) -> list[Problem]:
    out = []
    for err in exc.errors(include_url=False, include_input=False):
        loc = prefix + tuple(err["loc"])
        rule_id = _rule_id_at(located, loc)
        if err.get("type") in ("value_error", "assertion_error"):
            en, nb = str(err.get("msg", "")).removeprefix("Value error, "), None
        else:
            text = describe(err)
            en, nb = text.en, text.nb
        out.append(Problem(located.file, located.line_of(loc), format_path(loc), en, rule_id, message_nb=nb))
    return out


def _rule_id_at(located: Located, loc: tuple[str | int, ...]) -> str | None:
    data = located.data
    if isinstance(data, dict) and data.get("kind") == "rules" and len(loc) >= 2 and loc[0] == "rules" and isinstance(loc[1], int):
        rules = data.get("rules")
        if isinstance(rules, list) and loc[1] < len(rules) and isinstance(rules[loc[1]], dict):
            rid = rules[loc[1]].get("id")
            return rid if isinstance(rid, str) else None
    return None


def _load_file(source: _SourceFile, problems: list[Problem]) -> _Loaded | None:
    try:
        located = read_bytes(source.raw, str(source.path), as_json=source.path.suffix.lower() == ".json")
    except SourceError as exc:
        problems.append(exc.problem)
        return None
    data = located.data
    if not isinstance(data, dict) or "kind" not in data:
        problems.append(Problem(located.file, located.line_of(()), "kind", f"a rule file starts with 'kind:' — one of {', '.join(FILE_MODELS)}"))
        return None
    kind = data["kind"]
    model_cls = FILE_MODELS.get(kind) if isinstance(kind, str) else None
    if model_cls is None:
        problems.append(Problem(located.file, located.line_of(("kind",)), "kind",
                                f"unknown kind {kind!r}; expected one of {', '.join(FILE_MODELS)}." + suggestion_suffix(str(kind), FILE_MODELS)))
        return None
    if kind in _ITEM_FILES:
        key, item_cls = _ITEM_FILES[kind]
        extra = sorted(set(data) - {"kind", key})
        if extra:
            problems.append(Problem(located.file, located.line_of((extra[0],)), extra[0],
                                    f"unknown key; a '{kind}' file has 'kind' and '{key}'"))
        raw_items = data.get(key)
        if not isinstance(raw_items, list):
            problems.append(Problem(located.file, located.line_of((key,)), key, f"'{key}' must be a list"))
            return None
        loaded = _Loaded(located, model_cls.model_construct(**{"kind": kind}), root=source.root)
        for i, raw in enumerate(raw_items):
            try:
                loaded.items.append((i, item_cls.model_validate(raw)))
            except ValidationError as exc:
                problems.extend(_validation_problems(exc, located, (key, i)))
        return loaded
    try:
        return _Loaded(located, model_cls.model_validate(data), root=source.root)
    except ValidationError as exc:
        problems.extend(_validation_problems(exc, located))
        return None


class _Linker:
    """Cross-file checks; appends to ``problems`` rather than stopping at the first."""

    def __init__(self, loaded: list[_Loaded], problems: list[Problem]) -> None:
        self.loaded = loaded
        self.problems = problems
        self.root_of = {ld.located.file: ld.root for ld in loaded}
        self.overrides: list[str] = []

    def add(self, located: Located, loc: tuple[str | int, ...], message: str, rule_id: str | None = None) -> None:
        self.problems.append(Problem(located.file, located.line_of(loc), format_path(loc), message, rule_id))

    def unique(self, kind: str, items: Iterable[tuple[Any, Located, PathKey]]) -> dict[str, Any]:
        """Items by id. An id defined twice is an error, except that an item
        marked ``override: true`` explicitly replaces the one item of that id
        from *another* folder (reported in ``Ruleset.overrides``). Which one
        wins never depends on the order the folders are given in."""
        by_id: dict[str, list[tuple[Any, Located, PathKey]]] = {}
        for entry in items:
            by_id.setdefault(entry[0].id, []).append(entry)
        out: dict[str, Any] = {}
        for iid, entries in by_id.items():
            entries.sort(key=lambda e: (e[1].file, e[2]))
            rid = iid if kind == "rule" else None
            overriding = [e for e in entries if getattr(e[0], "override", False)]
            plain = [e for e in entries if not getattr(e[0], "override", False)]
            if len(entries) == 1 and not overriding:
                out[iid] = entries[0][0]
                continue
            first = entries[0]
            where = f"{first[1].file}:{first[1].line_of(first[2])}"
            if len(entries) == 1:
                _item, located, loc = overriding[0]
                self.add(located, loc + ("override",), f"{kind} '{iid}' is marked override, but no other folder defines it", rid)
            elif len(overriding) == 1 and len(plain) == 1 and self.root_of[overriding[0][1].file] != self.root_of[plain[0][1].file]:
                item, located, _loc = overriding[0]
                out[iid] = item
                self.overrides.append(f"{kind}:{iid}")
            elif not overriding and len({self.root_of[e[1].file] for e in entries}) > 1:
                # reported at every definition: which folder is "extra" is the user's call
                for _item, located, loc in entries:
                    others = ", ".join(f"{o[1].file}:{o[1].line_of(o[2])}" for o in entries if o[1] is not located)
                    self.add(located, loc + ("id",), f"{kind} id '{iid}' is also defined at {others}; to replace one with "
                                                     "the other, mark the replacing one 'override: true'", rid)
            else:
                for _item, located, loc in entries[1:]:
                    self.add(located, loc + ("id",), f"duplicate {kind} id '{iid}' (also defined at {where})", rid)
        return dict(sorted(out.items()))

    def of(self, cls: type) -> list[tuple[Located, Any]]:
        return [(ld.located, ld.model) for ld in self.loaded if isinstance(ld.model, cls)]

    def items(self, kind: str) -> list[tuple[Any, Located, tuple[str | int, ...]]]:
        """Every valid item of a list-file kind, with its file and path."""
        key = _ITEM_FILES[kind][0]
        return [(item, ld.located, (key, i)) for ld in self.loaded if getattr(ld.model, "kind", None) == kind
                for i, item in ld.items]


def load_ruleset(paths: Sequence[Path | str]) -> Ruleset:
    """Load, validate and link the rule files under ``paths``.

    Raises :class:`RulesetError` listing every problem found.
    """
    roots = [Path(p) for p in paths]
    files, problems, sha, ignored = _collect_files(roots)
    loaded = [ld for ld in (_load_file(p, problems) for p in files) if ld is not None]
    link = _Linker(loaded, problems)

    manifest, layers, base_root = _manifests(link, roots)

    # pillars and relations
    pillar_items: list[tuple[Any, Located, PathKey]] = []
    relation_items: list[tuple[Any, Located, PathKey]] = []
    for located, pf in link.of(PillarsFile):
        pillar_items += [(p, located, ("pillars", i)) for i, p in enumerate(pf.pillars)]
        relation_items += [(r, located, ("relations", i)) for i, r in enumerate(pf.relations)]
    pillars = link.unique("pillar", pillar_items)
    missing = [p for p in PILLAR_IDS if p not in pillars]
    if missing and loaded:
        problems.append(Problem(str(roots[0]), None, "pillars", f"the four pillars must all be defined; missing: {', '.join(missing)}"))
    relations: dict[frozenset[str], Relation] = {}
    for rel, located, loc in relation_items:
        key = frozenset(rel.between)
        if key in relations:
            link.add(located, loc + ("between",), f"relation {'–'.join(rel.between)} is defined twice")
        relations[key] = rel
    if pillars and len(relations) != 6 and not missing:
        problems.append(Problem(str(roots[0]), None, "relations", f"expected the six pillar relations, found {len(relations)}"))

    partner_items: list[tuple[Partner, Located, PathKey]] = link.items("partners")
    partners = link.unique("partner", partner_items)
    facts = link.unique("fact", link.items("facts"))
    tasks = link.unique("task", link.items("tasks"))
    coverage_notes: dict[str, Any] = {}
    for located, cf in link.of(CoverageFile):
        for i, note in enumerate(cf.notes):
            if note.item in coverage_notes:
                link.add(located, ("notes", i, "item"), f"'{note.item}' is explained twice")
            coverage_notes[note.item] = note.reason
    parameters = link.unique("parameter", link.items("parameters"))
    measure_items: list[tuple[Measure, Located, PathKey]] = link.items("measures")
    measures = link.unique("measure", measure_items)
    clash = set(facts) & set(FACTS)
    for fid in sorted(clash):  # pragma: no cover - paths contain dots, slugs do not
        problems.append(Problem(None, None, "facts", f"derived fact '{fid}' shadows an assessment fact"))

    # measures: partner, prerequisites, former ids, provides
    replaced: dict[str, str] = {}
    for m, located, loc in measure_items:
        if m.partner not in partners:
            link.add(located, loc + ("partner",), f"unknown partner '{m.partner}'." + suggestion_suffix(m.partner, partners))
        for j, pre in enumerate(m.requires):
            if pre.measure is not None and pre.measure not in measures:
                link.add(located, loc + ("requires", j, "measure"), f"unknown measure '{pre.measure}'." + suggestion_suffix(pre.measure, measures))
            if pre.measure == m.id:
                link.add(located, loc + ("requires", j, "measure"), "a measure cannot require itself")
            if pre.fact is not None and pre.fact not in facts:
                link.add(located, loc + ("requires", j, "fact"), f"unknown derived fact '{pre.fact}'." + suggestion_suffix(pre.fact, facts))
        if m.first_contact is not None:
            contact = measures.get(m.first_contact)
            if contact is None:
                link.add(located, loc + ("first_contact",), f"unknown measure '{m.first_contact}'." + suggestion_suffix(m.first_contact, measures))
            elif contact.id == m.id or contact.first_contact is not None or contact.requires:
                link.add(located, loc + ("first_contact",), "a first contact is another measure, with no first contact or prerequisites of its own")
        for j, tension in enumerate(m.tensions):
            if tension.measure is not None and tension.measure not in measures:
                link.add(located, loc + ("tensions", j, "measure"), f"unknown measure '{tension.measure}'." + suggestion_suffix(tension.measure, measures))
        for j, old_id in enumerate(m.replaces):
            if old_id in measures:
                link.add(located, loc + ("replaces", j), f"'{old_id}' is a measure of its own; only a former id can be replaced")
            elif replaced.setdefault(old_id, m.id) != m.id:
                link.add(located, loc + ("replaces", j), f"'{old_id}' is already replaced by '{replaced[old_id]}'")
        for j, fid in enumerate(m.provides):
            if fid not in facts:
                link.add(located, loc + ("provides", j), f"unknown derived fact '{fid}'." + suggestion_suffix(fid, facts))
            elif facts[fid].kind != "resource":
                link.add(located, loc + ("provides", j), f"'{fid}' is a barrier; a measure provides a resource")

    prereq = _prerequisite_graph(measures, facts)
    if not problems:
        try:
            cycle = nx.find_cycle(prereq)
        except nx.NetworkXNoCycle:
            cycle = None
        if cycle:
            path = " → ".join([cycle[0][0]] + [v for _, v in cycle])
            m = measures[cycle[0][0]]
            located, loc = next((ld, lc) for mm, ld, lc in measure_items if mm.id == m.id)
            link.add(located, loc + ("requires",), f"prerequisite cycle: {path}")

    # rules
    rule_items: list[tuple[Rule, Located, PathKey]] = link.items("rules")
    rules_by_id = link.unique("rule", rule_items)
    ctx = C.ParseContext(frozenset(facts), frozenset(measures))
    conditions: dict[str, tuple[Rule, C.Condition, Located, tuple[str | int, ...]]] = {}
    #: conditions besides the rules' own: text variants, what settles a check and when a partner is in place,
    #: keyed (measure id, "requires" | "preconditions", index), (rule id, "rationale_by_fact", index)
    #: or (partner id, "in_place_when", 0)
    side_conditions: dict[tuple[str, str, int], tuple[C.Condition, Located, tuple[str | int, ...], str | None]] = {}
    for m, located, loc in measure_items:
        checks = [("requires", j, pre.settled_by) for j, pre in enumerate(m.requires)]
        checks += [("preconditions", j, getattr(pc, "settled_by", None)) for j, pc in enumerate(m.preconditions)]
        for where, j, data in checks:
            if data is None:
                continue
            scond, sprobs = C.parse(data, ctx, loc + (where, j, "settled_by"))
            for cp in sprobs:
                link.add(located, cp.path, cp.message)
            if scond is not None:
                side_conditions[(m.id, where, j)] = (scond, located, loc + (where, j, "settled_by"), None)
    for partner, located, loc in partner_items:
        if partner.in_place_when is None or partners.get(partner.id) is not partner:
            continue
        pcond, pprobs = C.parse(partner.in_place_when, ctx, loc + ("in_place_when",))
        for cp in pprobs:
            link.add(located, cp.path, cp.message)
        if pcond is not None:
            side_conditions[(partner.id, "in_place_when", 0)] = (pcond, located, loc + ("in_place_when",), None)
    for rule, located, loc in rule_items:
        if rules_by_id.get(rule.id) is not rule:
            continue
        cond, cprobs = C.parse(rule.when, ctx, loc + ("when",))
        for cp in cprobs:
            link.add(located, cp.path, cp.message, rule.id)
        if cond is None:
            _check_actions(link, rule, located, loc, measures, partners, facts, tasks, None)
            continue
        _check_actions(link, rule, located, loc, measures, partners, facts, tasks, cond)
        conditions[rule.id] = (rule, cond, located, loc)
        for j, variant in enumerate(rule.rationale_by_fact):
            vcond, vprobs = C.parse(variant.when, ctx, loc + ("rationale_by_fact", j, "when"))
            for cp in vprobs:
                link.add(located, cp.path, cp.message, rule.id)
            if vcond is not None:
                side_conditions[(rule.id, "rationale_by_fact", j)] = (vcond, located, loc + ("rationale_by_fact", j, "when"), rule.id)
    parsed: dict[str, tuple[Rule, C.Condition, list[C.Conjunction], Located, tuple[str | int, ...]]] = {}
    expander = _Expander(conditions)
    cycles_reported = False
    for rid, (rule, cond, located, loc) in conditions.items():
        try:
            branches = expander.branches(rid)
        except _NegationCycle:
            if not cycles_reported:
                cycles_reported = True
                _report_derivation_cycles(conditions, link, base_root)
            continue
        except ValueError as exc:
            link.add(located, loc + ("when",), str(exc), rid)
            continue
        parsed[rid] = (rule, cond, branches, located, loc)
    side: dict[tuple[str, str, int], tuple[C.Conjunction, ...]] = {}
    for skey, (scond, located, sloc, owner) in side_conditions.items():
        try:
            side[skey] = tuple(expander.expand(scond))
        except _NegationCycle:
            if not cycles_reported:
                cycles_reported = True
                _report_derivation_cycles(conditions, link, base_root)
        except ValueError as exc:
            link.add(located, sloc, str(exc), owner)

    strata = _stratify(parsed, link, base_root) if not problems else {}
    if problems:
        raise RulesetError(sorted(set(problems), key=lambda p: (p.file or "", p.line or 0, p.path)))
    assert manifest is not None

    compiled: dict[str, CompiledRule] = {}
    for rid in sorted(parsed):
        rule, cond, branches, located, loc = parsed[rid]
        compiled[rid] = CompiledRule(
            rule=rule, condition=cond, branches=tuple(branches), stratum=strata[rid],
            file=located.file, line=located.line_of(loc), reads_pillars=_read_pillars(cond, facts),
            text_variants=tuple((side[(rid, "rationale_by_fact", j)], v.text) for j, v in enumerate(rule.rationale_by_fact)),
        )
    ordered_pillars = {pid: pillars[pid] for pid in PILLAR_IDS}
    return Ruleset(
        id=manifest.id, version=manifest.version, title=manifest.title, sha256=sha, layers=layers, not_read=tuple(ignored),
        files=tuple(str(f.path) for f in files), overrides=tuple(link.overrides),
        roots=tuple(os.path.abspath(r) for r in roots),  # absolute: a worker started elsewhere rebuilds from the same files
        topo_rank={m: i for i, m in enumerate(nx.lexicographical_topological_sort(prereq))}, pillars=ordered_pillars, relations=relations,
        partners=dict(sorted(partners.items())), measures=dict(sorted(measures.items())),
        facts=dict(sorted(facts.items())), tasks=dict(sorted(tasks.items())),
        parameters=dict(sorted(parameters.items())), rules=compiled, coverage_notes=dict(sorted(coverage_notes.items())),
        max_stratum=max(strata.values(), default=0), prerequisites=prereq,
        settles={skey: branches for skey, branches in side.items() if skey[1] != "rationale_by_fact"},
        replaced=dict(sorted(replaced.items())),
    )


def _manifests(link: _Linker, roots: Sequence[Path]) -> tuple[RulesetManifest | None, tuple[RulesetManifest, ...], int | None]:
    """The base manifest, the layers that extend it, and the base's folder.

    Which manifest is the base never depends on the order of the folders:
    it is the one without ``extends``. One manifest per folder; one base;
    every layer extends the base and has an id of its own.
    """
    problems = link.problems
    manifests = sorted(link.of(RulesetManifest), key=lambda m: m[0].file)
    by_root: dict[int, list[Located]] = {}
    for located, _m in manifests:
        by_root.setdefault(link.root_of[located.file], []).append(located)
    for files in by_root.values():
        for located in files[1:]:
            problems.append(Problem(located.file, located.line_of(()), "kind",
                                    f"a folder has one 'kind: ruleset' manifest; this folder also has {files[0].file}",
                                    message_nb=f"en mappe har én 'kind: ruleset'-fil; denne mappen har også {files[0].file}"))
    bases = [(ld, m) for ld, m in manifests if m.extends is None]
    layers = [(ld, m) for ld, m in manifests if m.extends is not None]
    if len(bases) > 1:
        ids = ", ".join(f"'{m.id}' ({ld.file})" for ld, m in bases)
        for located, _m in bases:
            problems.append(Problem(
                located.file, located.line_of(("id",)), "extends",
                f"more than one base ruleset: {ids}; in the folder that adds to the other, name the other in the manifest "
                "('extends: <its id>')",
                message_nb=f"mer enn ett grunnregelsett: {ids}; i mappen som bygger på det andre, oppgi det andre i manifestet "
                           "('extends: <id-en>')"))
        return None, (), None
    if not bases:
        if not problems:
            where = layers[0][0].file if layers else (str(roots[0]) if roots else "<none>")
            problems.append(Problem(where, None, "", "no 'kind: ruleset' manifest found (id, version, title)" if not layers else
                                    "no base ruleset: every manifest here extends another; give the base ruleset's folder too",
                                    message_nb=None if not layers else
                                    "mangler grunnregelsett: alle manifestene her bygger på et annet; ta med mappen til grunnregelsettet"))
        return None, (), None
    base_located, base = bases[0]
    seen = {base.id: base_located.file}
    for located, layer in layers:
        if layer.extends != base.id:
            problems.append(Problem(located.file, located.line_of(("extends",)), "extends",
                                    f"extends '{layer.extends}', but the base ruleset is '{base.id}'",
                                    message_nb=f"bygger på '{layer.extends}', men grunnregelsettet er '{base.id}'"))
        if layer.id in seen:
            problems.append(Problem(located.file, located.line_of(("id",)), "id",
                                    f"ruleset id '{layer.id}' is also used by {seen[layer.id]}",
                                    message_nb=f"regelsett-id-en '{layer.id}' er også brukt av {seen[layer.id]}"))
        seen.setdefault(layer.id, located.file)
    return base, tuple(sorted((m for _ld, m in layers), key=lambda m: m.id)), link.root_of[base_located.file]


class _NegationCycle(Exception):
    """A derived fact's known-false conditions depend on themselves."""


class _Expander:
    """Each rule's branches, with "not derived X" replaced by when X is known to be false.

    A fact's known-false conditions need the branches of the rules deriving
    it, which may read other facts' absence in turn: computed on demand,
    once each, in whatever order they are needed. A cycle through such a
    negation has no three-valued meaning here and is reported.
    """

    def __init__(self, conditions: dict[str, tuple[Rule, C.Condition, Located, tuple[str | int, ...]]]) -> None:
        self.conditions = conditions
        self.derivers: dict[str, list[str]] = {}
        for rid in sorted(conditions):
            for action in conditions[rid][0].then:
                if action.derive:
                    self.derivers.setdefault(action.derive, []).append(rid)
        self._branches: dict[str, list[C.Conjunction]] = {}
        self._false: dict[str, list[C.Conjunction]] = {}
        self._busy: set[str] = set()

    def expand(self, cond: C.Condition) -> list[C.Conjunction]:
        """The branches of any condition, with the same three-valued "not derived"."""
        return C.to_dnf(cond, negated=self.known_false)

    def branches(self, rid: str) -> list[C.Conjunction]:
        got = self._branches.get(rid)
        if got is None:
            if rid in self._busy:
                raise _NegationCycle(rid)
            self._busy.add(rid)
            try:
                got = self._branches[rid] = C.to_dnf(self.conditions[rid][1], negated=self.known_false)
            finally:
                self._busy.discard(rid)
        return got

    def known_false(self, fid: str) -> list[C.Conjunction]:
        got = self._false.get(fid)
        if got is None:
            key = "fact:" + fid
            if key in self._busy:
                raise _NegationCycle(fid)
            self._busy.add(key)
            try:
                got = self._false[fid] = C.known_false(
                    [self.branches(r) for r in self.derivers.get(fid, []) if r in self.conditions], self.known_false)
            finally:
                self._busy.discard(key)
        return got


def _read_pillars(cond: C.Condition, facts: dict[str, DerivedFact]) -> frozenset[str]:
    out: set[str] = set()
    for atom in C.atoms(cond):
        if isinstance(atom, C.Derived):
            out.add(facts[atom.id].pillar)
        else:
            pillar = FACTS[atom.path].pillar
            if pillar:
                out.add(pillar)
    return frozenset(out)


def _check_actions(link: _Linker, rule: Rule, located: Located, loc: tuple[str | int, ...],
                   measures: dict[str, Measure], partners: dict[str, Partner],
                   facts: dict[str, DerivedFact], tasks: dict[str, Task], cond: C.Condition | None) -> None:
    """Check what a rule's actions name, and (with a parsed condition) its relation.

    Tasks and exclusions are the coordinator's and the guard's business, not
    a pillar's, so only suggestions and derived facts count as the pillars a
    rule acts in."""
    read = _read_pillars(cond, facts) if cond is not None else frozenset()
    target_pillars: set[str] = set()
    for j, action in enumerate(rule.then):
        aloc = loc + ("then", j)
        if action.suggest is not None:
            m = measures.get(action.suggest)
            if m is None:
                link.add(located, aloc + ("suggest",), f"unknown measure '{action.suggest}'." + suggestion_suffix(action.suggest, measures), rule.id)
            else:
                target_pillars.add(m.pillar)
            seen: set[tuple[str, str]] = set()
            for k, pref in enumerate(action.partners):
                if pref.id not in partners:
                    link.add(located, aloc + ("partners", k, "id"), f"unknown partner '{pref.id}'." + suggestion_suffix(pref.id, partners), rule.id)
                if (pref.id, pref.form) in seen:
                    link.add(located, aloc + ("partners", k), f"partner '{pref.id}' with form '{pref.form}' is listed twice", rule.id)
                seen.add((pref.id, pref.form))
        elif action.task is not None:
            if action.task not in tasks:
                link.add(located, aloc + ("task",), f"unknown task '{action.task}'." + suggestion_suffix(action.task, tasks), rule.id)
        elif action.in_place is not None:
            if action.in_place not in measures:
                link.add(located, aloc + ("in_place",), f"unknown measure '{action.in_place}'." + suggestion_suffix(action.in_place, measures), rule.id)
            for k, pref in enumerate(action.partners):
                if pref.id not in partners:
                    link.add(located, aloc + ("partners", k, "id"), f"unknown partner '{pref.id}'." + suggestion_suffix(pref.id, partners), rule.id)
        elif action.exclude is not None:
            if action.exclude not in measures:
                link.add(located, aloc + ("exclude",), f"unknown measure '{action.exclude}'." + suggestion_suffix(action.exclude, measures), rule.id)
        else:
            assert action.derive is not None
            f = facts.get(action.derive)
            if f is None:
                link.add(located, aloc + ("derive",), f"unknown derived fact '{action.derive}'." + suggestion_suffix(action.derive, facts), rule.id)
            else:
                target_pillars.add(f.pillar)
    target_pillars.discard("annet")
    if cond is None:
        return
    rel = rule.relation
    if rel is not None:
        if rel.from_ not in read:
            link.add(located, loc + ("relation", "from"),
                     f"the relation starts in '{rel.from_}', but the rule reads no fact of that pillar "
                     f"(it reads: {', '.join(sorted(read)) or 'none'})", rule.id)
        if rel.to not in target_pillars:
            link.add(located, loc + ("relation", "to"),
                     f"the relation ends in '{rel.to}', but the rule's actions are in: {', '.join(sorted(target_pillars)) or 'no pillar'}", rule.id)
    elif read:
        crossing = sorted(p for p in target_pillars if p not in read)
        if crossing:
            link.add(located, loc + ("relation",),
                     f"the rule reads {', '.join(sorted(read))} facts but acts in {', '.join(crossing)}: declare the pillar relation it crosses "
                     f"(relation: {{from: …, to: {crossing[0]}, role: barrier|solution}})", rule.id)


def _prerequisite_graph(measures: dict[str, Measure], facts: dict[str, DerivedFact]) -> nx.DiGraph:
    """Edges point from what must come first to the measure that needs it."""
    g: nx.DiGraph = nx.DiGraph()
    g.add_nodes_from(sorted(measures))
    providers: dict[str, list[str]] = {}
    for m in measures.values():
        for fid in m.provides:
            providers.setdefault(fid, []).append(m.id)
    for m in measures.values():
        for pre in m.requires:
            if pre.measure is not None and pre.measure in measures:
                g.add_edge(pre.measure, m.id, kind=pre.kind, via=None)
            elif pre.fact is not None:
                for provider in providers.get(pre.fact, []):
                    if provider != m.id:
                        g.add_edge(provider, m.id, kind=pre.kind, via=pre.fact)
    return g


def _stratify(parsed: dict[str, Any], link: _Linker, base_root: int | None) -> dict[str, int]:
    """Strata so that a rule testing a derived fact's *absence* runs after
    every rule that could derive it (durable_rules checks a negated pattern
    once, when the patterns before it match, and never retracts a firing).

    A cycle through such a test cannot be stratified. It is reported once,
    with the whole cycle, at the rule that closes it: a rule from a folder
    other than the base ruleset's (a municipality's rule that turns the
    built-in ones into a cycle), else the rule testing the absence — never
    a rule picked by folder order.
    """
    derivers: dict[str, set[str]] = {}
    for rid, (rule, *_rest) in parsed.items():
        for a in rule.then:
            if a.derive:
                derivers.setdefault(a.derive, set()).add(rid)
    # an edge d → rid: rid reads a fact d derives (negated: rid tests its absence)
    g: nx.DiGraph = nx.DiGraph()
    g.add_nodes_from(sorted(parsed))
    for rid, (_rule, _cond, branches, _located, _loc) in sorted(parsed.items()):
        for conj in branches:
            for atom in conj:
                if isinstance(atom, C.Derived):
                    for d in sorted(derivers.get(atom.id, ())):
                        neg = g.edges[d, rid]["neg"] if g.has_edge(d, rid) else False
                        g.add_edge(d, rid, neg=neg or not atom.present, fact=atom.id)
    cyclic = False
    for component in sorted(nx.strongly_connected_components(g), key=min):
        inside = g.subgraph(component)
        negated = sorted((u, v) for u, v, neg in inside.edges(data="neg") if neg)
        if negated:
            cyclic = True
            _report_negation_cycle(parsed, link, inside, negated[0], base_root)
    if cyclic:
        return {rid: 0 for rid in parsed}
    stratum = {rid: 0 for rid in parsed}
    for component in _components_in_order(g):
        level = max((stratum[d] + g.edges[d, r]["neg"] for r in component for d in g.predecessors(r) if d not in component),
                    default=0)
        for r in component:
            stratum[r] = level
    return stratum


def _components_in_order(g: nx.DiGraph) -> list[list[str]]:
    """Strongly connected components (cycles of positive chaining), dependencies first."""
    condensed = nx.condensation(g)
    members = condensed.graph["mapping"]
    groups: dict[int, list[str]] = {}
    for node, c in members.items():
        groups.setdefault(c, []).append(node)
    return [sorted(groups[c]) for c in nx.lexicographical_topological_sort(condensed, key=lambda c: min(groups[c]))]


def _negated_facts(cond: C.Condition, negated: bool = False) -> set[str]:
    """The derived facts a condition reads as absent (under an odd number of 'not')."""
    if isinstance(cond, C.Derived):
        return {cond.id} if negated != (not cond.present) else set()
    if isinstance(cond, C.Compare):
        return set()
    if isinstance(cond, C.Not):
        return _negated_facts(cond.item, not negated)
    return {f for item in cond.items for f in _negated_facts(item, negated)}


def _report_derivation_cycles(conditions: dict[str, tuple[Rule, C.Condition, Located, tuple[str | int, ...]]],
                              link: _Linker, base_root: int | None) -> None:
    """One problem per ring of derived facts that some rule reads as absent.

    "Not derived F" means F is known to be false, which is computed from the
    rules deriving F; when F is derived (through other rules) from itself,
    that has no meaning. The problem is reported once per ring, at the rule
    that closes it: a rule from a folder other than the base ruleset's (a
    municipality's rule that turns the built-in ones into a ring), else a
    rule in the ring that reads a fact's absence, else the first in the ring.
    """
    g: nx.DiGraph = nx.DiGraph()
    by_edge: dict[tuple[str, str], list[str]] = {}
    absent_readers: dict[str, list[str]] = {}
    for rid in sorted(conditions):
        rule, cond, _located, _loc = conditions[rid]
        reads = {a.id for a in C.atoms(cond) if isinstance(a, C.Derived)}
        for fid in _negated_facts(cond):
            absent_readers.setdefault(fid, []).append(rid)
        for action in rule.then:
            if action.derive:
                for fid in sorted(reads):
                    g.add_edge(fid, action.derive)
                    by_edge.setdefault((fid, action.derive), []).append(rid)

    def where(rid: str) -> tuple[str, int]:
        located, loc = conditions[rid][2], conditions[rid][3]
        return located.file, located.line_of(loc) or 0

    def root(rid: str) -> int | None:
        return link.root_of.get(conditions[rid][2].file)

    for component in sorted(nx.strongly_connected_components(g), key=min):
        inside = g.subgraph(component)
        if inside.number_of_edges() == 0:
            continue
        facts = sorted(component)
        readers = sorted({r for f in facts for r in absent_readers.get(f, [])})
        if not readers:
            continue
        ring_rules = sorted({r for e in inside.edges for r in by_edge[e]})
        added = [r for r in ring_rules if base_root is not None and root(r) != base_root]
        closing = min(added or [r for r in ring_rules if r in readers] or ring_rules, key=where)
        steps = "; ".join(f"{r} derives {v} from {u}" for u, v in sorted(inside.edges) for r in by_edge[(u, v)])
        steps_nb = "; ".join(f"{r} utleder {v} fra {u}" for u, v in sorted(inside.edges) for r in by_edge[(u, v)])
        others = ", ".join(f"{r} ({':'.join(map(str, where(r)))})" for r in sorted(set(readers + ring_rules) - {closing}))
        others_en = f" (the other rules: {others})" if others else ""
        others_nb = f" (de andre reglene: {others})" if others else ""
        rule, _cond, located, loc = conditions[closing]
        link.problems.append(Problem(
            located.file, located.line_of(loc + ("when",)), format_path(loc + ("when",)),
            f"derived facts depend on themselves in a ring ({steps}), and rules read {', '.join(facts)} as absent: "
            f"whether a fact is known to be false cannot rest on itself — this rule closes the cycle{others_en}; break the cycle",
            closing,
            message_nb=f"utledete fakta avhenger av seg selv i en ring ({steps_nb}), og regler krever at {', '.join(facts)} "
            f"mangler: om et faktum er kjent usant kan ikke hvile på seg selv — denne regelen lukker ringen{others_nb}; bryt ringen"))


def _report_negation_cycle(parsed: dict[str, Any], link: _Linker, inside: nx.DiGraph, edge: tuple[str, str],
                           base_root: int | None) -> None:
    deriver, reader = edge  # reader tests the absence of a fact deriver derives
    path = nx.shortest_path(inside, reader, deriver)
    cycle = path + [reader]

    def root(rid: str) -> int:
        return link.root_of[parsed[rid][3].file]

    added = [r for r in path if base_root is not None and root(r) != base_root]
    closing = min(added or [reader], key=lambda r: (parsed[r][3].file, parsed[r][3].line_of(parsed[r][4])))
    steps = []
    for u, v in zip(cycle, cycle[1:], strict=False):
        data = inside.edges[u, v]
        steps.append(f"{u} derives {data['fact']}, which {v} {'needs absent' if data['neg'] else 'reads'}")
    steps_nb = []
    for u, v in zip(cycle, cycle[1:], strict=False):
        data = inside.edges[u, v]
        steps_nb.append(f"{u} utleder {data['fact']}, som {v} {'krever at mangler' if data['neg'] else 'leser'}")
    _rule, _c, _b, located, loc = parsed[closing]
    where = ", ".join(sorted({f"{r} ({parsed[r][3].file}:{parsed[r][3].line_of(parsed[r][4])})" for r in path if r != closing}))
    link.problems.append(Problem(
        located.file, located.line_of(loc + ("when",)), format_path(loc + ("when",)),
        "the rule depends on the absence of a fact that it derives itself through other rules — this rule closes the cycle: "
        + "; ".join(steps) + f" (the other rules: {where}); break the cycle",
        closing,
        message_nb="regelen krever at et faktum mangler som den selv utleder via andre regler — denne regelen lukker ringen: "
        + "; ".join(steps_nb) + f" (de andre reglene: {where}); bryt ringen"))
