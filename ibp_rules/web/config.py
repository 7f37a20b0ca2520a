"""What one running service is configured with, and where its data lives.

The configuration travels as JSON in an environment variable so that
uvicorn's worker processes (``--workers 2``), which import the app afresh,
build the same app as the parent: the same token, data folder, rules and
limits.
"""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass, field
from pathlib import Path

#: the environment variable the parent hands its configuration to workers in
CONFIG_ENV = "IBP_SERVE_CONFIG"
#: a fixed access token for API clients that must survive restarts
TOKEN_ENV = "IBP_TOKEN"
MIN_TOKEN_LENGTH = 32

MiB = 1024 * 1024


def default_data_folder() -> Path:
    """``$XDG_DATA_HOME/ibp-rules`` (``~/.local/share/ibp-rules``)."""
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "ibp-rules"


@dataclass(frozen=True)
class Limits:
    """Request limits (documented in the README and the OpenAPI document)."""

    #: a request body to any endpoint but /batch
    max_body: int = 2 * MiB
    #: a /batch request body (read ahead in memory at most this much)
    max_batch: int = 64 * MiB
    #: one JSON Lines record in a batch
    max_line: int = 1 * MiB
    #: requests per second per client address (0 = no limit), and the burst
    rate: float = 50.0
    burst: int = 200
    #: failed sign-ins per client address per minute before 429
    auth_failures: int = 20


@dataclass(frozen=True)
class ServeConfig:
    data: str
    token: str
    rules: tuple[str, ...] = ()
    limits: Limits = field(default_factory=Limits)
    workers: int = 1
    #: log tracebacks of internal errors (they may carry input: never by default)
    debug: bool = False

    def to_env(self) -> str:
        return json.dumps(asdict(self))

    @classmethod
    def from_env(cls, text: str | None = None) -> ServeConfig:
        raw = json.loads(text if text is not None else os.environ[CONFIG_ENV])
        raw["rules"] = tuple(raw.get("rules", ()))
        raw["limits"] = Limits(**raw.get("limits", {}))
        return cls(**raw)
