"""durable_rules behind our own interface: one host, one session per run.

The habits here come from ``shared/ibp/DURABLE_RULES.md`` and from what was
reproduced while building this module:

* our own :class:`_QuietHost` (``durable.engine.Host`` with ``_run``
  disabled): no timer threads, and no dispatcher race between threads;
* the ruleset is registered under ``ibp@<sha12>@<n>`` so several engines (and
  reloads) can live in one process without a name clash;
* durable is handed a copy of the definition (it deletes ``run`` from
  the dict it is given);
* every run uses a fresh uuid4 session id, holds the host lock for the whole
  run (durable compares session ids by a 32-bit hash, and its C core holds
  the GIL anyway), and deletes the session in ``finally``;
* an exception inside an action is swallowed by durable into the session
  state: we read the state after every run and raise :class:`EngineError`;
* durable's Python layer round-trips the matched facts and the session state
  through the standard ``json`` module on every firing (about 19 decodes and
  23 encodes per assessment, over half of the time spent in durable). We
  hand that layer :mod:`orjson` instead, through :class:`_OrjsonForDurable`,
  which keeps the two calls it makes (``loads`` and ``dumps(obj,
  ensure_ascii=False)``) and their meaning: equivalent JSON (without the
  spaces) for the plain dicts, lists, strings, ints, bools and rounded
  floats we assert. A test runs the worked cases both ways;
* durable_rules never frees a ruleset by itself: its Python ``Ruleset``
  has no finaliser, and the C ruleset (its network tables, about 1.4 MB
  with the bundled rules) lives until ``delete_ruleset(handle)``. A backend
  frees it in :meth:`DurableBackend.close` or, when it is dropped unclosed,
  in a :func:`weakref.finalize` callback. The actions durable holds refer
  to a small :class:`_RunState`, never to the backend, so dropping the last
  reference to an engine frees it at once (no reference cycle to wait for);
* before anything reaches ``set_rulesets``, :func:`check_engine_limits`
  rebuilds durable's network in Python and refuses a ruleset that would go
  past a limit of the C core (:mod:`ibp_rules.engine_limits`): some of
  those fail late or hang instead of raising;
* durable times every action with ``_unix_now()``, twice per firing, built
  from ``datetime.now()`` and the deprecated ``utcfromtimestamp`` (about 5 %
  of an assessment). Only differences between two calls are ever used (the
  10-second action lease), so :func:`time.time` keeps the meaning at a
  fraction of the cost.
"""

from __future__ import annotations

import copy
import itertools
import os
import threading
import time
import uuid
import weakref
from dataclasses import dataclass, field
from typing import Any

import orjson
from durable import engine as durable_engine

from . import conditions as C
from .compiler import compile_ruleset, engine_fact, flags_read
from .engine_limits import check_engine_limits
from .errors import EngineError, RulesetError
from .ruleset import CompiledRule, Ruleset

_instance_counter = itertools.count(1)
_live_backends: weakref.WeakSet[DurableBackend] = weakref.WeakSet()


def _after_fork_in_child() -> None:
    """A fork copies a lock in whatever state another thread left it: give
    every backend a fresh one so a worker process never deadlocks."""
    for backend in list(_live_backends):
        backend._lock = threading.Lock()
        backend._state.current = None


os.register_at_fork(after_in_child=_after_fork_in_child)


class _OrjsonForDurable:
    """The part of the ``json`` module durable.engine uses, backed by orjson."""

    loads = staticmethod(orjson.loads)

    @staticmethod
    def dumps(obj: Any, ensure_ascii: bool = False, **_ignored: Any) -> str:
        return orjson.dumps(obj).decode()


durable_engine.json = _OrjsonForDurable()
durable_engine._unix_now = time.time


class _QuietHost(durable_engine.Host):  # type: ignore[misc]
    """A Host without the self-rescheduling timer threads it starts by default."""

    def _run(self) -> None:  # durable's timer loop; we use no timers
        return None


@dataclass
class Firings:
    """What durable_rules decided for one assessment."""

    #: rule id → the branches (conjunction indexes) that fired, in firing order
    rules: dict[str, list[int]] = field(default_factory=dict)
    #: derived fact id → rule ids that derived it, in firing order
    derived: dict[str, list[str]] = field(default_factory=dict)


class _RunState:
    """The firings of the run in progress, shared with the actions durable holds."""

    __slots__ = ("current",)

    def __init__(self) -> None:
        self.current: Firings | None = None


def _free_native(host: _QuietHost, name: str) -> None:
    """Delete a ruleset's C structures (durable_rules has no public call for it)."""
    ruleset = host._ruleset_directory.pop(name, None)
    if ruleset is None:
        return
    host._ruleset_list.remove(ruleset)
    durable_engine.durable_rules_engine.delete_ruleset(ruleset._handle)


class DurableBackend:
    """Runs one assessment at a time through a compiled durable ruleset.

    Raises :class:`RulesetError` when the ruleset would go past a limit of
    durable's C core (file and rule named).
    """

    def __init__(self, ruleset: Ruleset) -> None:
        problems, self.figures = check_engine_limits(ruleset)
        if problems:
            raise RulesetError(problems)
        self._ruleset = ruleset
        self._flags = flags_read(ruleset)
        self._chained = frozenset(atom.id for r in ruleset.rules.values() for atom in C.atoms(r.condition)
                                  if isinstance(atom, C.Derived))
        self._lock = threading.Lock()
        self._state = _RunState()
        self.name = f"ibp@{ruleset.sha256[:12]}@{next(_instance_counter)}"
        definition = compile_ruleset(ruleset, self._action_for, self._on_end)
        self._host = _QuietHost()
        try:
            # durable deletes "run" from what it is given: hand it a copy of
            # the data (the callables themselves are shared, not copied).
            given = {name: {**copy.deepcopy({k: v for k, v in r.items() if k != "run"}), "run": r["run"]}
                     for name, r in definition.items()}
            self._host.set_rulesets({self.name: given})
        except Exception as exc:  # pragma: no cover - a compiler bug, not user input
            raise EngineError(f"durable_rules rejected the compiled ruleset: {exc}") from exc
        self._markers = [{"t": "s", "n": k} for k in range(1, ruleset.max_stratum + 1)]
        self._free = weakref.finalize(self, _free_native, self._host, self.name)
        _live_backends.add(self)

    @property
    def closed(self) -> bool:
        return not self._free.alive

    def close(self) -> None:
        """Free durable's C ruleset now; later runs raise :class:`EngineError`.

        Safe to call twice and from any thread (it waits for a run in progress).
        """
        with self._lock:
            self._free()

    # -- actions (run by durable inside assert_fact, in the calling thread) --

    def _action_for(self, rule: CompiledRule, branch: int) -> Any:
        derives = tuple(a.derive for a in rule.rule.then if a.derive)
        # a derived fact no rule condition reads (one only the planner or the
        # findings use) is recorded here but never asserted: asserting it
        # would only make durable match it against every rule
        chained = self._chained
        rule_id = rule.id
        state = self._state  # not self: durable's actions must not keep the backend alive

        def action(c: Any) -> None:
            firings = state.current
            assert firings is not None, "an action ran outside a session"
            branches = firings.rules.setdefault(rule_id, [])
            if branch not in branches:
                branches.append(branch)
            for fact_id in derives:
                by = firings.derived.get(fact_id)
                if by is None:
                    firings.derived[fact_id] = [rule_id]
                    if fact_id in chained:
                        c.assert_fact({"t": "d", "id": fact_id})
                elif rule_id not in by:
                    by.append(rule_id)

        return action

    @staticmethod
    def _on_end(c: Any) -> None:
        """The end rule's action: it only has to run."""

    # -- running ---------------------------------------------------------------

    def run(self, facts: dict[str, Any]) -> Firings:
        """Assert one assessment's facts and collect what fired."""
        fact = engine_fact(facts, self._flags)
        with self._lock:
            if not self._free.alive:
                raise EngineError("this engine was closed; build a new one")
            sid = uuid.uuid4().hex
            firings = Firings()
            self._state.current = firings
            try:
                self._host.assert_fact(self.name, dict(fact, sid=sid))
                for marker in self._markers:
                    self._host.assert_fact(self.name, dict(marker, sid=sid))
                if not firings.rules:
                    # nothing fired: run the end rule so that deleting the
                    # session is safe (it segfaults when no action ever ran)
                    self._host.assert_fact(self.name, {"t": "end", "sid": sid})
                state = self._host.get_state(self.name, sid)
            except EngineError:
                raise
            except Exception as exc:
                raise EngineError(f"the rule engine failed: {type(exc).__name__}") from exc
            finally:
                self._state.current = None
                try:
                    self._host.delete_state(self.name, sid)
                except Exception:  # noqa: BLE001 - no session was created (a failed first assert)
                    pass
        if "exception" in state:
            raise EngineError("a rule action failed inside the engine: " + _first_line(state["exception"]))
        return firings


def _first_line(text: Any) -> str:
    return str(text).splitlines()[0][:300] if text else "unknown error"
