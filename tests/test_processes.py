"""An engine built in a parent process works in worker processes (fork and spawn)."""

from __future__ import annotations

import json
import multiprocessing as mp
import os
import pickle
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import EXAMPLE_FILES
from ibp_rules import Engine, EngineError, read_assessment
from ibp_rules.population import population
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


# -- ibp batch with spawn workers -------------------------------------------------------------

def _batch_lines(engine: Engine, workers: int, start_method: str | None = None) -> bytes:
    from ibp_rules.batch import read_jsonl, run_batch

    lines = [json.dumps(p, sort_keys=True).encode() + b"\n" for p in population(150, seed=5)]
    out: list[bytes] = []
    run_batch(engine, read_jsonl(lines), out.append, workers, start_method=start_method)
    return b"".join(out)


def test_spawn_batch_workers_find_relative_rule_folders_after_a_change_of_directory(
        ruleset_copy: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.chdir(ruleset_copy.parent)
    engine = Engine.from_paths("rulesets")  # relative, as typed on a command line
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    assert _batch_lines(engine, 2, "spawn") == _batch_lines(engine, 1)


_CHANGED_RULES = """
import sys
from ibp_rules import Engine, EngineError
from ibp_rules.batch import read_jsonl, run_batch

engine = Engine.from_paths(sys.argv[1])
with open(sys.argv[2], "a", encoding="utf-8") as f:
    f.write("# changed after the engine was built\\n")
try:
    run_batch(engine, read_jsonl([b"{}\\n"] * 200), lambda block: None, 2, start_method="spawn")
except EngineError as exc:
    print("EngineError:", exc)
    sys.exit(3)
"""


def test_a_spawn_worker_that_cannot_rebuild_the_engine_fails_once_in_the_parent(ruleset_copy: Path) -> None:
    """Not a pool that starts failing workers again and again, forever."""
    proc = subprocess.Popen([sys.executable, "-c", _CHANGED_RULES, str(ruleset_copy), str(ruleset_copy / "rules" / "bolig.yaml")],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True)
    try:
        out, err = proc.communicate(timeout=120)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        pytest.fail("the batch never ended: its workers were restarted endlessly")
    assert proc.returncode == 3, err.decode()
    assert out.decode().count("EngineError:") == 1 and "rule files changed" in out.decode()
    assert b"Traceback" not in err
