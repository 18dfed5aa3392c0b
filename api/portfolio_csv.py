"""The portfolio as a CSV file for a manager or a spreadsheet: the clients
the page's filters chose, in its order, every row (not only the page's 50),
with names and headers in the reader's language.

UTF-8 with a byte-order mark, so that Excel shows the Japanese; shares in
percent and yen as whole numbers, as the page shows them; text cells
escaped against spreadsheet formulas (:func:`graph.anonymise.escape_frame`,
a client's name is the operator's data, but typed by many hands).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from typing import Any

import pandas as pd

from api.web.dossier import REASON_LABELS
from api.web.i18n import Locale
from graph.anonymise import escape_frame

__all__ = ["COLUMNS", "portfolio_csv"]


def N_(message: str) -> str:
    """Marks a message for the catalogs (translated when written)."""
    return message


def _plain(v: Any) -> Any:
    return None if v is None or (isinstance(v, float) and math.isnan(v)) or v is pd.NA else v


def _round(digits: int) -> Callable[[Any], Any]:
    return lambda v: None if _plain(v) is None else round(float(v), digits)


def _percent(v: Any) -> Any:
    return None if _plain(v) is None else round(float(v) * 100, 1)


def _whole(v: Any) -> Any:
    return None if _plain(v) is None else int(round(float(v)))


COLUMNS: list[tuple[str, str, Callable[[Any], Any]]] = [
    ("firm_id", N_("Client id"), _plain),
    ("name", N_("Client"), _plain),
    ("industry", N_("Industry"), _plain),
    ("prefecture", N_("Prefecture"), _plain),
    ("sales_yen", N_("Sales (12 months), yen"), _whole),
    ("sales_months", N_("Months the annual sales are made of (below 12: annualised)"), _whole),
    ("trend_gap_pp", N_("Trend gap vs group (pp)"), _round(1)),
    ("customer_hhi", N_("Customer HHI"), _round(3)),
    ("top_customer_share", N_("Top customer share (%)"), _percent),
    ("receivable_days", N_("Receivable days"), _round(1)),
    ("receivable_days_change", N_("Change (days)"), _round(1)),
    ("distressed_partners", N_("Partners in distress"), _whole),
    ("two_hop_distress_exposure", N_("Two-hop exposure (%)"), _percent),
    ("open_alerts", N_("Open alerts"), _whole),
    ("ledger_months", N_("Ledger months"), _whole),
    ("first_month", N_("First month"), _plain),
    ("last_month", N_("Last month"), _plain),
]
"""(column of the signals table, header, how a value is written)."""


def _checks(row: Mapping[Any, Any], loc: Locale) -> str:
    out = []
    for check in str(_plain(row.get("ledger_checks")) or "").split(";"):
        if check == "no_sales":
            out.append(loc.gettext("no sales booked"))
        elif check == "behind":
            out.append(loc.gettext("no ledger after %(month)s") % {"month": loc.month(row.get("last_month"))})
        elif check == "ahead":
            out.append(loc.gettext("ahead of most clients"))
        elif check == "missing_months":
            gaps = str(_plain(row.get("missing_months")) or "").split(";")
            out.append(loc.gettext("%(n)s months without a line") % {"n": len(gaps)}
                       + " (" + ", ".join(loc.month(m) for m in gaps) + ")")
    return "; ".join(out)


def portfolio_csv(frame: pd.DataFrame, loc: Locale) -> bytes:
    """``frame`` (rows of the portfolio's signals table, in the order to
    write, index or column ``firm_id``) as CSV bytes in ``loc``'s language."""
    rows = frame.reset_index() if "firm_id" not in frame.columns else frame
    out = pd.DataFrame({loc.gettext(label): [write(v) for v in rows[col]] if col in rows else None
                        for col, label, write in COLUMNS})
    records = rows.to_dict("records")
    out[loc.gettext("The client's own distress signals")] = [
        "; ".join(loc.gettext(REASON_LABELS.get(r, r)) for r in str(_plain(rec.get("own_distress")) or "").split(";")
                  if r) for rec in records]
    out[loc.gettext("To check in the ledger first")] = [_checks(rec, loc) for rec in records]
    for _col, label, write in COLUMNS:  # whole numbers stay whole where a column has blanks
        if write is _whole:
            out[loc.gettext(label)] = out[loc.gettext(label)].astype("Int64")
    text: str = escape_frame(out, index=False).to_csv(index=False, lineterminator="\r\n")
    return text.encode("utf-8-sig")
