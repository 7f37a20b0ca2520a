"""The service's engines: one per ruleset hash, reloaded without a restart.

Building an engine compiles the rules into durable_rules, whose native
memory is not given back when the Python object goes away; a service that
built an engine per request, or per reload of unchanged files, would grow
without end. So the registry keys engines by the ruleset's sha256: a reload
first hashes the rule files (cheap: their bytes), and only a hash it has
not seen builds a new engine. Switching back to earlier rules reuses the
engine built for them. Requests in flight keep the engine they started with.

With several worker processes, a reload asked of one of them is passed on
through a small file in the data folder (:class:`ReloadSignal`): every worker
looks at it at most once a second and reloads when it changed.
"""

from __future__ import annotations

import os
import secrets
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from ibp_rules.engine import Engine
from ibp_rules.resources import default_ruleset_path
from ibp_rules.ruleset import load_ruleset, ruleset_sha256


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
        self._engines: dict[str, Engine] = {}
        self._lock = threading.Lock()
        if self.paths == (default_ruleset_path(),):
            # share the library's default engine (pages and the CLI code paths use it too)
            default = Engine.default()
            self._engines[default.ruleset.sha256] = default
        self.current = self._engine_for(ruleset_sha256(self.paths))

    def _engine_for(self, sha256: str) -> Engine:
        engine = self._engines.get(sha256)
        if engine is None:
            ruleset = load_ruleset(list(self.paths))  # RulesetError: the current engine stays
            engine = self._engines.get(ruleset.sha256)
            if engine is None:
                engine = self._engines[ruleset.sha256] = Engine(ruleset)
        return engine

    def for_sha256(self, sha256: str) -> Engine:
        """The engine built for these rules, or the current one when they are gone
        (to word a stored strategy: its ids are explained by the rules it came from)."""
        return self._engines.get(sha256, self.current)

    @property
    def engines_built(self) -> int:
        return len(self._engines)

    def reload(self) -> ReloadResult:
        """Switch to the rule files as they are now (an unchanged hash builds nothing)."""
        with self._lock:
            before = self.current.ruleset.sha256
            self.current = self._engine_for(ruleset_sha256(self.paths))
            after = self.current.ruleset.sha256
        return ReloadResult(after != before, before, after, len(self._engines))


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
        tmp = self.path.with_name(f".{self.path.name}.{os.getpid()}.tmp")
        with open(tmp, "w", encoding="ascii") as f:
            f.write(token)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, self.path)
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
