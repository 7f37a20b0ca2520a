"""A batch collects in full rarely while it runs (the engine's growing caches
made Python scan every cached object four times per 2,000 records), and the
caller's collector settings come back afterwards, also when the run fails."""

from __future__ import annotations

import gc
import io
import json

import pytest

from ibp_rules import Engine
from ibp_rules.batch import FULL_COLLECTION_AFTER, read_jsonl, run_batch
from ibp_rules.population import population


def _lines(n: int) -> list[bytes]:
    return [json.dumps(p).encode() + b"\n" for p in population(n, 3)]


def test_full_collections_are_rare_during_a_run_and_settings_come_back() -> None:
    before = gc.get_threshold()
    seen: list[tuple[int, int, int]] = []
    out = io.BytesIO()

    def write(block: bytes) -> None:
        seen.append(gc.get_threshold())
        out.write(block)

    summary = run_batch(Engine.default(), read_jsonl(_lines(70)), write)
    assert summary.ok == 70
    assert seen and all(t[2] >= FULL_COLLECTION_AFTER and t[:2] == before[:2] for t in seen)
    assert gc.get_threshold() == before


def test_settings_come_back_when_the_run_fails() -> None:
    before = gc.get_threshold()

    def write(block: bytes) -> None:
        raise OSError("disk full")

    with pytest.raises(OSError):
        run_batch(Engine.default(), read_jsonl(_lines(3)), write)
    assert gc.get_threshold() == before


def test_output_is_the_same_as_record_by_record() -> None:
    engine = Engine.default()
    lines = _lines(40)
    out = io.BytesIO()
    run_batch(engine, read_jsonl(lines), out.write)
    expected = [engine.assess(json.loads(line)).to_json_line() for line in lines]
    got = [json.loads(line)["strategy"] for line in out.getvalue().splitlines()]
    assert got == [json.loads(e) for e in expected]


def test_a_worker_keeps_the_pages_of_its_large_blocks(monkeypatch: pytest.MonkeyPatch) -> None:
    """Each chunk's 1.5 MB of output is made and freed again and again; a worker
    asks glibc to reuse those pages instead of faulting fresh ones for every chunk."""
    import platform

    from ibp_rules import batch

    if platform.system() == "Linux" and platform.libc_ver()[0] == "glibc":
        assert batch._reuse_large_blocks() is True
    called: list[bool] = []
    # the worker's globals are restored after the test (a failed rebuild would linger in this process)
    for name in ("_ENGINE", "_ENGINE_FAILURE", "_COMPACT", "_LANG"):
        monkeypatch.setattr(batch, name, getattr(batch, name))
    monkeypatch.setattr(batch, "_reuse_large_blocks", lambda: called.append(True) or True)
    monkeypatch.setattr(batch.signal, "signal", lambda *a: None)
    monkeypatch.setattr(batch.gc, "freeze", lambda: None)
    monkeypatch.setattr(batch.gc, "set_threshold", lambda *a: None)
    batch._init_worker(batch.EngineRecipe((), "x"), False)
    assert called == [True]
