"""Journal lines → trade direction, by the role of each account.

The journal readers (弥生, freee, Money Forward) turn each row into a
:class:`JournalLine` (debit side, credit side, memo). What the row means for
the network depends only on the *roles* of its two accounts, looked up in an
:class:`AccountTable` (default: ``ingest/data/accounts_default.csv``; a user
CSV with the same columns ``account,role`` overrides or extends it).

Roles: ``sales``, ``receivable`` (customer-side settlement: 売掛金, 受取手形,
前受金 …), ``purchase``, ``expense`` (bought from a supplier), ``payable``
(supplier-side settlement: 買掛金, 未払金, 支払手形, 前払金 …), ``cash``,
``other`` (payroll, tax, depreciation, bank fees …). Unknown accounts are
``other``, except names ending in 預金 (bank accounts), which are ``cash``.

Rules (D = debit role, C = credit role; amounts in yen):

=============================================  ==============================
lines                                          result
=============================================  ==============================
C sales (D anything else)                      SALE (client sells)
D purchase (C anything else)                   PURCHASE (counterparty sells)
D expense, C payable                           PURCHASE
D expense, C cash, with a named 取引先          PURCHASE
D cash, C receivable                           RECEIPT
D payable, C cash                              PAYMENT
the same with the sides swapped                same direction, amount negated
                                               (sales returns, refunds)
anything else                                  Skipped (not trade)
no counterparty found                          UnnamedLine (the client's own
                                               figures only, not the network)
D expense, C cash, no named 取引先              UnnamedLine (PURCHASE, settled)
=============================================  ==============================

A sale or purchase without a counterparty (a cash sale to walk-in
customers, a purchase paid from petty cash) is still the client's sale or
purchase: it becomes an :class:`~ingest.records.UnnamedLine`, counted in the
client's monthly figures but never a firm or an edge. When its other side is
cash it is ``settled`` (received or paid at once), and a name from its memo
counts only with a legal-form marker (「店頭売上」 names no customer).

A negative amount keeps its sign (a return written as a minus amount).

The counterparty is, in order: the 取引先 (partner) column of the settlement
side or the trade side, the 補助科目 of a receivable/payable account, or a
name guessed from the 摘要 (the first token that carries a legal-form marker,
else the first token that is not a date, month or number). An invoice number
``T`` + 13 digits in the memo (or an invoice column) is kept as a strong key.

The amount is taken from the side the counterparty comes from when that side
is a receivable/payable with an amount (so a compound entry with two
customers gives each its own amount), else from the trade side, else from the
other side.

Compound entries (one slip, several lines, some with one side blank or
``諸口``): :func:`classify_entry` first fills each blank side with the
entry's dominant account on that side (largest amount), then classifies each
line on its own.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from enum import StrEnum
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Final, NamedTuple

from ingest import corporate_number
from ingest.records import (
    Counterparty,
    Direction,
    LedgerLine,
    Reject,
    Skipped,
    UnnamedLine,
    new_ledger_line,
)

__all__ = [
    "Role", "AccountTable", "Side", "JournalLine", "load_account_table", "default_table",
    "classify", "classify_entry", "fill_blank_sides", "name_from_memo", "BLANK_ACCOUNTS",
    "SideValues", "side_values", "JournalRow", "classify_row", "classify_entry_rows",
]


class Role(StrEnum):
    """What an account means for trade between firms."""

    SALES = "sales"
    RECEIVABLE = "receivable"
    PURCHASE = "purchase"
    EXPENSE = "expense"
    PAYABLE = "payable"
    CASH = "cash"
    OTHER = "other"


# Account names that stand for "the other lines of this slip".
BLANK_ACCOUNTS = frozenset({"", "諸口"})


_SPACES_RE = re.compile(r"\s+")


@lru_cache(maxsize=8192)  # a few hundred account names, on every line of every ledger
def _account_key(name: str) -> str:
    s = name.strip() if name.isascii() else unicodedata.normalize("NFKC", name).strip()
    return _SPACES_RE.sub("", s)


class AccountTable:
    """Account name → :class:`Role`, matched after NFKC and without spaces."""

    def __init__(self, roles: Mapping[str, Role]) -> None:
        self._roles = {_account_key(k): v for k, v in roles.items()}
        # role() is a pure function of the name for this table: remember the names seen.
        self._role_of = lru_cache(maxsize=4096)(self._role)

    def role(self, account: str) -> Role:
        return self._role_of(account)

    def _role(self, account: str) -> Role:
        key = _account_key(account)
        found = self._roles.get(key)
        if found is not None:
            return found
        if key.endswith("預金"):
            return Role.CASH
        return Role.OTHER

    def updated(self, roles: Mapping[str, Role]) -> AccountTable:
        """A new table with ``roles`` added or overriding this one's."""
        merged = dict(self._roles)
        merged.update({_account_key(k): v for k, v in roles.items()})
        return AccountTable(merged)

    def __len__(self) -> int:
        return len(self._roles)

    def fingerprint(self) -> str:
        """SHA-256 (hex) of the table's (account, role) pairs: equal for equal
        tables, whatever file they came from (part of a batch's identity)."""
        cached: str | None = getattr(self, "_fingerprint", None)
        if cached is None:  # a table is never changed: computed once
            text = "\n".join(f"{k},{v.value}" for k, v in sorted(self._roles.items()))
            cached = self._fingerprint = hashlib.sha256(text.encode("utf-8")).hexdigest()
        return cached

    def __getstate__(self) -> dict[str, Role]:
        return self._roles  # the cache of role() is not state (and cannot be pickled)

    def __setstate__(self, state: dict[str, Role]) -> None:
        self._roles = state
        self._role_of = lru_cache(maxsize=4096)(self._role)


def _parse_table(text: str, source: str) -> dict[str, Role]:
    """Parse ``account,role`` CSV text; ``#`` lines are comments."""
    roles: dict[str, Role] = {}
    lines = (ln for ln in io.StringIO(text) if not ln.lstrip().startswith("#"))
    for n, row in enumerate(csv.reader(lines), start=1):
        if not row or not any(c.strip() for c in row):
            continue
        if len(row) < 2:
            raise ValueError(f"{source}: row {n}: expected 'account,role', got {row!r}")
        account, role = row[0].strip().lstrip("\ufeff"), row[1].strip().lower()
        if (account, role) == ("account", "role"):
            continue
        try:
            roles[account] = Role(role)
        except ValueError:
            allowed = ", ".join(r.value for r in Role)
            raise ValueError(f"{source}: row {n}: unknown role {role!r} (one of {allowed})") from None
    return roles


@lru_cache(maxsize=1)  # read once per process; a table is never changed (updated() makes a new one)
def default_table() -> AccountTable:
    """The table shipped in ``ingest/data/accounts_default.csv``."""
    text = resources.files("ingest").joinpath("data/accounts_default.csv").read_text("utf-8")
    return AccountTable(_parse_table(text, "accounts_default.csv"))


def load_account_table(path: Path | None = None) -> AccountTable:
    """The default table, overridden/extended by the user's CSV at ``path``.

    The user file has the same columns (``account,role``; header optional,
    UTF-8 with or without BOM). Raises :class:`ValueError` with the row
    number for an unknown role.
    """
    table = default_table()
    if path is None:
        return table
    return table.updated(_parse_table(path.read_text("utf-8-sig"), str(path)))


@dataclass(frozen=True, slots=True)
class Side:
    """One side (debit or credit) of a journal line. ``amount`` in yen."""

    account: str = ""
    sub: str = ""  # 補助科目
    partner: str = ""  # 取引先 (freee, Money Forward)
    partner_code: str = ""  # 取引先コード
    amount: int | None = None
    invoice: str = ""  # インボイス column (Money Forward), if any

    @property
    def is_blank(self) -> bool:
        return _is_blank_account(self.account)


@dataclass(frozen=True, slots=True)
class JournalLine:
    """One journal row, read by a journal reader and classified here."""

    file: str
    line: int
    date: dt.date
    debit: Side
    credit: Side
    memo: str = ""
    entry_id: str = ""
    raw: str = ""

    @property
    def amount(self) -> int | None:
        """The debit amount, or the credit amount when the debit has none."""
        return self.debit.amount if self.debit.amount is not None else self.credit.amount


def fill_blank_sides(lines: Sequence[JournalLine]) -> list[JournalLine]:
    """Fill blank (or 諸口) sides from the entry's dominant account on that side.

    The dominant debit is the non-blank debit with the largest amount (the
    first on ties); same for credits. Only the account, 補助科目 and partner
    are copied; the amount stays as written (usually empty).
    """
    if len(lines) < 2:
        return list(lines)
    debit = _dominant(jl.debit for jl in lines)
    credit = _dominant(jl.credit for jl in lines)
    out = []
    for jl in lines:
        if jl.debit.is_blank and debit is not None:
            jl = replace(jl, debit=replace(debit, amount=jl.debit.amount, invoice=jl.debit.invoice))
        if jl.credit.is_blank and credit is not None:
            jl = replace(jl, credit=replace(credit, amount=jl.credit.amount,
                                            invoice=jl.credit.invoice))
        out.append(jl)
    return out


def _dominant(sides: Iterable[Side]) -> Side | None:
    best: Side | None = None
    for s in sides:
        if s.is_blank:
            continue
        if best is None or abs(s.amount or 0) > abs(best.amount or 0):
            best = s
    return best


def classify_entry(lines: Sequence[JournalLine],
                   table: AccountTable) -> list[LedgerLine | UnnamedLine | Skipped | Reject]:
    """Classify every line of one (possibly compound) entry, in order."""
    return [classify(jl, table) for jl in fill_blank_sides(lines)]


# (debit role, credit role) -> (direction, sign, trade side) where trade side
# says which side names the trade account ("debit" / "credit").
_SETTLEMENT = (Role.RECEIVABLE, Role.PAYABLE)


@lru_cache(maxsize=128)  # 7 × 7 roles
def _rule(d: Role, c: Role) -> tuple[Direction, int] | str:
    """Direction and sign for a pair of roles, or the reason it is not trade."""
    if d == c:
        return f"both sides are {d.value} accounts"
    if c == Role.SALES:
        return (Direction.SALE, 1) if d != Role.PURCHASE else "sales against purchase"
    if d == Role.SALES:
        return (Direction.SALE, -1) if c != Role.PURCHASE else "purchase against sales"
    if d == Role.PURCHASE:
        return Direction.PURCHASE, 1
    if c == Role.PURCHASE:
        return Direction.PURCHASE, -1
    pair = (d, c)
    if pair == (Role.EXPENSE, Role.PAYABLE):
        return Direction.PURCHASE, 1
    if pair == (Role.PAYABLE, Role.EXPENSE):
        return Direction.PURCHASE, -1
    if pair == (Role.EXPENSE, Role.CASH):
        return Direction.PURCHASE, 1
    if pair == (Role.CASH, Role.EXPENSE):
        return Direction.PURCHASE, -1
    if pair == (Role.CASH, Role.RECEIVABLE):
        return Direction.RECEIPT, 1
    if pair == (Role.RECEIVABLE, Role.CASH):
        return Direction.RECEIPT, -1
    if pair == (Role.PAYABLE, Role.CASH):
        return Direction.PAYMENT, 1
    if pair == (Role.CASH, Role.PAYABLE):
        return Direction.PAYMENT, -1
    return f"not trade ({d.value} / {c.value})"


def classify(jl: JournalLine, table: AccountTable) -> LedgerLine | UnnamedLine | Skipped | Reject:
    """Turn one journal line into a ledger line, a skip or a reject (see module doc)."""
    return classify_row(jl.file, (jl.line, jl.date, side_values(jl.debit),
                                  side_values(jl.credit), jl.memo, jl.entry_id, jl.raw), table)


SideValues = tuple[str, str, str, str, int | None, str]
"""A :class:`Side` as a plain tuple: (account, sub, partner, partner_code, amount, invoice).

The journal readers build these for one-line entries (most of a ledger) and hand
them to :func:`classify_row`, which saves a Side and a JournalLine per row."""

# Indexes into SideValues.
_ACCOUNT: Final = 0
_SUB: Final = 1
_PARTNER: Final = 2
_CODE: Final = 3
_AMOUNT: Final = 4
_INVOICE: Final = 5


def side_values(side: Side) -> SideValues:
    """``side`` as :data:`SideValues`."""
    return (side.account, side.sub, side.partner, side.partner_code, side.amount, side.invoice)


@lru_cache(maxsize=8192)
def _is_blank_account(account: str) -> bool:
    return _account_key(account) in BLANK_ACCOUNTS


@lru_cache(maxsize=65536)  # the same counterparties every month: one frozen object each
def _counterparty_of(name: str, firm_id: str | None, invoice: str | None) -> Counterparty:
    return Counterparty(name, firm_id, None, invoice)


JournalRow = tuple[int, dt.date, SideValues, SideValues, str, str, str]
"""A :class:`JournalLine` without its file, as a plain tuple:
(line, date, debit, credit, memo, entry_id, raw)."""


def classify_entry_rows(file: str, rows: Sequence[JournalRow],
                        table: AccountTable) -> list[LedgerLine | UnnamedLine | Skipped | Reject]:
    """:func:`classify_entry` of an entry given as :data:`JournalRow` tuples."""
    if len(rows) >= 2:
        rows = _fill_blank_rows(rows)
    return [classify_row(file, row, table) for row in rows]


def _fill_blank_rows(rows: Sequence[JournalRow]) -> list[JournalRow]:
    """:func:`fill_blank_sides` of :data:`JournalRow` tuples."""
    debit = _dominant_values(row[2] for row in rows)
    credit = _dominant_values(row[3] for row in rows)
    out = []
    for line, date, d, c, memo, entry_id, raw in rows:
        if debit is not None and _is_blank_account(d[_ACCOUNT]):
            d = (debit[_ACCOUNT], debit[_SUB], debit[_PARTNER], debit[_CODE], d[_AMOUNT],
                 d[_INVOICE])
        if credit is not None and _is_blank_account(c[_ACCOUNT]):
            c = (credit[_ACCOUNT], credit[_SUB], credit[_PARTNER], credit[_CODE], c[_AMOUNT],
                 c[_INVOICE])
        out.append((line, date, d, c, memo, entry_id, raw))
    return out


def _dominant_values(sides: Iterable[SideValues]) -> SideValues | None:
    """:func:`_dominant` of :data:`SideValues`."""
    best: SideValues | None = None
    for s in sides:
        if _is_blank_account(s[_ACCOUNT]):
            continue
        if best is None or abs(s[_AMOUNT] or 0) > abs(best[_AMOUNT] or 0):
            best = s
    return best


def classify_row(file: str, row: JournalRow,
                 table: AccountTable) -> LedgerLine | UnnamedLine | Skipped | Reject:
    """:func:`classify` of a journal line of ``file`` given as a :data:`JournalRow`."""
    line, date, debit, credit, memo, entry_id, raw = row
    has_partner = bool(debit[_PARTNER] or credit[_PARTNER] or debit[_CODE] or credit[_CODE])
    decision = _decide(table, debit[_ACCOUNT], credit[_ACCOUNT])
    if isinstance(decision, _Blank):
        which = decision.which
        return Reject(file, line, f"{which} account is blank and no other line of the "
                      "entry names one", column=f"{which}_account", raw=raw)
    if debit[_AMOUNT] is None and credit[_AMOUNT] is None:
        return Reject(file, line, "no amount on either side", column="amount", raw=raw)
    if isinstance(decision, str):
        return Skipped(file, line, decision)
    first, second = (debit, credit) if decision.debit_first else (credit, debit)
    # An expense paid in cash names its supplier only in a 取引先 column: a name
    # guessed from its memo would make firms of shops and receipts.
    cp = (_counterparty(first, decision.first_settles, second, decision.second_settles, memo,
                        decision.settled)
          if has_partner or not decision.partner_only else None)
    # The amount: the counterparty side's, else the other side's. (A receivable/payable
    # side with an amount comes first anyway.)
    amount = first[_AMOUNT] if first[_AMOUNT] is not None else second[_AMOUNT]
    if not amount:  # 0, or (unreachable: rejected above) no amount on either side
        return Skipped(file, line, decision.zero_amount)
    if cp is None:  # the client's own sale, purchase or settlement, with no one named
        return UnnamedLine(file, line, date, decision.direction, decision.sign * amount,
                           decision.settled, decision.no_counterparty)
    return new_ledger_line(file, line, date, decision.direction, decision.sign * amount, cp,
                           memo, entry_id)


class _Blank(NamedTuple):
    which: str  # "debit" or "credit": that side's account is blank (or 諸口)


class _Trade(NamedTuple):
    direction: Direction
    sign: int
    debit_first: bool  # the counterparty is read from the debit side first
    first_settles: bool  # that side is a receivable/payable account
    second_settles: bool  # the other side is
    no_counterparty: str  # reason of an UnnamedLine
    zero_amount: str  # Skipped reason
    settled: bool  # a sale or purchase against cash: received or paid at once
    partner_only: bool  # the counterparty only from a 取引先 column (expense paid in cash)


@lru_cache(maxsize=16384)  # the same few hundred account pairs on every line
def _decide(table: AccountTable, debit: str, credit: str) -> _Blank | str | _Trade:
    """What a line with these accounts is: blank account(s), not trade (the
    Skipped reason), or trade (how to read it)."""
    if _is_blank_account(debit) or _is_blank_account(credit):
        return _Blank("debit" if _is_blank_account(debit) else "credit")
    d, c = table.role(debit), table.role(credit)
    accounts = f"{debit} / {credit}"
    rule = _rule(d, c)
    if isinstance(rule, str):
        return f"{rule}: {accounts}"
    direction, sign = rule
    # The side the counterparty is read from first: the receivable/payable side, else the
    # purchase/expense debit, else the credit.
    debit_first = d in _SETTLEMENT or (c not in _SETTLEMENT and d in (Role.PURCHASE, Role.EXPENSE))
    first, second = (d, c) if debit_first else (c, d)
    settled = direction.is_trade and Role.CASH in (d, c)
    partner_only = {d, c} == {Role.EXPENSE, Role.CASH}
    return _Trade(direction, sign, debit_first, first in _SETTLEMENT, second in _SETTLEMENT,
                  f"no counterparty ({direction.value}: {accounts})", f"zero amount: {accounts}",
                  settled, partner_only)


def _counterparty(first: SideValues, first_settles: bool, second: SideValues,
                  second_settles: bool, memo: str, legal_only: bool = False) -> Counterparty | None:
    """The counterparty of a line (see the module doc), or ``None``. With
    ``legal_only`` (a sale or purchase against cash) a name from the memo
    counts only with a legal-form marker: 「店頭売上」 is no customer."""
    # The invoice number: from the first of first's and second's invoice column and the memo
    # that has one.
    invoice = ((first[_INVOICE] and _first_invoice(first[_INVOICE]))
               or (second[_INVOICE] and _first_invoice(second[_INVOICE]))
               or (memo and _first_invoice(memo)) or None)
    if first[_PARTNER] or first[_CODE]:
        return _counterparty_of(first[_PARTNER] or first[_CODE], first[_CODE] or None, invoice)
    if second[_PARTNER] or second[_CODE]:
        return _counterparty_of(second[_PARTNER] or second[_CODE], second[_CODE] or None,
                                invoice)
    if first[_SUB] and first_settles:
        return _counterparty_of(first[_SUB], None, invoice)
    if second[_SUB] and second_settles:
        return _counterparty_of(second[_SUB], None, invoice)
    guessed = name_from_memo(memo)
    if guessed and legal_only and not _LEGAL_FORM.search(unicodedata.normalize("NFKC", guessed)):
        guessed = None
    if guessed:
        return _counterparty_of(guessed, None, invoice)
    return None


@lru_cache(maxsize=16384)  # memos repeat (「7月分 売上」, the same 登録番号 every month)
def _first_invoice(text: str) -> str | None:
    """``T`` + the first valid 法人番号 written as an invoice number in ``text``, or None."""
    found = corporate_number.find_invoice_numbers(text)
    return f"T{found[0]}" if found else None


_LEGAL_FORM = re.compile(
    r"株式会社|有限会社|合同会社|合資会社|合名会社|\(株\)|\(有\)|\(同\)|\(資\)|\(名\)|㈱|㈲|"
    r"法人|ｶ\)|\(ｶ|ﾕ\)|\(ﾕ|ﾄﾞ\)|\(ﾄﾞ|カ\)|\(カ")
_NOISE = re.compile(
    r"^(?:[\d,./\-年月日分期末初旬回号]+|T\d{13}|No\.?\d*|#\d+|第\d+.*|[\d,]+円)$", re.IGNORECASE)
_WORDS = re.compile(
    r"^(?:現金|売上|仕入|入金|出金|振込|支払い?|代金|請求|精算|振替|計上|返品|値引|掛|代|分|月分|"
    r"外注|手数料|預金|普通|当座|残高|繰越|利息|給与|賞与|消費税)+$")
_SPLIT = re.compile(r"[\s\u3000/／、,|]+")
_INVOICE_IN_MEMO = re.compile(r"T\s?-?\d{13}")


@lru_cache(maxsize=16384)  # memos repeat from month to month
def name_from_memo(memo: str) -> str | None:
    """Guess a counterparty name from free text (摘要); ``None`` if none.

    Tokens are split on spaces (half and full width), slashes and commas.
    The first token with a legal-form marker (株式会社, (株), ｶ) …) wins;
    else the first token that is not a date, month, amount, number or a
    bookkeeping word (売上, 入金, 7月分 …).
    Invoice numbers (``T`` + 13 digits) are removed first.
    """
    text = _INVOICE_IN_MEMO.sub(" ", memo)
    tokens = [t.strip("「」[]【】") for t in _SPLIT.split(text.strip())]
    tokens = [t for t in tokens if t]
    for t in tokens:
        if _LEGAL_FORM.search(unicodedata.normalize("NFKC", t)):
            return t
    for t in tokens:
        n = unicodedata.normalize("NFKC", t)
        if not _NOISE.match(n) and not _WORDS.match(n):
            return t
    return None
