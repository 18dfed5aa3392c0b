"""法人番号 (corporate number) and invoice registration number checks.

A 法人番号 is 13 digits: a check digit followed by a 12-digit base.
check = 9 − (Σ Pₙ·Qₙ mod 9), where Pₙ is the n-th digit of the base counted
from the right and Qₙ is 1 for odd n, 2 for even n (NTA specification).
An invoice registration number of a corporation is ``T`` + its 法人番号.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

__all__ = ["check_digit", "is_valid", "normalize", "find_invoice_numbers"]

_DIGITS13 = re.compile(r"^\d{13}$")
_INVOICE_RE = re.compile(r"T\s?-?(\d{13})(?!\d)")


def check_digit(base12: str) -> int:
    """Check digit for a 12-digit base.

    >>> check_digit("123456789012")
    7
    """
    if len(base12) != 12 or not base12.isdigit():
        raise ValueError(f"base must be 12 digits: {base12!r}")
    total = sum(int(d) * (1 if n % 2 else 2) for n, d in enumerate(reversed(base12), start=1))
    return 9 - total % 9


def is_valid(number: str) -> bool:
    """True when ``number`` is 13 ASCII digits with a correct check digit."""
    return bool(_DIGITS13.match(number)) and int(number[0]) == check_digit(number[1:])


@lru_cache(maxsize=65536)  # ledgers repeat the same few thousand numbers on every line
def normalize(text: str | None) -> str | None:
    """Return a valid 13-digit 法人番号 from ``text`` or ``None`` when blank.

    Full-width digits, spaces and hyphens are tolerated; a leading ``T``
    (invoice number) is stripped. Raises :class:`ValueError` for a number
    that is present but invalid, so the caller can reject the row.
    """
    if text is None:
        return None
    s = unicodedata.normalize("NFKC", text).strip().replace("-", "").replace(" ", "")
    if not s:
        return None
    if s[:1] in ("T", "t"):
        s = s[1:]
    if not _DIGITS13.match(s):
        raise ValueError(f"法人番号 must be 13 digits: {text!r}")
    if not is_valid(s):
        raise ValueError(f"法人番号 check digit is wrong: {text!r}")
    return s


def find_invoice_numbers(text: str) -> list[str]:
    """Valid 法人番号 found as ``T`` + 13 digits inside free text (摘要)."""
    return list(_invoice_numbers(text))


@lru_cache(maxsize=16384)  # memos repeat from line to line and month to month
def _invoice_numbers(text: str) -> tuple[str, ...]:
    if text.isascii():
        if "T" not in text:
            return ()
        s = text  # NFKC leaves ASCII as it is
    else:
        s = unicodedata.normalize("NFKC", text)
    return tuple(m for m in _INVOICE_RE.findall(s) if is_valid(m))
