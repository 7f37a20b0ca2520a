"""Many threads, many runs: the same results, flat memory, every session deleted."""

from __future__ import annotations

import gc
import threading
import uuid
from pathlib import Path
from typing import Any

import durable_rules_engine
import pytest

from conftest import EXAMPLE_FILES
from ibp_rules import Engine, read_assessment

THREADS, PER_THREAD = 8, 1000


def _rss_kib() -> int:
    with open("/proc/self/status", encoding="ascii") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    raise RuntimeError("no VmRSS")  # pragma: no cover


def _cases() -> list[Any]:
    return [read_assessment(p) for p in EXAMPLE_FILES] + [
        {"bolig": {"situasjon": "uten_fast_bolig"}, "helse": {"rus": "aktiv", "tjenester": []}},
        {"okonomi": {"inntekt_stabil": False, "inntektskilder": ["dagpenger"]}, "arbeid_utdanning": {"norsk": "lite"}},
        {},
    ]


def test_threads_equal_sequential(engine: Engine) -> None:
    cases = _cases()
    expected = [engine.assess(c).to_json() for c in cases]
    mismatches: list[tuple[int, int]] = []
    errors: list[BaseException] = []
    done = [0] * THREADS

    def work(t: int) -> None:
        try:
            for i in range(PER_THREAD):
                k = (i * 5 + t) % len(cases)
                if engine.assess(cases[k]).to_json() != expected[k]:
                    mismatches.append((t, i))
                done[t] += 1
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(t,)) for t in range(THREADS)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    assert not errors and not mismatches
    assert sum(done) == THREADS * PER_THREAD


@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="needs /proc")
def test_memory_stays_flat(engine: Engine) -> None:
    cases = _cases()
    for i in range(3000):  # warm up: caches, allocator arenas
        engine.assess(cases[i % len(cases)])
    gc.collect()
    before = _rss_kib()
    n = 20_000
    for i in range(n):
        engine.assess(cases[i % len(cases)])
    gc.collect()
    grown = _rss_kib() - before
    print(f"RSS before {before} KiB, after {n} assessments +{grown} KiB")
    # an open durable session costs ~0.8 MB: even 1% leaked would add ~160 MB
    assert grown < 8 * 1024


def test_every_session_is_deleted(monkeypatch: pytest.MonkeyPatch) -> None:
    """Runs share a session that is renewed every SESSION_RUNS runs: each session but the
    live one is deleted, and closing the engine deletes that one too."""
    from ibp_rules import backend as backend_module
    from ibp_rules.resources import default_ruleset_path

    sids: list[str] = []
    real = uuid.uuid4

    def recording() -> uuid.UUID:
        u = real()
        sids.append(u.hex)
        return u

    monkeypatch.setattr(uuid, "uuid4", recording)
    monkeypatch.setattr(backend_module, "SESSION_RUNS", 5)
    engine = Engine.from_paths(default_ruleset_path())
    for c in _cases():
        engine.assess(c)
    backend = engine._backend
    assert len(sids) == -(-len(_cases()) // 5), "one session per five runs"
    live = backend._session_box[0]
    for sid in sids:
        if sid == live:
            continue
        with pytest.raises(Exception, match="309"):  # durable: no such session
            durable_rules_engine.get_state(backend._handle, sid)
    if live is not None:
        durable_rules_engine.get_state(backend._handle, live)  # the live session exists until close
    engine.close()
    assert backend._session_box[0] is None
