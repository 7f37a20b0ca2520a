"""Engines free durable_rules' native memory: dropped, closed, or shared per ruleset hash."""

from __future__ import annotations

import gc
import weakref
from pathlib import Path

import pytest

from ibp_rules import Engine, EngineError
from ibp_rules import engine as engine_module
from ibp_rules.resources import default_ruleset_path
from ibp_rules.ruleset import load_ruleset


def rss_mib() -> float:
    with open("/proc/self/status", encoding="ascii") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    raise AssertionError("no VmRSS")


def test_200_engines_built_and_dropped_keep_memory_flat() -> None:
    """Each engine's C ruleset is about 1.4 MB: 200 unfreed ones would add ~290 MiB."""
    rs = load_ruleset([default_ruleset_path()])
    for _ in range(10):
        Engine(rs).assess({})
    gc.collect()
    before = rss_mib()
    for _ in range(200):
        Engine(rs).assess({"bolig": {"situasjon": "uten_fast_bolig"}})
    gc.collect()
    assert rss_mib() - before < 25


def test_a_dropped_engine_is_freed_at_once_without_the_cycle_collector() -> None:
    """durable's actions hold no reference to the backend, so the last
    reference going away frees the native ruleset there and then."""
    rs = load_ruleset([default_ruleset_path()])
    gc.disable()
    try:
        engine = Engine(rs)
        engine.assess({})
        free = engine._backend._free
        assert free.alive
        del engine
        assert not free.alive
    finally:
        gc.enable()


def test_close_frees_now_and_later_use_is_an_engine_error() -> None:
    rs = load_ruleset([default_ruleset_path()])
    with Engine(rs) as engine:
        engine.assess({})
    with pytest.raises(EngineError, match="closed"):
        engine.assess({})
    engine.close()  # twice is fine
    other = Engine(rs)  # a closed engine does not disturb another over the same rules
    assert other.assess({"bolig": {"situasjon": "uten_fast_bolig"}}).measures


def test_process_engines_refuse_to_close(tmp_path: Path, ruleset_copy: Path) -> None:
    with pytest.raises(EngineError, match="shared"):
        Engine.default().close()
    with pytest.raises(EngineError, match="shared"):
        Engine.shared(ruleset_copy).close()
    assert Engine.default().assess({}).ruleset.id


def test_shared_is_one_engine_per_ruleset_hash(ruleset_copy: Path) -> None:
    first = Engine.shared(ruleset_copy)
    assert Engine.shared(ruleset_copy) is first
    assert Engine.shared(str(ruleset_copy) + "/") is first  # the same folder, written differently
    manifest = ruleset_copy / "ruleset.yaml"
    manifest.write_text(manifest.read_text(encoding="utf-8") + "# endret\n", encoding="utf-8")
    second = Engine.shared(ruleset_copy)
    assert second is not first and second.ruleset.sha256 != first.ruleset.sha256
    assert first.assess({}).ruleset.sha256 == first.ruleset.sha256  # still usable by whoever holds it


def test_reloading_changed_rules_keeps_memory_flat(ruleset_copy: Path) -> None:
    """A service that reloads after every change: engines leave the cache
    and are freed; memory does not grow with the number of reloads."""
    manifest = ruleset_copy / "ruleset.yaml"
    text = manifest.read_text(encoding="utf-8")

    def reload(i: int) -> Engine:
        manifest.write_text(text + f"# versjon {i}\n", encoding="utf-8")
        return Engine.shared(ruleset_copy)

    for i in range(10):
        reload(i).assess({})
    gc.collect()
    before = rss_mib()
    last = weakref.ref(reload(10))
    for i in range(11, 41):
        reload(i).assess({})
    gc.collect()
    assert len(engine_module._shared_engines) <= engine_module.SHARED_ENGINES
    assert last() is None  # left the cache and was dropped
    assert rss_mib() - before < 15  # 30 unfreed engines: ~45 MiB
