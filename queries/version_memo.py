"""Store reads remembered across requests while the store's data version holds.

A credit officer's answer is scoped per request (:mod:`queries.scoped`), but
part of what scoping reads does not depend on the bank: what one client's
ledger recorded of a pair (its yen, its monthly series) and how a ledger
spells a firm it trades with. The first hops of a bank's clients share their
hubs, so every bank's requests read the same few thousand of these facts
again and again: on the 100k region, a credit officer's two-hop network
read ~2 of them per shown pair, ~5 ms of Neo4j's CPU an answer
(``docs/data-model.md``).

A :class:`VersionMemo` keeps them per store object (gone with it) and data
version. A write that moves the version (a load, a consent change, a firm
master) makes the next request at the new version forget them all. It holds
at most ``most`` facts: when full it forgets everything at once (one request
reads again what it needs; memory stays bounded).

This rests on a database's data version never coming back to a number it
had: torihiki's writes only ever raise it. A database emptied or restored
under a running process starts again lower, and the first request that
reads the lower version makes the memo forget; a process that replaces
the database itself (the tests) calls :meth:`VersionMemo.forget`.
"""

from __future__ import annotations

import threading
import weakref
from collections.abc import Callable, Hashable, Iterable, Mapping
from typing import Any, Generic, TypeVar

__all__ = ["VersionMemo", "forget_in_every_memo"]

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


class VersionMemo(Generic[K, V]):
    """Facts of one kind (key → value, ``None`` where the store has none),
    per store object and data version, shared by the threads of a process."""

    def __init__(self, most: int, keep_missing: bool = True) -> None:
        """``keep_missing``: remember that the store has no value for a key
        too (``None``); false for facts that can appear without a write that
        moves the data version (derived entries written after a load)."""
        self.most = most
        self.keep_missing = keep_missing
        self._lock = threading.Lock()
        self._memo: weakref.WeakKeyDictionary[object, tuple[int, dict[K, V | None]]] = weakref.WeakKeyDictionary()
        _EVERY.add(self)

    def get(self, store: object, version: int, keys: Iterable[K],
            read: Callable[[list[K]], Mapping[K, V]]) -> dict[K, V | None]:
        """The facts of ``keys``: those remembered at ``version``, the others
        from ``read(missing)`` (one call) and remembered.

        ``version`` is the store's data version as the caller read it
        *before* this (as :func:`queries.scoped._bank_view` does): a write
        landing in between leaves newer facts under an older version at
        worst, which the next request after the write forgets, never older
        facts under a newer one. A request at another version than the one
        remembered (a newer one, or an older one still running, or a
        database restored) makes the memo start again at its own."""
        keys = list(dict.fromkeys(keys))
        with self._lock:
            entry = self._memo.get(store)
            if entry is None or entry[0] != version:
                entry = (version, {})
                self._memo[store] = entry
            known = entry[1]
            out = {k: known[k] for k in keys if k in known}
        missing = [k for k in keys if k not in out]
        if not missing:
            return out
        found = read(missing)
        fresh = {k: found.get(k) for k in missing}
        out.update(fresh)
        if not self.keep_missing:
            fresh = {k: v for k, v in fresh.items() if v is not None}
        with self._lock:  # into the memo it was read for (forgotten meanwhile if the version moved)
            if len(known) + len(fresh) > self.most:
                known.clear()
            known.update(fresh)
        return out

    def forget(self, store: object) -> None:
        """Forget ``store``'s facts."""
        with self._lock:
            self._memo.pop(store, None)


_EVERY: weakref.WeakSet[VersionMemo[Any, Any]] = weakref.WeakSet()
"""Every memo of the process, wherever it is declared (:func:`forget_in_every_memo`)."""


def forget_in_every_memo(store: object) -> None:
    """Forget ``store``'s facts in every memo of this process (its database
    was emptied or replaced: its data version starts again)."""
    for memo in list(_EVERY):
        memo.forget(store)
