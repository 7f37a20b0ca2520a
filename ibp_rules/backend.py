"""durable_rules behind our own interface: one ruleset, one session per run.

durable_rules comes in two layers: a C core (``durable_rules_engine``) that
holds the network, matches facts, joins them, keeps the agenda and decides
what fires; and a Python layer (``durable.engine``: ``Host``, ``Ruleset``,
``Closure``) that turns each firing into Python objects and calls an
action. We use the C core as it is and drive it with a short loop of our
own, for reasons found while building and measuring this module:

* the Python layer costs about 45 µs per firing (about 13 per assessment):
  it decodes the session state and *every matched fact* (the whole
  assessment) as JSON, wraps them in ``Closure``/``Content``/``Promise``
  objects, reads the clock three times, and encodes the state back. Our loop
  asks the C core for the next firing (``start_action_for_state`` /
  ``complete_and_start_action``), reads the rule's name from the head of the
  result, and calls the action: the same firings in the same order (a test
  compares both layers on a synthetic population), in well under half the
  time of the whole match;
* no ``Host``, so none of its self-rescheduling timer threads and none of
  their races; an exception in an action is a Python exception here, not a
  traceback string swallowed into the session state;
* the ruleset is created under ``ibp@<sha12>@<n>`` and freed with
  ``delete_ruleset`` in :meth:`DurableBackend.close` or, when a backend is
  dropped unclosed, in a :func:`weakref.finalize` callback (durable never
  frees one by itself: about 1.4 MB with the bundled rules). The actions
  refer to a small :class:`_RunState`, never to the backend, so dropping
  the last reference to an engine frees it at once;
* before anything reaches ``create_ruleset``, :func:`check_engine_limits`
  rebuilds durable's network in Python and refuses a ruleset that would go
  past a limit of the C core (:mod:`ibp_rules.engine_limits`): some of
  those fail late, crash or hang instead of raising;
* runs share one uuid4 session, renewed every :data:`SESSION_RUNS` runs and
  after a run that failed; a run holds the backend lock throughout (durable
  compares session ids by a 32-bit hash, and its C core holds the GIL
  anyway) and retracts every fact it asserted in ``finally``, so the next run
  starts from an empty session; closing the backend deletes the session;
* facts go to the C core as orjson bytes decoded to ``str`` (durable's
  reader takes the compact form; numbers are rounded beforehand, see
  :func:`ibp_rules.fact_schema.engine_number`).
"""

from __future__ import annotations

import itertools
import os
import threading
import uuid
import weakref
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import durable_rules_engine as durable
import orjson

from . import conditions as C
from .compiler import compile_ruleset, fact_encoder, flags_read
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


@dataclass
class Firings:
    """What durable_rules decided for one assessment."""

    #: rule id → the branches (conjunction indexes) that fired, in firing order
    rules: dict[str, list[int]] = field(default_factory=dict)
    #: derived fact id → rule ids that derived it, in firing order
    derived: dict[str, list[str]] = field(default_factory=dict)


class _RunState:
    """The firings of the run in progress, shared with the actions."""

    __slots__ = ("current",)

    def __init__(self) -> None:
        self.current: Firings | None = None


class _Session:
    """What an action gets: a way to assert a fact into the running session.

    It keeps the JSON of every fact asserted, so that the run can retract
    them all at its end and leave the session empty for the next one.
    """

    __slots__ = ("asserted", "handle", "sid")

    def __init__(self, handle: int, sid: str) -> None:
        self.handle, self.sid = handle, sid
        self.asserted: list[str] = []

    def assert_fact(self, fact: dict[str, Any]) -> None:
        # asserted while the action is in flight: the rules it completes
        # fire next, from the same loop (as in durable's own Python layer)
        text = _json(dict(fact, sid=self.sid))
        self.asserted.append(text)
        durable.assert_fact(self.handle, text)


def _json(obj: dict[str, Any]) -> str:
    return orjson.dumps(obj).decode()


Action = Callable[[Any], None]


def _free_ruleset(handle: int, session_box: list[str | None]) -> None:
    """Delete the shared session (if one is open), then the C ruleset: durable frees
    neither by itself, and a session left behind keeps its memory after the ruleset."""
    sid = session_box[0]
    session_box[0] = None
    if sid is not None:
        try:
            durable.delete_state(handle, sid)
        except durable.error:  # pragma: no cover - a session durable already dropped
            pass
    durable.delete_ruleset(handle)

#: runs one durable session serves before it is deleted and a new one made
SESSION_RUNS = 10_000


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
        self._encode = fact_encoder(self._flags)
        # the derived facts some compiled branch matches on (a fact only ever read
        # as "known false" is replaced by its conditions and need not be asserted)
        self._chained = frozenset(atom.id for r in ruleset.rules.values() for conj in r.branches for atom in conj
                                  if isinstance(atom, C.Derived))
        self._lock = threading.Lock()
        self._state = _RunState()
        self.name = f"ibp@{ruleset.sha256[:12]}@{next(_instance_counter)}"
        definition = compile_ruleset(ruleset, self._action_for, self._on_end)
        self._actions: dict[str, Action] = {name: rule.pop("run") for name, rule in definition.items()}
        try:
            self._handle: int = durable.create_ruleset(self.name, _json(definition))
        except Exception as exc:  # pragma: no cover - a compiler or limit-check bug, not user input
            raise EngineError(f"durable_rules rejected the compiled ruleset: {exc}") from exc
        self._markers = [{"t": "s", "n": k} for k in range(1, ruleset.max_stratum + 1)]
        #: the session runs share (see :meth:`run`), in a box the finalizer also holds,
        #: and how many runs it has served
        self._session_box: list[str | None] = [None]
        self._runs = 0
        self._free = weakref.finalize(self, _free_ruleset, self._handle, self._session_box)
        #: False: a new session for every run (for the test that compares both)
        self.shared_session = True
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

    # -- actions (called from :meth:`_fire`, in the calling thread) ------------

    def _action_for(self, rule: CompiledRule, branch: int) -> Action:
        derives = tuple(a.derive for a in rule.rule.then if a.derive)
        # a derived fact no rule condition reads (one only the planner or the
        # findings use) is recorded here but never asserted: asserting it
        # would only make durable match it against every rule
        chained = self._chained
        rule_id = rule.id
        state = self._state  # not self: the actions must not keep the backend alive

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
        """Assert one assessment's facts and collect what fired.

        Runs share one durable session: creating a session clears memory for
        every node of the network (about half of the rule engine's time, more
        with every rule), while retracting the few facts a run asserted is
        cheap and leaves the session as empty as a new one (a test compares
        shared and fresh sessions over the worked cases and a population).
        A run that fails deletes the session, and a session is renewed after
        :data:`SESSION_RUNS` runs all the same.
        """
        fact = self._encode(facts)
        with self._lock:
            if not self._free.alive:
                raise EngineError("this engine was closed; build a new one")
            handle = self._handle
            sid = self._session_box[0]
            if sid is None:
                sid = self._session_box[0] = uuid.uuid4().hex
                self._runs = 0
            firings = Firings()
            session = _Session(handle, sid)
            self._state.current = firings
            clean = False
            try:
                self._assert(session, fact)
                for marker in self._markers:
                    self._assert(session, marker)
                if not firings.rules:
                    # nothing fired: run the end rule so that deleting the
                    # session is safe (it segfaults when no action ever ran)
                    self._assert(session, {"t": "end"})
                clean = True
            except EngineError:
                raise
            except durable.error as exc:
                raise EngineError(f"the rule engine failed: {_first_line(exc)}") from exc
            finally:
                self._state.current = None
                self._runs += 1
                if clean and self._runs < SESSION_RUNS and self.shared_session:
                    clean = self._retract(session)
                if not clean or self._runs >= SESSION_RUNS or not self.shared_session:
                    self._session_box[0] = None
                    try:
                        durable.delete_state(handle, sid)
                    except durable.error:  # no session was created (a failed first assert)
                        pass
        return firings

    def _retract(self, session: _Session) -> bool:
        """Take back every fact of a run, newest first; False if durable refused one."""
        try:
            for text in reversed(session.asserted):
                durable.retract_fact(session.handle, text)
        except durable.error:
            return False
        return True

    def _assert(self, session: _Session, fact: dict[str, Any]) -> None:
        """Assert one fact and run every firing it leads to, in durable's order."""
        handle = session.handle
        text = _json(dict(fact, sid=session.sid))
        session.asserted.append(text)
        _code, state = durable.assert_fact(handle, text)
        started = durable.start_action_for_state(handle, state)
        if started is None:
            return
        messages: str | None = started[1]
        actions = self._actions
        while messages is not None:
            # the result is {"<rule name>": {...matched facts...}}: only the name is needed
            name = messages[2:messages.index('"', 2)]
            try:
                actions[name](session)
            except Exception as exc:
                durable.abandon_action(handle, state)
                raise EngineError(f"a rule action failed inside the engine: {_first_line(exc)}") from exc
            messages = durable.complete_and_start_action(handle, state)


def _first_line(text: Any) -> str:
    return str(text).splitlines()[0][:300] if str(text) else "unknown error"
