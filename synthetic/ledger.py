"""One client's books as format-independent journal entries.

Why separate from the writers: the same entries are written as 弥生, freee,
Money Forward or canonical CSV, and settlements go to the journal, a 全銀
transfer file or a bank statement — each settlement is written exactly once
across a client's files (the channel decides where), so nothing is counted
twice. Amounts are integer yen, dates real calendar days.

Trade lines: sale (売掛金[customer] / 売上高), purchase (仕入高 or 外注費 /
買掛金[supplier]), receipt (普通預金 / 売掛金[customer]), payment
(買掛金[supplier] / 普通預金). Some receipts and payments are two-line slips
with a bank fee (支払手数料); some month-end sales are one slip of several
lines. Non-trade: consumer sales (現金 / 売上高, no counterparty), 給料手当,
支払手数料, 減価償却費 at the fiscal year end.
"""

from __future__ import annotations

import calendar
import datetime as dt
import functools
from dataclasses import dataclass, field
from typing import NamedTuple

import numpy as np

from synthetic.config import GenerateConfig
from synthetic.dynamics import SimResult
from synthetic.economy import PREFECTURES, Economy
from synthetic.names import SOLE, bank_kana
from synthetic.noise import spellings

__all__ = ["Line", "Entry", "ClientBook", "build_book", "JOURNAL_FORMATS", "month_end",
           "client_fy_figures"]

JOURNAL_FORMATS = ("yayoi", "freee", "moneyforward", "canonical")
_FORMAT_P = np.array([0.4, 0.25, 0.25, 0.1])
_CHANNELS = ("journal", "zengin", "bank")
_CHANNEL_P = np.array([0.6, 0.25, 0.15])
_SERVICE_DIVS = frozenset("DLRHG")


class Line(NamedTuple):
    """One journal row: debit and credit side (a side may be blank: account "")."""

    dr: str
    dr_sub: str
    dr_amt: int
    cr: str
    cr_sub: str
    cr_amt: int
    memo: str


class Entry(NamedTuple):
    """A journal entry (one slip). ``kind``: sale, purchase, receipt, payment, other."""

    date: dt.date
    kind: str
    lines: list[Line]
    cp: int  # firm index of the counterparty, -1 for none
    name: str  # counterparty as written ("" for none)
    amount: int  # trade or settled amount (yen)
    closing: bool = False  # 決算 entry (本決)


@dataclass(slots=True)
class ClientBook:
    """Everything written for one client."""

    index: int
    client_id: str
    fmt: str
    variant: str  # moneyforward: current | legacy; freee: full | short
    encoding: str
    era_dates: bool
    channel: str
    entries: list[Entry] = field(default_factory=list)
    bank_rows: list[tuple[dt.date, str, int, int]] = field(default_factory=list)
    transfers: dict[dt.date, list[tuple[int, str, int]]] = field(default_factory=dict)
    names: dict[tuple[str, int], None] = field(default_factory=dict)  # (raw, firm) used
    fy_sales: dict[int, int] = field(default_factory=dict)
    fy_months: dict[int, int] = field(default_factory=dict)
    fy_ar_end: dict[int, int] = field(default_factory=dict)


@functools.lru_cache(maxsize=4096)
def month_end(y: int, m: int) -> dt.date:
    return dt.date(y, m, calendar.monthrange(y, m)[1])


@functools.lru_cache(maxsize=16384)
def _day(y: int, m: int, day: int) -> dt.date:
    return month_end(y, m) if day >= 28 else dt.date(y, m, day)


def _fiscal_year(d: dt.date) -> int:
    return d.year if d.month >= 4 else d.year - 1


def build_book(cfg: GenerateConfig, econ: Economy, c: int, rng: np.random.Generator,
               sales_rows: tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray],
               purchase_rows: tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray],
               consumer: np.ndarray, last_month: int | None = None,
               failure: np.ndarray | None = None) -> ClientBook:
    """Entries of client ``c``; ``*_rows`` = (counterparty, month, amount, pay month).

    ``last_month``: the client's last operating month (it fails the month
    after; default the last simulated month). The fiscal-year figures
    (``fy_months``, ``fy_sales``, ``fy_ar_end``) count operating months only
    and take receivables at the end of the last operating month of the year.
    ``failure``: failure month of every firm (−1 none); receivables from a
    customer that has failed by the year end are not counted as 売掛金 (the
    決算 moves them to 破産更生債権等, claims in bankruptcy).
    """
    rates = cfg.rates
    fmt = JOURNAL_FORMATS[int(rng.choice(4, p=_FORMAT_P))]
    channel = "journal" if fmt == "canonical" else _CHANNELS[int(rng.choice(3, p=_CHANNEL_P))]
    if fmt == "yayoi":
        variant, enc = "", "cp932"
    elif fmt == "freee":
        variant = "full" if rng.random() < 0.6 else "short"
        enc = "utf-8-sig" if rng.random() < 0.5 else "cp932"
    elif fmt == "moneyforward":
        variant = "current" if rng.random() < 0.7 else "legacy"
        enc = "cp932" if rng.random() < 0.7 else "utf-8-sig"
    else:
        variant, enc = "", "utf-8"
    book = ClientBook(c, econ.ids[c], fmt, variant, enc, bool(rng.random() < 0.3), channel)
    raw_to_firm: dict[str, int] = {}
    spelt: dict[int, tuple[str, str, bool, int, int]] = {}

    def who(cp: int) -> tuple[str, str, bool, int, int]:
        got = spelt.get(cp)
        if got is None:
            nm = econ.names[cp]
            main, alt = spellings(nm, rng, rates.variant, rates.typo)
            for cand in (main, nm.official, f"{nm.official} {PREFECTURES[econ.pref[cp]][3][econ.city[cp]][0]}"):
                if raw_to_firm.get(cand, cp) == cp:
                    main = cand
                    break
            if raw_to_firm.get(alt, cp) != cp:
                alt = main
            raw_to_firm[main] = cp
            raw_to_firm[alt] = cp
            inv = nm.form != SOLE and rng.random() < rates.invoice
            u1, u2 = rng.random(2)
            got = (main, alt, inv, 31 if u1 < 0.6 else 20 if u1 < 0.85 else 25,
                   31 if u2 < 0.5 else 25 if u2 < 0.8 else 10)
            spelt[cp] = got
        return got

    def written(cp: int) -> str:
        main, alt, *_ = who(cp)
        s = alt if rng.random() < rates.line_variant else main
        book.names[(s, cp)] = None
        return s

    def kana(cp: int) -> str:
        s = bank_kana(econ.names[cp])
        book.names[(s, cp)] = None
        return s

    entries = book.entries
    ym = [cfg.year_month(t) for t in range(cfg.months + 1)]
    run_day = int(rng.choice([31, 25]))  # the client's monthly payment run (全銀 clients)
    fee = 660
    last = cfg.months - 1
    end_date = month_end(*cfg.year_month(last))
    ar_open: list[tuple[dt.date, dt.date | None, int, int]] = []
    # --- sales and receipts
    cps, months, amounts, pays = sales_rows
    for cp, t, amt, pay in zip(cps.tolist(), months.tolist(), amounts.tolist(), pays.tolist(),
                               strict=True):
        _, _, _, close, payday = who(cp)
        y, m = ym[t]
        d = _day(y, m, close)
        name = written(cp)
        entries.append(Entry(d, "sale", [Line("売掛金", name, amt, "売上高", "", amt, f"{m}月分 売上")],
                             cp, name, amt))
        paid: dt.date | None = None
        if 0 <= pay <= last:
            py, pm = ym[pay]
            paid = _day(py, pm, payday)
            if channel == "bank":
                book.bank_rows.append((paid, f"振込 {kana(cp)}", 0, amt))
            else:
                name = written(cp)
                if rng.random() < 0.1 and amt > fee * 10:
                    lines = [Line("普通預金", "", amt - fee, "売掛金", name, amt, f"{name} 入金"),
                             Line("支払手数料", "", fee, "", "", 0, "振込手数料 先方差引")]
                else:
                    lines = [Line("普通預金", "", amt, "売掛金", name, amt, f"{name} 入金")]
                entries.append(Entry(paid, "receipt", lines, cp, name, amt))
        ar_open.append((d, paid, amt, cp))
    # --- purchases and payments
    cps, months, amounts, pays = purchase_rows
    for cp, t, amt, pay in zip(cps.tolist(), months.tolist(), amounts.tolist(), pays.tolist(),
                               strict=True):
        _, _, inv, close, payday = who(cp)
        y, m = ym[t]
        d = _day(y, m, close)
        name = written(cp)
        acct = "外注費" if econ.division[cp] in _SERVICE_DIVS else "仕入高"
        tno = f" 登録番号T{econ.corp_no[cp]}" if inv else ""
        entries.append(Entry(d, "purchase", [Line(acct, "", amt, "買掛金", name, amt,
                                                  f"{m}月分 仕入{tno}")], cp, name, amt))
        if 0 <= pay <= last:
            py, pm = ym[pay]
            paid = _day(py, pm, run_day if channel == "zengin" else payday)
            if channel == "bank":
                book.bank_rows.append((paid, f"振込 {kana(cp)}", amt, 0))
            elif channel == "zengin":
                book.transfers.setdefault(paid, []).append((cp, kana(cp), amt))
            else:
                name = written(cp)
                if rng.random() < 0.1:
                    lines = [Line("買掛金", name, amt, "普通預金", "", amt + fee, f"振込 {name}{tno}"),
                             Line("支払手数料", "", fee, "", "", 0, "振込手数料")]
                else:
                    lines = [Line("買掛金", name, amt, "普通預金", "", amt, f"振込 {name}{tno}")]
                entries.append(Entry(paid, "payment", lines, cp, name, amt))
    # --- non-trade lines
    staff = int(econ.employees[c])
    pay_per = 230_000 + 10_000 * int(rng.integers(0, 8))
    for t in range(cfg.months):
        y, m = ym[t]
        cons = int(consumer[t])
        if cons > 0:
            entries.append(Entry(month_end(y, m), "other",
                                 [Line("現金", "", cons, "売上高", "", cons, "")], -1, "", cons))
        sal = staff * pay_per
        entries.append(Entry(dt.date(y, m, 25), "other",
                             [Line("給料手当", "", sal, "普通預金", "", sal, f"{m}月分 給与")], -1, "", sal))
        entries.append(Entry(month_end(y, m), "other",
                             [Line("支払手数料", "", 880, "普通預金", "", 880, "振込手数料")], -1, "", 880))
        if channel == "bank":
            book.bank_rows.append((dt.date(y, m, 25), "給与振込", sal, 0))
            book.bank_rows.append((month_end(y, m), "振込手数料", 880, 0))
        if m == 3:
            dep = max(10_000, int(econ.sales[c] * 0.015) // 1000 * 1000)
            entries.append(Entry(month_end(y, m), "other",
                                 [Line("減価償却費", "", dep, "減価償却累計額", "", dep, "減価償却費 計上")],
                                 -1, "", dep, closing=True))
    if fmt != "canonical":
        _consolidate(entries, rng)
    entries.sort(key=lambda e: (e.date, _KIND_ORDER[e.kind]))
    book.bank_rows.sort(key=lambda r: r[0])
    # --- figures for the management parameters (from the same lines)
    for e in entries:
        for ln in e.lines:
            if ln.cr == "売上高":
                fy = _fiscal_year(e.date)
                book.fy_sales[fy] = book.fy_sales.get(fy, 0) + ln.cr_amt
    op_last = last if last_month is None else min(last_month, last)
    for t in range(op_last + 1):
        fy = _fiscal_year(dt.date(*ym[t], 1))
        book.fy_months[fy] = book.fy_months.get(fy, 0) + 1
    op_end = month_end(*ym[op_last]) if op_last >= 0 else end_date
    failed_on = {} if failure is None else {
        int(cp): month_end(*ym[int(failure[cp])]) for cp in {o[3] for o in ar_open}
        if failure[cp] >= 0}
    for fy in book.fy_months:
        fy_end = min(dt.date(fy + 1, 3, 31), end_date, op_end)
        book.fy_ar_end[fy] = sum(
            a for d, paid, a, cp in ar_open
            if d <= fy_end and (paid is None or paid > fy_end)
            and not (cp in failed_on and failed_on[cp] <= fy_end))
    return book


def client_fy_figures(cfg: GenerateConfig, sim: SimResult, c: int
                      ) -> dict[int, tuple[int, float, float]]:
    """Fiscal year → (operating months, sales, receivables at year end) of client ``c``.

    The same figures :func:`build_book` derives from the client's journal
    lines (sales: network sales and consumer sales by month of the sale;
    receivables: invoices of operating months not paid by the end of the
    last operating month of the year, except those owed by customers that
    have failed by then), computed from the simulation directly, without
    building the book.
    """
    op_last = cfg.last_operating_month(int(sim.failure[c]))
    fys = [_fiscal_year(dt.date(*cfg.year_month(t), 1)) for t in range(cfg.months)]
    rows = sim.c_seller == c
    t_arr = sim.c_month[rows].astype(np.int64)
    amt = sim.c_amount[rows].astype(np.float64)
    pay = sim.c_pay[rows].astype(np.int64)
    cp_fail = sim.failure[sim.c_buyer[rows]].astype(np.int64)
    fy_of = np.array(fys, dtype=np.int64)
    row_fy = fy_of[t_arr]
    out: dict[int, tuple[int, float, float]] = {}
    for fy in sorted(set(fys[: op_last + 1])):
        in_fy = np.flatnonzero(fy_of == fy)
        t_end = min(int(in_fy.max()), op_last)
        sales = float(amt[row_fy == fy].sum()) + float(np.rint(sim.consumer[c, in_fy]).sum())
        open_ = (t_arr <= t_end) & ((pay < 0) | (pay > t_end))
        ar = float(amt[open_ & ~((cp_fail >= 0) & (cp_fail <= t_end))].sum())
        out[fy] = (int((in_fy <= op_last).sum()), sales, ar)
    return out


_KIND_ORDER = {"sale": 0, "purchase": 1, "receipt": 2, "payment": 3, "other": 4}


def _consolidate(entries: list[Entry], rng: np.random.Generator) -> None:
    """Merge some same-day sales into one multi-line slip (伝票)."""
    by_day: dict[dt.date, list[int]] = {}
    for i, e in enumerate(entries):
        if e.kind == "sale":
            by_day.setdefault(e.date, []).append(i)
    drop: set[int] = set()
    for d in sorted(by_day):
        idx = by_day[d]
        if len(idx) >= 3 and rng.random() < 0.3:
            lines = [ln for i in idx for ln in entries[i].lines]
            first = entries[idx[0]]
            entries[idx[0]] = Entry(d, "sale", lines, -2, "", sum(entries[i].amount for i in idx))
            drop.update(idx[1:])
            _ = first
    if drop:
        entries[:] = [e for i, e in enumerate(entries) if i not in drop]
