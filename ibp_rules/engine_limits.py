"""The limits of durable_rules' C core, checked when a ruleset is built.

durable_rules (2.0.28, ``src/rules/rete.c``, ``events.c``, ``state.c``,
``rules.h``) keeps its network in fixed-size tables. Beyond them it does not
always say so: some overflows give an error code at ``set_rulesets``
("error code 106/107/108/113"), one makes ``set_rulesets`` loop forever, and
some only fail later, when an assessment happens to reach them (error code
303/304 from ``assert_fact``). Each limit below was read in the C source and
reproduced with the engine installed here (see ``tests/test_engine_limits.py``):

=====================================  =========  ===========================================
what                                   at most    beyond it
=====================================  =========  ===========================================
rule alternatives in one ruleset       4,096      106 at build (``MAX_ACTIONS``)
different tests after the same test    511        512 builds, then every assert hangs; 513
                                                  hangs the build (``NEXT_BUCKET_LENGTH``
                                                  hash set, linear probing, no free slot)
``any``-groups and "unknown" tests     128        107 at build (``NEXT_LIST_LENGTH``) †
after the same test
alternatives ending at the same test   256        108 at build (``BETA_LIST_LENGTH``) †
and/or groups in one pattern           15         113 at build (``MAX_SEQUENCE_EXPRESSIONS``
                                                  = 32 entries, two per group)
facts joined by one alternative        16         304 when the 17th joins
                                                  (``MAX_MESSAGE_FRAMES``; negated
                                                  patterns do not count)
tests pending while matching one fact  64         303 from ``assert_fact`` — and then the
                                                  process aborts ("free(): invalid
                                                  pointer") (``MAX_STACK_SIZE``)
keys in one fact                       252        302 from ``assert_fact``
                                                  (``MAX_OBJECT_PROPERTIES`` = 255, less
                                                  ``sid``, the generated ``id`` and one)
=====================================  =========  ===========================================

† ``linkAlpha`` reads the slot *after* a full list before it checks the
length: when that memory holds a zero, the entry is written past the table
instead of the error (seen in a long-running process).

The check does not count rules or fields (those change with every
knowledge-base release); it rebuilds durable's alpha network in Python from
the compiled definition (:func:`ibp_rules.compiler.plain_definition`), the
way ``createAlpha``/``findAlpha``/``linkAlpha`` in ``rete.c`` do, and
measures every table. The one run-time limit that depends on the data —
how many network nodes wait on durable's stack while one fact is matched —
is bounded for *every* possible assessment: at each node, count the
children that can match one fact together (tests of different keys; of one
key, all order and not-equal tests but only one equality value), and take
the depth-first worst case. It is a bound: it assumes the worst order of
siblings on the stack, so it may refuse a ruleset one node short of
durable's real edge, never pass one beyond it.

A problem names the rule alternative that first goes past a limit in the
order durable builds them, with its file and line.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from .compiler import engine_fact_keys, plain_definition
from .errors import Problem
from .fact_schema import FACTS
from .ruleset import CompiledRule, Ruleset

MAX_ACTIONS = 4096
#: the alpha hash set has 512 slots; a full one makes every lookup loop forever
MAX_TESTS_AFTER = 511
MAX_OR_GROUPS_AFTER = 128
MAX_ALTERNATIVES_AT = 256
MAX_GROUPS_IN_PATTERN = 15
MAX_JOINED_FACTS = 16
MAX_PENDING = 64
MAX_FACT_KEYS = 252

_ORDER_OPS = ("$lt", "$lte", "$gt", "$gte", "$neq")
_OPS = _ORDER_OPS + ("$ex", "$nex")


class UnsupportedForm(AssertionError):
    """The compiler produced a durable expression this model does not know."""


@dataclass(eq=False)
class _Node:
    """One alpha node: a test on one key of a fact, or an ``$or`` join point."""

    prop: str
    op: str
    value: Any
    #: tests after this one, by (key, operator, JSON type, value)
    tests: dict[tuple[Any, ...], _Node] = field(default_factory=dict)
    #: "unknown" ($nex) tests and $or join points after this one
    joins: list[_Node] = field(default_factory=list)
    #: rule alternatives whose pattern ends here
    ends: list[str] = field(default_factory=list)
    #: rule alternatives whose pattern runs through here
    via: list[str] = field(default_factory=list)

    @property
    def forward(self) -> bool:
        return self.op == "$forward"


@dataclass
class NetworkFigures:
    """How full each of durable's tables is, for one compiled ruleset."""

    alternatives: int = 0
    most_tests_after: int = 0
    most_or_groups_after: int = 0
    most_alternatives_at: int = 0
    most_groups_in_pattern: int = 0
    most_joined_facts: int = 0
    worst_pending: int = 0
    fact_keys: int = 0

    def rows(self) -> list[tuple[str, int, int]]:
        """(what, this ruleset, limit) for reports."""
        return [
            ("rule alternatives", self.alternatives, MAX_ACTIONS),
            ("different tests after one test", self.most_tests_after, MAX_TESTS_AFTER),
            ("'any' groups and unknown-tests after one test", self.most_or_groups_after, MAX_OR_GROUPS_AFTER),
            ("alternatives ending at one test", self.most_alternatives_at, MAX_ALTERNATIVES_AT),
            ("and/or groups in one pattern", self.most_groups_in_pattern, MAX_GROUPS_IN_PATTERN),
            ("facts joined by one alternative", self.most_joined_facts, MAX_JOINED_FACTS),
            ("tests pending while matching a fact (worst case)", self.worst_pending, MAX_PENDING),
            ("keys in the assessment fact", self.fact_keys, MAX_FACT_KEYS),
        ]


#: the tables of one network node: figure → (limit, message, message in bokmål)
_TABLES = {
    "most_alternatives_at": (
        MAX_ALTERNATIVES_AT,
        "more than {limit} rule alternatives end at the same test ({test}); the rule engine cannot hold more "
        "(error code 108): give these rules a test that tells them apart",
        "mer enn {limit} regelalternativer slutter i samme test ({test}); regelmotoren kan ikke holde flere "
        "(feilkode 108): gi reglene en test som skiller dem"),
    "most_tests_after": (
        MAX_TESTS_AFTER,
        "more than {limit} different tests follow the same test ({test}); the rule engine would stop responding: "
        "give these rules a common first test, or fewer different ones",
        "mer enn {limit} ulike tester følger etter samme test ({test}); regelmotoren ville slutte å svare: "
        "gi reglene en felles første test, eller færre ulike"),
    "most_or_groups_after": (
        MAX_OR_GROUPS_AFTER,
        "more than {limit} 'any' groups and 'known: false' tests follow the same test ({test}); the rule engine "
        "cannot hold more (error code 107): merge some of these rules",
        "mer enn {limit} 'any'-grupper og 'known: false'-tester følger etter samme test ({test}); regelmotoren "
        "kan ikke holde flere (feilkode 107): slå sammen noen av reglene"),
}


class _Network:
    """durable's alpha network, built the way ``rete.c`` builds it."""

    def __init__(self, over: Callable[[str, str, str, str], None]) -> None:
        self.root = _Node("m", "$type", None)
        self._over = over  # (limit id, rule name, en, nb)
        self._reported: set[tuple[int, str]] = set()
        self.figures = NetworkFigures()

    def add_pattern(self, rule_name: str, expr: Any) -> None:
        self._alpha(rule_name, expr, self.root, end=True)

    def _alpha(self, rule: str, expr: Any, parent: _Node, end: bool) -> _Node:
        if not isinstance(expr, dict) or len(expr) != 1:
            raise UnsupportedForm(f"{rule}: a test is an object with one key, got {expr!r}")
        (name, value), = expr.items()
        if name == "$and":
            node = parent
            for item in value:
                node = self._alpha(rule, item, node, end=False)
        elif name == "$or":
            node = _Node("$forward", "$forward", None)
            for item in value:
                self._link(rule, self._alpha(rule, item, parent, end=False), node)
        elif name in _OPS:
            if not isinstance(value, dict) or len(value) != 1:
                raise UnsupportedForm(f"{rule}: {name} takes one key, got {value!r}")
            (prop, operand), = value.items()
            node = self._find(rule, parent, prop, name, operand)
        elif name.startswith("$"):
            raise UnsupportedForm(f"{rule}: the limit check does not model {name!r}")
        else:
            node = self._find(rule, parent, name, "$eq", value)
        node.via.append(rule)
        if end:
            node.ends.append(rule)
            self._count(node, rule, len(node.ends), "most_alternatives_at")
        return node

    def _find(self, rule: str, parent: _Node, prop: str, op: str, value: Any) -> _Node:
        if isinstance(value, (dict, list)):
            raise UnsupportedForm(f"{rule}: {prop} is compared with {value!r}")
        # durable shares a node only for the same key, operator, JSON type and
        # value (compareValue); null never compares equal, so never shares
        key = (prop, op, _json_type(value), value) if value is not None else (prop, op, object())
        found = parent.tests.get(key) or next((n for n in parent.joins if (n.prop, n.op, n.value) == (prop, op, value)
                                               and value is not None), None)
        if found is not None:
            return found
        node = _Node(prop, op, value)
        if op == "$nex":
            self._link(rule, parent, node)
        else:
            parent.tests[key] = node
            self._count(parent, rule, len(parent.tests), "most_tests_after")
        return node

    def _link(self, rule: str, parent: _Node, node: _Node) -> None:
        """A $nex test or an $or join point after ``parent`` (durable's next list)."""
        parent.joins.append(node)
        self._count(parent, rule, len(parent.joins), "most_or_groups_after")

    def _count(self, node: _Node, rule: str, value: int, figure: str) -> None:
        """Record a table's fill; report (once per node) the rule that takes it past its limit."""
        if value > getattr(self.figures, figure):
            setattr(self.figures, figure, value)
        limit, en, nb = _TABLES[figure]
        if value > limit and (id(node), figure) not in self._reported:
            self._reported.add((id(node), figure))
            self._over(figure, rule, en.format(limit=limit, test=_describe(node)), nb.format(limit=limit, test=_describe(node)))

    # -- the run-time stack bound ----------------------------------------------

    def worst_pending(self) -> int:
        """The most nodes durable's matcher can hold on its stack for any one fact.

        ``handleAlpha`` pops a node and pushes every child that matches the
        fact; children are then handled last-in first-out. If a node pushes
        at most ``k`` children and a child's own subtree needs ``p``, the
        height over the node is at most ``max(k, k - 1 + max p)``.
        """
        memo: dict[int, int] = {}

        def peak(node: _Node) -> int:
            if id(node) in memo:
                return memo[id(node)]
            memo[id(node)] = 0  # the network is acyclic; guards a model bug only
            children = list(node.tests.values()) + node.joins
            k = _most_matching_together(node)
            result = max(k, k - 1 + max((peak(c) for c in children), default=0)) if k else 0
            memo[id(node)] = result
            return result

        return peak(self.root)


def _most_matching_together(node: _Node) -> int:
    """How many of a node's children one fact can match at the same time.

    Join points are always pushed (their key, ``$forward``, is never in a
    fact). For one key: an absent key matches only the ``$nex`` tests; a
    present one matches the order and not-equal tests, ``$ex``, and the
    equality tests of one value (durable's ``true`` equals ``1``, so values
    are grouped by what they equal).
    """
    forwards = sum(1 for n in node.joins if n.forward)
    by_key: dict[str, dict[str, Any]] = {}
    for n in list(node.tests.values()) + [n for n in node.joins if not n.forward]:
        entry = by_key.setdefault(n.prop, {"absent": 0, "present": 0, "eq": {}})
        if n.op == "$nex":
            entry["absent"] += 1
        elif n.op == "$eq":
            same = _equality_class(n.value)
            entry["eq"][same] = entry["eq"].get(same, 0) + 1
        else:
            entry["present"] += 1
    total = forwards
    for entry in by_key.values():
        present = entry["present"] + max(entry["eq"].values(), default=0)
        total += max(present, entry["absent"])
    return total


def _equality_class(value: Any) -> Any:
    if isinstance(value, (bool, int, float)):
        return ("n", float(value))
    return ("s", value)


def _json_type(value: Any) -> str:
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, int):
        return "int"
    if isinstance(value, float):
        return "double"
    return "string"


def _describe(node: _Node) -> str:
    """A node's test in the words of rule files (engine keys back to fact paths)."""
    if node.op == "$type":
        return "the start of every fact"
    if node.forward:
        return "an 'any' group"
    prop = node.prop
    if prop == "t":
        return {"a": "the assessment", "d": "a derived fact", "s": "a stratum marker"}.get(str(node.value), f"t = {node.value}")
    path = _PATHS.get(prop)
    if path is None:
        for p, spec in FACTS.items():
            if prop.startswith(spec.key + "__"):
                return f"{p} {'contains' if node.value else 'does not contain'} {prop[len(spec.key) + 2:]}"
        path = prop
    op = {"$eq": "=", "$neq": "≠", "$lt": "<", "$lte": "≤", "$gt": ">", "$gte": "≥", "$ex": "known", "$nex": "unknown"}[node.op]
    value = str(node.value).lower() if isinstance(node.value, bool) else node.value  # as a rule file writes it
    return f"{path} {op}" if node.op in ("$ex", "$nex") else f"{path} {op} {value}"


_PATHS = {spec.key: path for path, spec in FACTS.items()}


def check_engine_limits(rs: Ruleset) -> tuple[list[Problem], NetworkFigures]:
    """Every limit of durable's C core the compiled ``rs`` would go past.

    Runs in milliseconds; the engine refuses to build (and ``ibp rules
    validate`` fails) on any problem found here, so no ruleset reaches
    durable's ``set_rulesets`` that would fail, hang, or fail later on some
    assessment.
    """
    definition = plain_definition(rs)
    problems: list[Problem] = []
    by_name: dict[str, CompiledRule] = {f"{r.id}#{b}": r for r in rs.rules.values() for b in range(len(r.branches))}

    def over(limit: str, rule_name: str, en: str, nb: str) -> None:
        rule = by_name.get(rule_name) or _last_rule(rs)
        problems.append(Problem(rule.file if rule else None, rule.line if rule else None, "when", en,
                                rule.id if rule else None, message_nb=nb))

    net = _Network(over)
    figures = net.figures
    figures.alternatives = len(definition)
    if len(definition) > MAX_ACTIONS:
        name = list(definition)[MAX_ACTIONS]
        over("alternatives", name if name in by_name else "",
             f"the ruleset has {len(definition):,} rule alternatives (each 'any' branch of a rule counts, plus 2 internal); "
             f"the rule engine holds at most {MAX_ACTIONS:,} (error code 106): this rule is past the limit",
             f"regelsettet har {len(definition):,} regelalternativer (hver 'any'-gren i en regel teller, pluss 2 interne); "
             f"regelmotoren holder høyst {MAX_ACTIONS:,} (feilkode 106): denne regelen er over grensen")
    for name, rule in definition.items():
        joined = 0
        for pattern in rule["all"]:
            if not isinstance(pattern, dict) or len(pattern) != 1:
                raise UnsupportedForm(f"{name}: a pattern is an object with one key, got {pattern!r}")
            (alias, expr), = pattern.items()
            if alias.endswith(("$all", "$any")):
                raise UnsupportedForm(f"{name}: the limit check does not model nested {alias!r}")
            joined += not alias.endswith("$not")
            groups = _groups(expr)
            figures.most_groups_in_pattern = max(figures.most_groups_in_pattern, groups)
            if groups > MAX_GROUPS_IN_PATTERN:
                over("groups", name,
                     f"one alternative of this rule has {groups} and/or groups in its test of one fact (every 'in', 'not_in', "
                     f"'contains_any' and 'contains_none' is one, plus one); the rule engine takes at most {MAX_GROUPS_IN_PATTERN} "
                     "(error code 113): split the rule",
                     f"ett alternativ i denne regelen har {groups} og/eller-grupper i testen av ett faktum (hver 'in', 'not_in', "
                     f"'contains_any' og 'contains_none' er én, pluss én); regelmotoren tar høyst {MAX_GROUPS_IN_PATTERN} "
                     "(feilkode 113): del regelen")
            net.add_pattern(name, expr)
        figures.most_joined_facts = max(figures.most_joined_facts, joined)
        if joined > MAX_JOINED_FACTS:
            over("joined", name,
                 f"one alternative of this rule joins {joined} facts (the assessment, each 'derived' fact, and a stratum marker "
                 f"when it tests that a fact was not derived); the rule engine joins at most {MAX_JOINED_FACTS} and would fail "
                 "on assessments that reach it (error code 304): split the rule",
                 f"ett alternativ i denne regelen slår sammen {joined} fakta (kartleggingen, hvert 'derived'-faktum, og en "
                 f"lagmarkør når den tester at et faktum ikke er utledet); regelmotoren slår sammen høyst {MAX_JOINED_FACTS} og "
                 "ville feile på kartlegginger som når den (feilkode 304): del regelen")
    figures.worst_pending = net.worst_pending()
    if figures.worst_pending > MAX_PENDING:
        name = _widest_rule(net, {n: i for i, n in enumerate(definition)})
        over("pending", name,
             f"an assessment can leave up to {figures.worst_pending} tests pending at once in the rule engine, which follows at "
             f"most {MAX_PENDING} and would fail on such an assessment (error code 303); too many rules start with different "
             "tests that can all hold together: give related rules a common first test (this rule adds to the widest point)",
             f"en kartlegging kan la opptil {figures.worst_pending} tester vente samtidig i regelmotoren, som følger høyst "
             f"{MAX_PENDING} og ville feile på en slik kartlegging (feilkode 303); for mange regler starter med ulike tester som "
             "alle kan gjelde samtidig: gi beslektede regler en felles første test (denne regelen bidrar der det er bredest)")
    keys = engine_fact_keys(rs)
    figures.fact_keys = len(keys)
    if figures.fact_keys > MAX_FACT_KEYS:
        over("keys", _last_flag_rule(definition, set(keys) - set(_PATHS)),
             f"the rules test {figures.fact_keys} different facts and list values, so the assessment the rule engine matches "
             f"has {figures.fact_keys} keys; it takes at most {MAX_FACT_KEYS} (error code 302): test fewer list values",
             f"reglene tester {figures.fact_keys} ulike fakta og listeverdier, så kartleggingen regelmotoren matcher har "
             f"{figures.fact_keys} nøkler; den tar høyst {MAX_FACT_KEYS} (feilkode 302): test færre listeverdier")
    return problems, figures


def _groups(expr: Any) -> int:
    """The $and/$or groups in one pattern (each takes two of durable's 32 entries)."""
    if isinstance(expr, dict):
        return sum((k in ("$and", "$or")) + _groups(v) for k, v in expr.items())
    if isinstance(expr, list):
        return sum(_groups(v) for v in expr)
    return 0


def _widest_rule(net: _Network, order: dict[str, int]) -> str:
    """The last-built rule alternative through the node that pushes the most children."""
    best: tuple[int, int, str] = (-1, -1, "")
    seen: set[int] = set()
    stack = [net.root]
    while stack:
        node = stack.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        children = list(node.tests.values()) + node.joins
        through = [r for c in children for r in c.via if r in order]
        if through:
            last = max(through, key=order.__getitem__)
            best = max(best, (_most_matching_together(node), order[last], last))
        stack += children
    return best[2]


def _last_rule(rs: Ruleset) -> CompiledRule | None:
    return next(reversed(rs.rules.values()), None)


def _last_flag_rule(definition: dict[str, Any], flags: set[str]) -> str:
    """The last rule alternative testing a list value (the flags are what widen the fact)."""
    for name in reversed(definition):
        if _keys(definition[name]["all"]) & flags:
            return name
    return ""


def _keys(expr: Any) -> set[str]:
    if isinstance(expr, dict):
        return {k for k, v in expr.items() if not k.startswith("$") and not isinstance(v, (dict, list))} | {
            k for v in expr.values() for k in _keys(v)}
    if isinstance(expr, list):
        return {k for v in expr for k in _keys(v)}
    return set()
