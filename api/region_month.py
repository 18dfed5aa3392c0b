"""The region's month: the latest month that most clients' ledgers reach.

Clients deliver their ledgers at different times. The first file of a new
month (one client's April, loaded before the others') holds that client's
April in full, but of its partners only what that one ledger records: a
firm's trading group then seems to lose nearly all its trade in April (the
analyst who found it saw −95 % for the group of a healthy firm), and so do
the what-if's shares. The alerts already evaluate no month that most
clients have not delivered (:func:`graph.alerts.as_of_month`, half the
clients); a firm's trend and what-if stop at the same month unless a
window is asked for, and say which later months they left out.

Each client's last month is its own ledger's (``Store.client_last_months``:
what the client's ledger recorded, not what other clients' ledgers record
of it — a client that trades with the first to deliver does not reach the
new month through that one's ledger), as the alerts read it from the
clients' ledger sums (the refresh passes the month it computed, the same,
to the portfolio's gaps: :func:`month_of_ledgers`). One read of every
observation's last month (about a second on the 100k-firm region),
remembered per store object and trade version
(:class:`queries.version_memo.VersionMemo`): a process pays it once per
load.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import cast

from graph.alerts import as_of_month
from queries.scoped import ReadStore
from queries.store import Store
from queries.version_memo import VersionMemo

__all__ = ["region_month", "month_of_ledgers"]

_MONTH: VersionMemo[str, str] = VersionMemo(4)


def region_month(store: ReadStore) -> str | None:
    """The latest month (``YYYY-MM``) that at least half the clients reach,
    or ``None`` without clients or trade. A credit officer's scoped store is
    read through the store it wraps: a month says nothing of any firm."""
    raw = cast(Store, getattr(store, "store", store))
    version = raw.trade_version()

    def read(_: list[str]) -> dict[str, str]:
        clients = raw.client_ids()
        month = as_of_month([m for c, m in raw.client_last_months().items() if c in clients])
        return {"month": month} if month is not None else {}

    return _MONTH.get(raw, version, ["month"], read)["month"]


def month_of_ledgers(ledgers: Mapping[str, Mapping[str, Mapping[str, int]]]) -> str | None:
    """:func:`region_month` from the clients' ledger sums a refresh has read
    (``Store.ledger_sums``: every kind of line by month), without reading
    the store again: the latest month at least half of them reach."""
    lasts = [max(months) for sums in ledgers.values()
             if (months := {m for kind in ("sales", "purchases", "receipts", "payments")
                            for m in sums.get(kind, {})})]
    return as_of_month(lasts)
