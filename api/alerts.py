"""Alerts of material change across the BPO's clients: computed once per
change of the data, read through the principal's scope, acknowledged by
analysts.

* :func:`refresh_alerts` computes every alert of the region
  (:func:`graph.alerts.compute_alerts` on the store's whole trade, each
  client's own ledger figures and the management parameters) and stores
  them (``put_analytics``, gzip-compressed JSON) with the data version
  they were computed from — after each load, as part of
  :func:`api.commands.common.refresh_analytics`.
* :func:`stored_alerts` reads them (one parse per process and version);
  when the data version has moved since, they are recomputed once, lazily
  (:func:`alerts_state`: in a background thread while the stored ones are
  served marked stale, or at once for the CLI), and stored again. The feed
  is a read, not a computation.
* :func:`alert_feed` is the one way the CLI, the API and the UI list
  alerts: filtered, paged and — for a credit officer — restricted through
  the principal's :class:`~queries.scoped.ScopedStore` (:func:`scoped_alerts`).
* :func:`ack` records an analyst's acknowledgement (audited).
"""

from __future__ import annotations

import datetime as dt
import gzip
import logging
import secrets
import threading
import time
from collections.abc import Callable, Collection, Mapping
from dataclasses import asdict
from typing import TYPE_CHECKING, Any

import orjson

from domain.errors import InputError
from queries.access import Principal, Role
from queries.acks import MAX_NOTE_CHARS, AlertAck
from queries.scoped import AccessDenied, ScopedStore
from queries.store import NotFound, Store

if TYPE_CHECKING:
    from api.portfolio import Snapshot  # pandas and networkx: imported by the refresh, not at start

__all__ = ["ALERTS", "refresh_alerts", "stored_alerts", "open_alert_count", "alerts_state", "refreshing", "alert_feed", "scoped_alerts", "ack", "one_alert",
           "ACK_ROLES", "ack_matching", "reopen", "reopen_matching"]

ALERTS = "alerts"
"""Name of the stored analytics entry holding every alert of the region."""
STAMP = "alerts_stamp"
"""A small entry written with :data:`ALERTS`: a random token per computation."""

ACK_ROLES = (Role.ANALYST, Role.ADMIN)
"""Who may acknowledge an alert."""


def _now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")


def compute_region_alerts(store: Store, progress: Callable[[str], None] | None = None,
                          snap: Snapshot | None = None,
                          ledgers: Mapping[str, Mapping[str, Mapping[str, int]]] | None = None
                          ) -> list[dict[str, Any]]:
    """Every alert of the region as plain dicts (see :class:`graph.alerts.Alert`).
    ``snap`` (of the whole window) and ``ledgers``
    (every client's ledger sums): what a refresh already read, if it did."""
    from graph.alerts import compute_alerts

    step = progress or (lambda _: None)
    if snap is not None and snap.month_from is None and snap.month_to is None:
        # The network's edges: the same monthly trade, summed per pair and month,
        # its firm ids and months categorical (cheap to index again), self-trade dropped.
        clients, trades, params = snap.clients, snap.network.edges, snap.parameters
        industries = {c: snap.firms[c].industry for c in clients if c in snap.firms}
    else:
        step("reading firms")
        firms = [f for f in store.all_firms() if f.is_client]
        clients = sorted(f.id for f in firms)
        industries = {f.id: f.industry for f in firms}
        step("reading trade")
        trades = store.trade_frame(None, None)
        step("reading parameters")
        params = store.parameters()
    if ledgers is None:
        step("reading clients' ledgers")
        ledgers = {c: store.ledger_sums(c) for c in clients}
    step("computing alerts")
    return [a.to_dict() for a in compute_alerts(trades, clients, ledgers=ledgers, parameters=params,
                                                industries=industries)]


def refresh_alerts(store: Store, progress: Callable[[str], None] | None = None, snap: Snapshot | None = None,
                   ledgers: Mapping[str, Mapping[str, Mapping[str, int]]] | None = None) -> dict[str, Any]:
    """Compute every alert and store them with the data version they were
    computed from. Returns what was done (``alerts``, ``data_version``,
    ``seconds``, ``bytes``). ``snap``, ``ledgers``: see :func:`compute_region_alerts`."""
    t0 = time.perf_counter()
    version = store.data_version()
    alerts = compute_region_alerts(store, progress, snap, ledgers)
    payload = gzip.compress(orjson.dumps(alerts), compresslevel=5)
    created = _now()
    stamp = secrets.token_hex(8)
    store.put_analytics(ALERTS, payload, version, created)
    store.put_analytics(STAMP, stamp.encode("ascii"), version, created)
    with _LOCK:
        _CACHE[id(store)] = (version, stamp, created, alerts)
    return {"alerts": len(alerts), "data_version": version, "created_at": created,
            "seconds": round(time.perf_counter() - t0, 2), "bytes": len(payload)}


_LOCK = threading.Lock()
_REFRESH_LOCK = threading.Lock()
_CACHE: dict[int, tuple[int, str, str, list[dict[str, Any]]]] = {}
"""Per store object: (data version, stamp, computed at, alerts) of the last alerts parsed."""
_RUNNING: set[int] = set()
log = logging.getLogger("torihiki.alerts")


def stored_alerts(store: Store, *, wait: bool = False) -> tuple[list[dict[str, Any]], str]:
    """Every alert of the region (newest month first) and when they were
    computed (see :func:`alerts_state`)."""
    alerts, computed, _ = alerts_state(store, wait=wait)
    return alerts, computed


def open_alert_count(store: Store, firm_id: str) -> int:
    """How many of ``firm_id``'s alerts no one has acknowledged yet (for the
    firm page's link to them; the stored alerts are parsed once per data
    version, the acknowledgements read only for this firm's)."""
    alerts, _ = stored_alerts(store)
    ids = [a["id"] for a in alerts if a["firm_id"] == firm_id]
    return len(ids) - len(store.alert_acks(ids)) if ids else 0


def alerts_state(store: Store, *, wait: bool = False) -> tuple[list[dict[str, Any]], str, bool]:
    """(alerts, when computed, stale). The stored alerts when they are of
    the current data version. When the data moved since, they are
    recomputed and stored once: with ``wait`` here and now (the CLI);
    else in a background thread of this process while the stored ones are
    served marked ``stale`` (a 10,000-client region takes minutes, too long
    for a request). Without any stored alerts they are computed here."""
    version = store.data_version()
    # the small stamp written with the alerts tells whether the parsed copy is still what is
    # stored (a store emptied and loaded again may count its data versions alike)
    got = store.get_analytics(STAMP)
    stamp = got[2].decode("ascii") if got is not None else None
    with _LOCK:
        hit = _CACHE.get(id(store))
    if hit is not None and hit[1] != stamp:
        hit = None
    if hit is not None and hit[0] == version:
        return hit[3], hit[2], False
    if hit is not None and got is not None and hit[0] == got[0] and not wait:
        _refresh_later(store)  # the parsed copy is what is stored; the data moved since
        return hit[3], hit[2], True
    entry = store.get_analytics(ALERTS)
    if entry is None or (entry[0] != version and wait):
        with _REFRESH_LOCK:
            entry = store.get_analytics(ALERTS)
            if entry is None or entry[0] != store.data_version():
                refresh_alerts(store)
            entry = store.get_analytics(ALERTS)
            assert entry is not None
    stale = entry[0] != version
    if stale:
        _refresh_later(store)
    if hit is not None and hit[0] == entry[0] and hit[2] == entry[1]:
        return hit[3], hit[2], stale
    alerts = orjson.loads(gzip.decompress(entry[2]))
    if stamp is not None:  # else (alerts stored without a stamp): parsed again next time
        with _LOCK:
            _CACHE[id(store)] = (entry[0], stamp, entry[1], alerts)
    return alerts, entry[1], stale


def refreshing(store: Store) -> bool:
    """Whether a background recomputation of ``store``'s alerts is running."""
    with _LOCK:
        return id(store) in _RUNNING


def _refresh_later(store: Store) -> None:
    """Recompute the alerts in a background thread (one per store at a time)."""
    key = id(store)
    with _LOCK:
        if key in _RUNNING:
            return
        _RUNNING.add(key)

    def work() -> None:
        try:
            with _REFRESH_LOCK:
                entry = store.get_analytics(ALERTS)
                if entry is None or entry[0] != store.data_version():
                    refresh_alerts(store)
        except Exception as e:  # noqa: BLE001 — a failed refresh is retried on the next read
            log.warning("alerts not refreshed: %s", e)
        finally:
            with _LOCK:
                _RUNNING.discard(key)

    threading.Thread(target=work, name="alerts-refresh", daemon=True).start()


NOT_FOR_BANKS = ("alerts are computed over every ledger of the region, so for a bank they would carry what "
                 "ledgers of firms that did not consent say (docs/access.md): analysts and admins only")


def scoped_alerts(scoped: ScopedStore, alerts: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The alerts the principal of ``scoped`` may see, with firm names:
    analysts and admins every alert; anyone else none
    (:class:`~queries.scoped.AccessDenied`, 403). A credit officer's scope
    is not enough: an alert's shares, HHI and distress come from every
    ledger of the region, a non-consenting client's included, so showing
    even a visible firm's alerts to a bank would let those ledgers speak.
    (Alerts per bank would have to be computed on each bank's scoped
    network; until then the feed is the analysts'.)"""
    if not scoped.unscoped:
        raise AccessDenied(NOT_FOR_BANKS if scoped.bank is not None
                           else "alerts carry firm-level data: this role receives aggregates only")
    ids = {a["firm_id"] for a in alerts} | {a["subject_id"] for a in alerts if a.get("subject_id")}
    ids |= {a["numbers"]["via"] for a in alerts if a["numbers"].get("via")}
    ids |= {f for a in alerts for s in a.get("series", ()) for f in (s.get("seller"), s.get("buyer")) if f}
    names = {k: f.name for k, f in scoped.get_firms(sorted(ids)).items()}
    return [_named(a, names) for a in alerts]


def _named(a: dict[str, Any], names: dict[str, str | None]) -> dict[str, Any]:
    b = dict(a)
    b["firm_name"] = names.get(a["firm_id"])
    b["subject_name"] = names.get(a["subject_id"]) if a.get("subject_id") else None
    via = a["numbers"].get("via")
    b["via_name"] = names.get(via) if via else None
    # each pair's series names its partner (a concentration jump shows the partner that grew and the one that fell)
    b["series"] = [{**s, "partner_name": names.get(s["buyer"] if s["seller"] == a["firm_id"] else s["seller"])}
                   if s.get("seller") else s for s in a.get("series", ())]
    return b


def alert_feed(store: Store, principal: Principal, *, since: str | None = None, kind: str | None = None,
               firm: str | None = None, month: str | None = None, state: str = "all", limit: int = 50,
               offset: int = 0, wait: bool = False, ids: Collection[str] | None = None) -> dict[str, Any]:
    """One page of the alerts ``principal`` may see, newest month first:
    ``{"alerts": [...], "count", "computed_at", "access"}``. Filters:
    ``since`` (``YYYY-MM``, inclusive), ``kind``, ``firm`` (id), ``month``
    (exactly), ``state`` (``all``, ``open``: not acknowledged,
    ``acknowledged``), ``ids`` (only these alerts); an unknown ``firm`` is
    :class:`queries.store.NotFound`. Each alert carries ``ack`` (who, when, note) or
    ``None``; ``stale`` says the data changed since they were computed
    (being recomputed; ``wait`` recomputes first, see :func:`alerts_state`)."""
    if state not in ("all", "open", "acknowledged"):
        raise InputError(f"state must be all, open or acknowledged: {state!r}")
    scoped = ScopedStore(store, principal)
    scoped_alerts(scoped, [])  # refuses every role but analysts and admins, before any work
    if firm is not None and not scoped.get_firms([firm]):
        raise NotFound(f"no firm {firm!r}")  # a mistyped id is not a client without alerts
    alerts, computed, stale = alerts_state(store, wait=wait)
    wanted = None if ids is None else set(ids)
    chosen = [a for a in alerts
              if (since is None or a["month"] >= since) and (kind is None or a["kind"] == kind)
              and (firm is None or a["firm_id"] == firm) and (month is None or a["month"] == month)
              and (wanted is None or a["id"] in wanted)]
    acks = store.alert_acks(wanted) if chosen else {}  # every acknowledgement, or only of ``ids``
    if state == "open":
        chosen = [a for a in chosen if a["id"] not in acks]
    elif state == "acknowledged":
        chosen = [a for a in chosen if a["id"] in acks]
    page = scoped_alerts(scoped, chosen[offset:offset + limit])
    for a in page:
        found = acks.get(a["id"])
        a["ack"] = asdict(found) if found is not None and scoped.unscoped else None
    return {"alerts": page, "count": len(chosen), "computed_at": computed, "stale": stale,
            "access": scoped.access()}


def one_alert(store: Store, principal: Principal, alert_id: str) -> dict[str, Any]:
    """One alert as ``principal`` may see it (:class:`NotFound` when there is
    no such alert or it is not visible: the same answer)."""
    scoped = ScopedStore(store, principal)
    alerts, _ = stored_alerts(store)
    found = [a for a in alerts if a["id"] == alert_id]
    shown = scoped_alerts(scoped, found)
    if not shown:
        raise NotFound(f"no alert {alert_id!r}")
    a = shown[0]
    got = store.alert_acks([alert_id]).get(alert_id)
    a["ack"] = asdict(got) if got is not None and scoped.unscoped else None
    return a


def ack(store: Store, principal: Principal, alert_id: str, note: str = "",
        record: Callable[[str, str | None, str, str], None] | None = None,
        wait: bool = False) -> tuple[AlertAck, bool]:
    """Acknowledge an alert as ``principal`` (an analyst or admin): the
    acknowledgement (the first one stays) and whether this call made it.
    ``record(action, firm_id, outcome, detail)`` writes the audit entry
    (default: :func:`api.identity.record` as ``principal``)."""
    from api.identity import record as audit_record

    def log(action: str, firm_id: str | None, outcome: str, detail: str) -> None:
        if record is not None:
            record(action, firm_id, outcome, detail)
        else:
            audit_record(store, principal, action, firm_id, outcome, detail)

    if principal.role not in ACK_ROLES:
        log("alert.ack", None, "denied", alert_id)
        raise AccessDenied("only analysts and admins acknowledge alerts")
    if len(note) > MAX_NOTE_CHARS:
        raise InputError(f"the note is longer than {MAX_NOTE_CHARS} characters")
    alerts, _ = stored_alerts(store, wait=wait)
    alert = next((a for a in alerts if a["id"] == alert_id), None)
    if alert is None:
        log("alert.ack", None, "not_found", alert_id)
        raise NotFound(f"no alert {alert_id!r}")
    made = store.ack_alert(alert_id, principal.user, note, _now())
    log("alert.ack", alert["firm_id"], "ok", alert_id if made else f"{alert_id} (acknowledged before)")
    got = store.alert_acks([alert_id])[alert_id]
    return got, made


def ack_matching(store: Store, principal: Principal, *, since: str | None = None, kind: str | None = None,
                 firm: str | None = None, month: str | None = None, note: str = "",
                 wait: bool = False) -> dict[str, int]:
    """Acknowledge, as ``principal`` (an analyst or admin), every alert not
    acknowledged yet that the filters of :func:`alert_feed` choose (no
    filter: every one). For an analyst who has looked at a month, or who
    starts with a region's history already reviewed (a generated or
    imported region holds months of alerts nobody will open one by one).

    Each alert acknowledged gets its own audit entry (``alert.ack``, its
    firm, "one of N acknowledged together"), as if acknowledged alone.
    Returns ``{"matched": …, "acknowledged": …}`` (fewer acknowledged than
    matched when someone acknowledged some meanwhile)."""
    from api.identity import audit_entry
    from api.identity import record as audit_record

    if principal.role not in ACK_ROLES:
        audit_record(store, principal, "alert.ack", None, "denied", "every alert of a filter")
        raise AccessDenied("only analysts and admins acknowledge alerts")
    if len(note) > MAX_NOTE_CHARS:
        raise InputError(f"the note is longer than {MAX_NOTE_CHARS} characters")
    chosen = alert_feed(store, principal, since=since, kind=kind, firm=firm, month=month, state="open",
                        limit=10**9, wait=wait)["alerts"]
    made = set(store.ack_alerts([a["id"] for a in chosen], principal.user, note, _now()))
    together = f" (one of {len(made)} acknowledged together)" if len(made) > 1 else " (acknowledged by a filter)"
    store.append_audit([audit_entry(principal, "alert.ack", a["firm_id"], "ok", f"{a['id']}{together}")
                        for a in chosen if a["id"] in made])
    return {"matched": len(chosen), "acknowledged": len(made)}


def reopen_matching(store: Store, principal: Principal, *, ids: Collection[str] | None = None,
                    since: str | None = None, kind: str | None = None, firm: str | None = None,
                    month: str | None = None, wait: bool = False) -> dict[str, int]:
    """Take back, as ``principal`` (an analyst or admin), the acknowledgements
    of the acknowledged alerts the filters of :func:`alert_feed` choose
    (``ids``: only of those): they are open again, as before anyone looked.
    For an acknowledgement made by mistake, one or a filter's worth.

    Each alert reopened gets its own audit entry (``alert.reopen``, its firm,
    who had acknowledged it when). Returns ``{"matched": …, "reopened": …}``."""
    from api.identity import audit_entry
    from api.identity import record as audit_record

    if principal.role not in ACK_ROLES:
        audit_record(store, principal, "alert.reopen", None, "denied",
                     ", ".join(sorted(ids)[:5]) if ids else "every alert of a filter")
        raise AccessDenied("only analysts and admins reopen alerts")
    chosen = alert_feed(store, principal, since=since, kind=kind, firm=firm, month=month, state="acknowledged",
                        limit=10**9, wait=wait, ids=ids)["alerts"]
    gone = set(store.unack_alerts([a["id"] for a in chosen]))
    together = f"; one of {len(gone)} reopened together" if len(gone) > 1 else ""
    store.append_audit([audit_entry(principal, "alert.reopen", a["firm_id"], "ok",
                                    f"{a['id']} (acknowledged by {a['ack']['user']} at {a['ack']['at']}{together})")
                        for a in chosen if a["id"] in gone])
    return {"matched": len(chosen), "reopened": len(gone)}


def reopen(store: Store, principal: Principal, alert_id: str) -> bool:
    """Take back the acknowledgement of one alert (:func:`reopen_matching`):
    whether it had one. :class:`NotFound` when there is no such alert."""
    if principal.role in ACK_ROLES:
        one_alert(store, principal, alert_id)  # NotFound first, as for an acknowledgement
    return reopen_matching(store, principal, ids=[alert_id])["reopened"] == 1
