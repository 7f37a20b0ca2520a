"""An engine built in a parent process works in worker processes (fork and spawn)."""

from __future__ import annotations

import multiprocessing as mp
import pickle
from pathlib import Path

import pytest

from conftest import EXAMPLE_FILES
from ibp_rules import Engine, EngineError, read_assessment
from ibp_rules.resources import default_ruleset_path

_ENGINE: Engine | None = None


def _assess_in_worker(path: str) -> str:
    assert _ENGINE is not None
    return _ENGINE.assess(read_assessment(path)).to_json()


def _assess_with(args: tuple[Engine, str]) -> str:
    engine, path = args
    return engine.assess(read_assessment(path)).to_json()


def _cases() -> list[str]:
    return [str(p) for p in EXAMPLE_FILES]


def test_fork_workers_inherit_the_engine() -> None:
    global _ENGINE
    _ENGINE = Engine.from_paths(default_ruleset_path())
    expected = [_assess_in_worker(p) for p in _cases()]
    _ENGINE._backend._lock.acquire()  # a lock held at fork time must not deadlock the child
    try:
        ctx = mp.get_context("fork")
        with ctx.Pool(2) as pool:
            got = pool.map(_assess_in_worker, _cases() * 3, chunksize=1)
    finally:
        _ENGINE._backend._lock.release()
    assert got == expected * 3


def test_spawn_workers_rebuild_the_engine_from_its_files() -> None:
    engine = Engine.from_paths(default_ruleset_path())
    expected = [engine.assess(read_assessment(p)).to_json() for p in _cases()]
    ctx = mp.get_context("spawn")
    with ctx.Pool(2) as pool:
        got = pool.map(_assess_with, [(engine, p) for p in _cases()])
    assert got == expected


def test_pickled_engine_refuses_changed_rules(ruleset_copy: Path) -> None:
    engine = Engine.from_paths(ruleset_copy)
    blob = pickle.dumps(engine)
    assert pickle.loads(blob).ruleset.sha256 == engine.ruleset.sha256
    with (ruleset_copy / "rules" / "bolig.yaml").open("a", encoding="utf-8") as f:
        f.write("# changed\n")
    with pytest.raises(EngineError, match="changed since"):
        pickle.loads(blob)
