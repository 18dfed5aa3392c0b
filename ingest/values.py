"""Parse the values Japanese ledgers write: yen amounts, dates, months.

All parsers raise :class:`ValueError` with a short human reason; readers turn
that into a :class:`~ingest.records.Reject`. Money is always an ``int`` of yen.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from functools import lru_cache

__all__ = ["accounting_minus", "parse_amount", "parse_date", "parse_month", "ERAS"]

# Japanese eras: first Gregorian year of each (year 1 of the era).
ERAS: dict[str, int] = {
    "M": 1868, "明治": 1868,
    "T": 1912, "大正": 1912,
    "S": 1926, "昭和": 1926,
    "H": 1989, "平成": 1989,
    "R": 2019, "令和": 2019,
}

_NEGATIVE_MARKS = ("△", "▲", "-", "−", "ー", "‐", "－")
_AMOUNT_RE = re.compile(r"^\d+$")


def accounting_minus(text: str) -> str:
    """``text`` with a leading ``△`` or ``▲`` (how Japanese accounts write a
    negative) as ``-``, for a number read with ``float``; else as it is.

    >>> accounting_minus("▲ 12.5"), accounting_minus("12")
    ('-12.5', '12')
    """
    return "-" + text[1:].strip() if text[:1] in ("△", "▲") else text


def parse_amount(text: str) -> int:
    """Parse a yen amount into an integer.

    Accepts thousands separators, ``¥``/``\\``/``円``, full-width digits,
    a leading ``-``, ``△`` or ``▲`` (accounting negatives), and ``(123)``.
    Rejects decimals with a non-zero fraction (yen have no subunit).

    >>> parse_amount("△1,234")
    -1234
    >>> parse_amount("１２，０００円")
    12000
    """
    if text.isascii():
        if text.isdigit():
            return int(text)  # the common case: plain ASCII digits
        s = text.strip()  # NFKC leaves ASCII as it is
    else:
        s = unicodedata.normalize("NFKC", text).strip()
    # NFKC turns full-width ￥ into ¥ and keeps △ ▲ as they are.
    s = s.replace(",", "").replace("¥", "").replace("\\", "").replace("円", "").strip()
    if not s:
        raise ValueError("empty amount")
    negative = False
    if s.startswith("(") and s.endswith(")"):
        negative, s = True, s[1:-1].strip()
    for mark in _NEGATIVE_MARKS:
        if s.startswith(mark):
            negative, s = not negative, s[len(mark):].strip()
            break
    if s.startswith("+"):
        s = s[1:]
    if "." in s:
        whole, _, frac = s.partition(".")
        if frac and not _AMOUNT_RE.match(frac):
            raise ValueError(f"not an amount: {text!r}")  # "12.5.0", "12.x" ("12." is 12)
        if frac.strip("0"):
            raise ValueError(f"amount has a fraction of a yen: {text!r}")
        s = whole
    if not _AMOUNT_RE.match(s):
        raise ValueError(f"not an amount: {text!r}")
    value = int(s)
    return -value if negative else value


_ERA_RE = re.compile(r"^(明治|大正|昭和|平成|令和|[MTSHR])\.?\s*(\d{1,2}|元)[./\-年](\d{1,2})[./\-月](\d{1,2})日?$")
# 平成 30 年 07 月 20 日 (spaced, as ゆうちょ writes it), possibly followed by a time.
_ERA_KANJI_RE = re.compile(
    r"^(明治|大正|昭和|平成|令和)\s*(\d{1,2}|元)\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*日")
_YMD_RE = re.compile(r"^(\d{4})[./\-年](\d{1,2})[./\-月](\d{1,2})日?$")
_COMPACT_RE = re.compile(r"^(\d{4})(\d{2})(\d{2})$")


@lru_cache(maxsize=8192)  # a ledger has a few hundred distinct dates over millions of lines
def parse_date(text: str) -> dt.date:
    """Parse a ledger date.

    Forms: ``20250701``, ``2025/7/1``, ``2025-07-01``, ``2025年7月1日``,
    era forms (和暦) ``R07/07/01``, ``R.7/7/1``, ``H30/07/01``, ``H30.01.15``,
    ``令和7年7月1日``, ``平成 30 年 07 月 20 日`` (``元`` = year 1; M/T/S/H/R or
    明治/大正/昭和/平成/令和). A time part after a space is ignored.

    >>> parse_date("R07/07/01")
    datetime.date(2025, 7, 1)
    """
    s = unicodedata.normalize("NFKC", text).strip()
    if " " in s:
        k = _ERA_KANJI_RE.match(s)
        s = "".join(k.groups()[:2]) + f"年{k.group(3)}月{k.group(4)}日" if k else s.split(" ", 1)[0]
    if "T" in s and s[:4].isdigit():
        s = s.split("T", 1)[0]
    if not s:
        raise ValueError("empty date")
    m = _COMPACT_RE.match(s) or _YMD_RE.match(s)
    if m:
        year, month, day = int(m.group(1)), int(m.group(2)), int(m.group(3))
    else:
        m = _ERA_RE.match(s.upper() if s[:1].isascii() else s)
        if not m:
            raise ValueError(f"not a date: {text!r}")
        era_year = 1 if m.group(2) == "元" else int(m.group(2))
        if era_year < 1:
            raise ValueError(f"era year 0 in {text!r}")
        year = ERAS[m.group(1)] + era_year - 1
        month, day = int(m.group(3)), int(m.group(4))
    try:
        return dt.date(year, month, day)
    except ValueError as e:
        raise ValueError(f"impossible date {text!r}: {e}") from None


_MONTH_RE = re.compile(r"^(\d{4})[-/]?(\d{1,2})$")


def parse_month(text: str) -> str:
    """Normalise a month to ``YYYY-MM`` (accepts ``2025-07``, ``2025/7``, ``202507``)."""
    s = unicodedata.normalize("NFKC", text).strip()
    m = _MONTH_RE.match(s)
    if not m or not 1 <= int(m.group(2)) <= 12:
        raise ValueError(f"not a month (YYYY-MM): {text!r}")
    return f"{int(m.group(1)):04d}-{int(m.group(2)):02d}"
