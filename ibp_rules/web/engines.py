"""The service's engines: one per ruleset hash, reloaded without a restart.

Building an engine compiles the rules into durable_rules, whose native
memory is only given back when the engine is freed; a service that built an
engine per request, or per reload of unchanged files, would grow without
end. The library already keeps what a service needs: :meth:`Engine.shared`
hashes the rule files (cheap: their bytes), returns the engine built for
that hash, and keeps only the few most recently used, so memory stays flat
over any number of reloads. The registry holds the current one; requests in
flight keep the engine they started with. Switching back to earlier rules
reuses the engine built for them while the library still keeps it.

With several worker processes, a reload asked of one of them is passed on
through a small file in the data folder (:class:`ReloadSignal`): every worker
looks at it at most once a second and reloads when it changed.
"""

from __future__ import annotations

import secrets
import threading
import time
import weakref
from dataclasses import dataclass
from pathlib import Path

from ibp_rules.atomic import write_atomic
from ibp_rules.engine import Engine
from ibp_rules.resources import default_ruleset_path
from ibp_rules.ruleset import ruleset_sha256


@dataclass(frozen=True)
class ReloadResult:
    changed: bool
    previous_sha256: str
    sha256: str
    #: engines built in this process since it started (stays flat while the
    #: rule files only switch between versions seen before)
    engines: int


class EngineRegistry:
    """The current engine for the configured rule folders."""

    def __init__(self, paths: tuple[str, ...] = ()) -> None:
        self.paths: tuple[Path, ...] = tuple(Path(p) for p in paths) or (default_ruleset_path(),)
        #: engines still alive, by ruleset hash, to word stored strategies by the rules they came
        #: from; weak, so an engine the library's bounded cache let go is freed as it would be
        self._alive: weakref.WeakValueDictionary[str, Engine] = weakref.WeakValueDictionary()
        self._built = 0
        self._lock = threading.Lock()
        self.current = self._engine()

    def _engine(self) -> Engine:
        """The engine for the rule files as they are now (RulesetError: the current one stays)."""
        if self.paths == (default_ruleset_path(),) and ruleset_sha256(self.paths) == Engine.default().ruleset.sha256:
            # the bundled rules: the library's default engine, which pages and the CLI code paths share
            engine = Engine.default()
        else:
            engine = Engine.shared(*self.paths)
        if self._alive.get(engine.ruleset.sha256) is not engine:
            self._built += 1
            self._alive[engine.ruleset.sha256] = engine
        return engine

    def for_sha256(self, sha256: str) -> Engine:
        """The engine built for these rules, or the current one when they are gone
        (to word a stored strategy: its ids are explained by the rules it came from)."""
        return self._alive.get(sha256) or self.current

    @property
    def engines_built(self) -> int:
        return self._built

    def reload(self) -> ReloadResult:
        """Switch to the rule files as they are now (an unchanged hash builds nothing)."""
        with self._lock:
            before = self.current.ruleset.sha256
            self.current = self._engine()
            after = self.current.ruleset.sha256
            return ReloadResult(after != before, before, after, self._built)


class ReloadSignal:
    """A file whose content changes when any worker was asked to reload."""

    def __init__(self, folder: Path, interval: float = 1.0) -> None:
        self.path = Path(folder) / "rules.reload"
        self.interval = interval
        self._seen = self._read()
        self._checked = time.monotonic()

    def _read(self) -> str:
        try:
            return self.path.read_text(encoding="ascii")
        except OSError:
            return ""

    def bump(self) -> None:
        """Tell the other workers (written whole: temp file and rename)."""
        token = secrets.token_hex(8)
        write_atomic(self.path, token)
        self._seen = token

    def changed(self) -> bool:
        """True once after another worker bumped the file (checked at most every ``interval``)."""
        now = time.monotonic()
        if now - self._checked < self.interval:
            return False
        self._checked = now
        value = self._read()
        if value != self._seen:
            self._seen = value
            return True
        return False
