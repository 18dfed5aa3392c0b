"""Rendered responses cached by request and data version.

A firm's network, trend or figures change only when data is written, and
every write transaction bumps the store's data version
(:meth:`queries.store.Store.data_version`). So a rendered body (bytes) can be
served again, without touching the store, until the version moves. The
version is asked at most every ``version_ttl`` seconds (a round trip on
Neo4j): a reader may see the previous answer for that long after a load.

The cache is bounded by the bytes it holds (least recently used out first),
and concurrent requests for one key compute it once (the others wait for
that result), so a burst on one large firm does not compute it ten times.
On a miss, an answer rendered at load time for the same data version
(:mod:`api.precompute`) is read from the store before anything is computed.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from typing import Any, Generic, TypeVar

import orjson
from isal import igzip

from api.render_gate import RenderGate
from queries.identity import TokenRead
from queries.scoped import ReadStore, ScopedStore, scope_key_of

T = TypeVar("T")
V = TypeVar("V")

__all__ = ["ResponseCache", "Rendered", "StoredTableCache", "app_state_once", "stored_is_current"]


@dataclass(frozen=True, slots=True)
class Rendered:
    """A response body with its media type. Kept gzip-compressed in the
    cache (JSON and HTML shrink five- to tenfold, so the cache holds that
    many more answers), sent compressed to clients that accept it.

    Compressed with ISA-L (``isal.igzip``, the same gzip format): at its
    level 1 a two-hop network of ~300 kB takes 0.44 ms against 1.78 ms with
    zlib's level 1, and comes out ~10 % smaller."""

    media_type: str
    gzipped: bytes
    _plain: bytes | None = None

    @classmethod
    def of(cls, body: bytes, media_type: str) -> Rendered:
        return cls(media_type, igzip.compress(body, compresslevel=1, mtime=0), body)

    @property
    def body(self) -> bytes:
        return self._plain if self._plain is not None else igzip.decompress(self.gzipped)

    def cached(self) -> Rendered:
        """The form kept in the cache: compressed only."""
        return Rendered(self.media_type, self.gzipped)


class ResponseCache:
    """LRU of :class:`Rendered` bodies keyed by (request key, data version).

    ``max_bytes = 0`` disables caching (every request computes).
    """

    def __init__(self, max_bytes: int, version_ttl: float = 0.5, use_stored: bool = True,
                 gate: RenderGate | None = None) -> None:
        self.max_bytes = max_bytes
        self.gate = gate or RenderGate(0)  # how many answers are computed at once (none stored)
        self.version_ttl = version_ttl
        self.use_stored = use_stored  # serve answers stored at load time (off: compute every one)
        self._items: OrderedDict[tuple[str, int], Rendered] = OrderedDict()
        self._size = 0
        self._lock = threading.Lock()
        self._inflight: dict[tuple[str, int], threading.Event] = {}
        self._version = (-1.0, 0)  # (monotonic time read, version)
        # keys stored at load time, as read at a data version: (that version, its trade version, keys)
        self._stored: tuple[int, int, frozenset[str]] = (-1, -1, frozenset())
        self.hits = 0
        self.misses = 0

    def version(self, store: ReadStore, fresh: bool = False, first: TokenRead | None = None) -> int:
        """The store's data version, re-read at most every ``version_ttl`` s
        (every time when ``fresh``); ``first``: the version this request
        read with its token (:mod:`api.first_read`), which is as fresh."""
        read_at, version = self._version
        now = time.monotonic()
        if first is not None:
            version = first.data_version
            self._version = (now, version)
        elif fresh or now - read_at >= self.version_ttl:
            version = store.data_version()
            self._version = (now, version)
        return version

    def get_or_render(self, key: str, store: ReadStore, render: Callable[[], Rendered],
                      precomputed: bool = True, fresh: bool = False, gated: bool = True,
                      first: TokenRead | None = None, scoped: bool = False) -> Rendered:
        """The cached body for ``key`` at the current data version, or
        ``render()``'s, stored. Exceptions from ``render`` are not cached.
        ``precomputed``: an answer stored at load time may be served (callers
        put the scope into ``key``); ``scoped``: ``key`` is a bank's, whose
        stored answer is served only while neither the trade nor that bank's
        consents changed since it was rendered (see :meth:`_from_store`).
        ``fresh``: read the data version now (a consent change bumps it, and
        a scoped answer must follow a revocation on the next request).
        ``gated``: ``render()`` waits for a slot of :attr:`gate` (off for
        answers that take seconds, see :mod:`api.render_gate`).
        ``first``: what the request read with its token (:mod:`api.first_read`):
        the data version, and maybe the stored answer for ``key``."""
        version = self.version(store, fresh, first)
        precomputed = precomputed and self.use_stored
        if gated:
            render = partial(self.gate.run, render)
        if self.max_bytes <= 0:
            return (self._from_store(key, store, version, first, scoped) if precomputed else None) or render()
        full = (key, version)
        while True:
            with self._lock:
                hit = self._items.get(full)
                if hit is not None:
                    self._items.move_to_end(full)
                    self.hits += 1
                    return hit
                waiting = self._inflight.get(full)
                if waiting is None:
                    self._inflight[full] = threading.Event()
                    self.misses += 1
                    break
            waiting.wait(timeout=60)
        try:
            value = (self._from_store(key, store, version, first, scoped) if precomputed else None) or render()
            with self._lock:
                self._store(full, value.cached())
            return value
        finally:
            with self._lock:
                done = self._inflight.pop(full, None)
            if done is not None:
                done.set()

    def _from_store(self, key: str, store: ReadStore, version: int,
                    first: TokenRead | None = None, scoped: bool = False) -> Rendered | None:
        """The answer stored at load time, if it is current (from ``first``
        when the request read it with its token).

        Consent changes what a bank's officer sees, not the unscoped answers:
        those stay current across consent changes (:func:`stored_is_current`); a
        bank's (``scoped``) across other banks' consent changes only
        (:meth:`ScopedStore.scope_version`)."""
        from api.precompute import INDEX, read_stored, stored_key

        if scoped:  # a bank's: read by name (its scope reads no index of them), or with the token
            if not isinstance(store, ScopedStore):
                return None
            if first is not None and first.bank_entry_name == stored_key(key):
                entry, consents = first.bank_entry, first.consent_version
            else:
                entry = store.get_analytics(stored_key(key))
                consents = store.scope_version() if entry is not None else 0
            if entry is None:
                return None
            trades = first.trade_version if first is not None else store.trade_version()
            if not stored_is_current(entry[0], trades, version, consents):
                return None
            return Rendered(*read_stored(entry[2]))
        if first is not None and first.entry_name == stored_key(key):
            if first.entry is None or not stored_is_current(first.entry[0], first.trade_version, version):
                return None
            return Rendered(*read_stored(first.entry[2]))
        known_version, trades, keys = self._stored
        if known_version != version:
            trades = store.trade_version()
            index = store.get_analytics(INDEX)
            names = (frozenset(orjson.loads(index[2])) if index is not None and stored_is_current(index[0], trades, version)
                     else frozenset())
            self._stored = known_version, trades, keys = version, trades, names
        if key not in keys:
            return None
        entry = store.get_analytics(stored_key(key))
        if entry is None or not stored_is_current(entry[0], trades, version):
            return None
        media_type, gzipped = read_stored(entry[2])
        return Rendered(media_type, gzipped)

    def _store(self, key: tuple[str, int], value: Rendered) -> None:
        size = len(value.gzipped)
        if size > self.max_bytes // 4:
            return  # one huge body would flush everything else
        old = self._items.pop(key, None)
        if old is not None:
            self._size -= len(old.gzipped)  # what was added for it (cached entries are compressed only)
        self._items[key] = value
        self._size += size
        while self._size > self.max_bytes and self._items:
            _, dropped = self._items.popitem(last=False)
            self._size -= len(dropped.gzipped)

    def clear(self) -> None:
        with self._lock:
            self._items.clear()
            self._size = 0


def stored_is_current(stored: int, trades: int, version: int, consents: int = 0) -> bool:
    """Whether what was stored at data version ``stored`` (an answer or the
    index of them) is current at data version ``version`` whose trade
    version is ``trades``: no write but consent changes came after it
    (``Store.trade_version``); for a bank's answer, none of that bank's
    consent changes either (``consents``: its ``Store.consent_version``)."""
    return max(trades, consents) <= stored <= version


class StoredTableCache(Generic[T]):
    """One value per scope, per process, kept while neither the data version
    nor the stored analytics entry ``name`` has moved.

    For tables computed after each load and stored as an analytics entry
    (peer inputs, portfolio signals): the scope
    (:func:`queries.scoped.scope_key_of`) keeps one bank's value from
    another's; a subclass's :meth:`build` makes the value from the stored
    entry (``None`` when there is none yet) at the current data version.
    At most ``MAX_SCOPES`` scopes are kept (the oldest out first); one
    build at a time per cache.
    """

    MAX_SCOPES = 16
    NAME = ""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._entries: dict[str, tuple[tuple[object, ...], T]] = {}

    def build(self, store: ReadStore, version: int, stored: tuple[int, str, bytes] | None) -> T:
        raise NotImplementedError

    def get(self, store: ReadStore) -> T:
        scope = scope_key_of(store)
        version = store.data_version()
        stored = store.get_analytics(self.NAME)
        key = (version, stored[0] if stored else None, stored[1] if stored else None)
        with self._lock:
            hit = self._entries.get(scope)
            if hit is not None and hit[0] == key:
                return hit[1]
            value = self.build(store, version, stored)
            self._entries.pop(scope, None)
            self._entries[scope] = (key, value)
            while len(self._entries) > self.MAX_SCOPES:
                del self._entries[next(iter(self._entries))]
            return value


_STATE_LOCK = threading.Lock()


def app_state_once(state: Any, name: str, make: Callable[[], V]) -> V:
    """The app's one object kept as ``state.<name>`` (``state``: the FastAPI
    ``app.state``), made by ``make`` on first use — so that start-up does
    not build (or import) it, and concurrent first requests build it once."""
    found = getattr(state, name, None)
    if found is None:
        with _STATE_LOCK:
            found = getattr(state, name, None)
            if found is None:
                found = make()
                setattr(state, name, found)
    return found
