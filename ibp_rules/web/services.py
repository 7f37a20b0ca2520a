"""What one server process holds: its engines, the case store, the token."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path

from ibp_rules.engine import Engine
from ibp_rules.errors import RulesetError

from .auth import Tokens
from .config import ServeConfig
from .engines import EngineRegistry, ReloadResult, ReloadSignal
from .limits import TokenBuckets
from .store import CaseStore

log = logging.getLogger("ibp_rules.web")


@dataclass
class Services:
    config: ServeConfig
    engines: EngineRegistry = field(init=False)
    store: CaseStore = field(init=False)
    tokens: Tokens = field(init=False)
    signal: ReloadSignal = field(init=False)
    #: failed sign-ins per client address (the middleware and /login share it)
    auth_failures: TokenBuckets = field(init=False)

    def __post_init__(self) -> None:
        self.store = CaseStore(Path(self.config.data))
        # the signal first: a reload another worker is asked for while this one builds its engine
        # (seconds on a busy machine) must still reach it; read after, it would look already seen
        self.signal = ReloadSignal(self.store.folder)
        self.engines = EngineRegistry(self.config.rules)
        self.tokens = Tokens(self.config.token)
        limit = self.config.limits.auth_failures
        self.auth_failures = TokenBuckets(limit / 60.0, limit)

    def engine(self) -> Engine:
        """The current engine (reloading first when another worker was asked to)."""
        if self.signal.changed():
            try:
                self.engines.reload()
            except RulesetError as exc:
                log.error("rules reload failed (%d problems); the previous rules stay in use", len(exc.problems))
        return self.engines.current

    def reload(self) -> ReloadResult:
        """Reload the rule files here and tell the other workers."""
        result = self.engines.reload()
        if self.config.workers > 1:
            self.signal.bump()
        return result

    def close(self) -> None:
        self.store.close()
