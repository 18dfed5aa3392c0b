"""全銀協 総合振込 (種別コード 21) files: 120-byte cp932 half-width records, CRLF.

One file per transfer date: header ``1``, data ``2`` × n, trailer ``8``
(count and total of the data records), end ``9``. Recipient names are bank
kana cut to 30 bytes (``ｶ)ﾔﾏﾀﾞｼﾖｳｼﾞ``). Amounts are yen. Field positions
as in formats.md. The header has no year: the file name carries the full
date (``furikomi_YYYYMMDD.txt``) and the file's modification time is set to
three days before the transfer.
"""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

from synthetic.economy import BANKS, Economy
from synthetic.names import bank_kana, cut_bytes

__all__ = ["write_zengin", "RECORD_BYTES"]

RECORD_BYTES = 120


def _t(text: str, n: int) -> str:
    s = cut_bytes(text, n)
    return s + " " * (n - len(s.encode("cp932")))


def _n(value: int, n: int) -> str:
    s = f"{value:0{n}d}"
    if len(s) != n:
        raise ValueError(f"number {value} does not fit {n} digits")
    return s


def write_zengin(path: Path, econ: Economy, client: int, date: dt.date,
                 transfers: list[tuple[int, str, int]]) -> int:
    """Write one transfer file; ``transfers`` = (recipient firm, kana name, yen).

    The amount field has 10 digits: a transfer of ¥10bn or more is split into
    several records of at most ¥9,999,999,999, as banking software does.
    Returns the number of data records written.
    """
    limit = 10**10 - 1
    transfers = [(firm, kana, part) for firm, kana, amount in transfers
                 for part in ([limit] * (amount // limit) + ([amount % limit] if amount % limit else []))]
    b = BANKS[int(econ.bank[client])]
    br_code, br_name = b.branches[int(econ.branch[client])]
    recs = ["1" + "21" + "0" + _n(int(econ.account[client]) * 100 + 21, 10)
            + _t(bank_kana(econ.names[client], 40), 40) + f"{date.month:02d}{date.day:02d}"
            + b.code + _t(b.kana, 15) + br_code + _t(br_name, 15) + "1"
            + _n(int(econ.account[client]), 7) + " " * 17]
    total = 0
    for firm, kana, amount in transfers:
        rb = BANKS[int(econ.bank[firm])]
        rcode, rname = rb.branches[int(econ.branch[firm])]
        recs.append("2" + rb.code + _t(rb.kana, 15) + rcode + _t(rname, 15) + "0000" + "1"
                    + _n(int(econ.account[firm]), 7) + _t(kana, 30) + _n(amount, 10) + "0"
                    + " " * 20 + "7" + " " + " " * 7)
        total += amount
    recs.append("8" + _n(len(transfers), 6) + _n(total, 12) + " " * 101)
    recs.append("9" + " " * 119)
    data = "".join(r + "\r\n" for r in recs).encode("cp932")
    for r in recs:
        if len(r.encode("cp932")) != RECORD_BYTES:
            raise AssertionError(f"zengin record is not {RECORD_BYTES} bytes: {r!r}")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    # the file is made a few days before the transfer: readers may take the
    # year from the modification time (the header has only MMDD)
    made = dt.datetime.combine(date - dt.timedelta(days=3), dt.time(12), tzinfo=dt.UTC)
    os.utime(path, (made.timestamp(), made.timestamp()))
    return len(transfers)
