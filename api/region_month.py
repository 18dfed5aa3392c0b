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

Each client's last month is read from the firm totals the store keeps
current at load (a client's turnover by month, whoever's ledger recorded
it): one read of the clients' rows, remembered per store object and trade
version (:class:`queries.version_memo.VersionMemo`), so a request pays it
once per load.
"""

from __future__ import annotations

from typing import cast

from graph.alerts import as_of_month
from queries.scoped import ReadStore
from queries.store import Store
from queries.version_memo import VersionMemo

__all__ = ["region_month"]

_MONTH: VersionMemo[str, str] = VersionMemo(4)


def region_month(store: ReadStore) -> str | None:
    """The latest month (``YYYY-MM``) that at least half the clients reach,
    or ``None`` without clients or trade. A credit officer's scoped store is
    read through the store it wraps: a month says nothing of any firm."""
    raw = cast(Store, getattr(store, "store", store))
    version = raw.trade_version()

    def read(_: list[str]) -> dict[str, str]:
        totals = raw.firm_totals(raw.client_ids())
        month = as_of_month([t.months[-1] for t in totals.values() if t.months])
        return {"month": month} if month is not None else {}

    return _MONTH.get(raw, version, ["month"], read)["month"]
