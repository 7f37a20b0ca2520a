"""The engine's bounded caches keep the entries in use and drop the tail."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ibp_rules.caches import TwoGenerations


def test_an_entry_used_since_the_last_turn_survives_it() -> None:
    c: TwoGenerations[int, str] = TwoGenerations(3)
    c.put(0, "hot")
    for i in range(1, 20):
        c.put(i, f"tail {i}")
        assert c.get(0) == "hot"  # used every round: never dropped
    assert c.get(1) is None  # seen once, long ago: gone
    assert len(c) <= 6


def test_an_unused_entry_leaves_after_two_turns() -> None:
    c: TwoGenerations[int, int] = TwoGenerations(2)
    c.put(-1, 99)
    for i in range(4):
        c.put(i, i)
    assert -1 not in c and c.get(-1) is None


@given(st.lists(st.tuples(st.booleans(), st.integers(0, 30)), max_size=300), st.integers(1, 8))
def test_bounded_and_never_wrong(ops: list[tuple[bool, int]], size: int) -> None:
    """Whatever the order of lookups and stores, at most ``2 × size`` entries
    are held and a value found is the one last stored for its key."""
    c: TwoGenerations[int, int] = TwoGenerations(size)
    stored: dict[int, int] = {}
    for n, (store, key) in enumerate(ops):
        if store:
            c.put(key, n)
            stored[key] = n
        else:
            got = c.get(key)
            assert got is None or got == stored[key]
        assert len(c) <= 2 * size


def test_clear_and_a_size_below_one_is_refused() -> None:
    c: TwoGenerations[str, int] = TwoGenerations(4)
    c.put("k", 1)
    assert c and "k" in c
    c.clear()
    assert not c and len(c) == 0
    with pytest.raises(ValueError):
        TwoGenerations(0)
