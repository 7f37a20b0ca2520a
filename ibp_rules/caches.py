"""A bounded cache that keeps what is used, for the engine's shared output parts.

In a caseload the same explanation, measure or finding recurs thousands of
times, but not in a fixed working set: a few thousand recur often, and a
long tail (an age, a number of weeks) is seen once. A cache that is simply
cleared when full drops the hot entries with the tail, and measured on the
synthetic population that is most of its misses (with unbounded caches a
record made 4–7 times fewer new objects). A least-recently-used cache keeps
the hot entries but costs a Python call per lookup, which is what the cache
is there to save.

:class:`TwoGenerations` is the cheap middle: entries go into a *young*
dictionary; when it is full it becomes the *old* one (the previous old one
is dropped), and an entry found in the old one moves back to the young.
What was used since the last turn survives it; the tail leaves after at
most two turns. Lookups are one or two dict lookups; at most ``2 × size``
entries are held.
"""

from __future__ import annotations

from collections.abc import Hashable
from typing import Generic, TypeVar

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


class TwoGenerations(Generic[K, V]):
    """A mapping bounded to ``2 × size`` entries that keeps the ones in use (see the module)."""

    __slots__ = ("_old", "size", "young")

    def __init__(self, size: int) -> None:
        if size < 1:
            raise ValueError("size must be at least 1")
        self.size = size
        #: the young generation; a hot path may read it first (``c.young.get(k) or c.get(k)``)
        #: to save a method call on a hit, and must never write to it
        self.young: dict[K, V] = {}
        self._old: dict[K, V] = {}

    def get(self, key: K) -> V | None:
        """The value for ``key``, or None (values are never None)."""
        value = self.young.get(key)
        if value is None:
            value = self._old.pop(key, None)
            if value is not None:
                self.put(key, value)
        return value

    def put(self, key: K, value: V) -> None:
        young = self.young
        if len(young) >= self.size:
            self._old = young
            young = self.young = {}
        young[key] = value

    def clear(self) -> None:
        self.young = {}
        self._old = {}

    def __len__(self) -> int:
        return len(self.young) + len(self._old)

    def __contains__(self, key: object) -> bool:
        return key in self.young or key in self._old

    def __bool__(self) -> bool:
        return bool(self.young) or bool(self._old)
