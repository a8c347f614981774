"""Rows recently read, kept in this process so that an update costs fewer database round trips."""

from __future__ import annotations

import time
from collections import OrderedDict
from typing import Generic, TypeVar

K = TypeVar("K")
V = TypeVar("V")


class RecentRows(Generic[K, V]):
    """A bounded, time-limited map of rows by key.

    Exact for what this process writes: the repository that owns the table refreshes or
    forgets an entry after its transaction commits. The time limit bounds how long a change
    made by another process (the command line, a second bot) can go unseen.
    """

    def __init__(self, size: int = 10_000, ttl_seconds: float = 300.0) -> None:
        self._entries: OrderedDict[K, tuple[float, V]] = OrderedDict()
        self._size = size
        self._ttl = ttl_seconds

    def get(self, key: K) -> tuple[bool, V | None]:
        """(found, value): a cached None (a row known to be absent) is found."""
        entry = self._entries.get(key)
        if entry is None or time.monotonic() - entry[0] > self._ttl:
            return False, None
        self._entries.move_to_end(key)
        return True, entry[1]

    def put(self, key: K, value: V) -> None:
        self._entries[key] = (time.monotonic(), value)
        self._entries.move_to_end(key)
        while len(self._entries) > self._size:
            self._entries.popitem(last=False)

    def forget(self, key: K | None) -> None:
        if key is not None:
            self._entries.pop(key, None)

    def clear(self) -> None:
        self._entries.clear()
