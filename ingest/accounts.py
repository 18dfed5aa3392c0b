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
no counterparty found                          Skipped
=============================================  ==============================

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
import io
import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from enum import StrEnum
from importlib import resources
from pathlib import Path

from ingest import corporate_number
from ingest.records import Counterparty, Direction, LedgerLine, Reject, Skipped

__all__ = [
    "Role", "AccountTable", "Side", "JournalLine", "load_account_table", "default_table",
    "classify", "classify_entry", "fill_blank_sides", "name_from_memo", "BLANK_ACCOUNTS",
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


def _account_key(name: str) -> str:
    s = unicodedata.normalize("NFKC", name).strip()
    return re.sub(r"\s+", "", s)


class AccountTable:
    """Account name → :class:`Role`, matched after NFKC and without spaces."""

    def __init__(self, roles: Mapping[str, Role]) -> None:
        self._roles = {_account_key(k): v for k, v in roles.items()}

    def role(self, account: str) -> Role:
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
        return _account_key(self.account) in BLANK_ACCOUNTS


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
                   table: AccountTable) -> list[LedgerLine | Skipped | Reject]:
    """Classify every line of one (possibly compound) entry, in order."""
    return [classify(jl, table) for jl in fill_blank_sides(lines)]


# (debit role, credit role) -> (direction, sign, trade side) where trade side
# says which side names the trade account ("debit" / "credit").
_SETTLEMENT = (Role.RECEIVABLE, Role.PAYABLE)


def _rule(d: Role, c: Role, has_partner: bool) -> tuple[Direction, int] | str:
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
        return (Direction.PURCHASE, 1) if has_partner else "expense paid without a named 取引先"
    if pair == (Role.CASH, Role.EXPENSE):
        return (Direction.PURCHASE, -1) if has_partner else "expense refund without a named 取引先"
    if pair == (Role.CASH, Role.RECEIVABLE):
        return Direction.RECEIPT, 1
    if pair == (Role.RECEIVABLE, Role.CASH):
        return Direction.RECEIPT, -1
    if pair == (Role.PAYABLE, Role.CASH):
        return Direction.PAYMENT, 1
    if pair == (Role.CASH, Role.PAYABLE):
        return Direction.PAYMENT, -1
    return f"not trade ({d.value} / {c.value})"


def classify(jl: JournalLine, table: AccountTable) -> LedgerLine | Skipped | Reject:
    """Turn one journal line into a ledger line, a skip or a reject (see module doc)."""
    if jl.debit.is_blank or jl.credit.is_blank:
        which = "debit" if jl.debit.is_blank else "credit"
        return Reject(jl.file, jl.line, f"{which} account is blank and no other line of the "
                      "entry names one", column=f"{which}_account", raw=jl.raw)
    if jl.debit.amount is None and jl.credit.amount is None:
        return Reject(jl.file, jl.line, "no amount on either side", column="amount", raw=jl.raw)
    d, c = table.role(jl.debit.account), table.role(jl.credit.account)
    has_partner = bool(jl.debit.partner or jl.credit.partner
                       or jl.debit.partner_code or jl.credit.partner_code)
    rule = _rule(d, c, has_partner)
    accounts = f"{jl.debit.account} / {jl.credit.account}"
    if isinstance(rule, str):
        return Skipped(jl.file, jl.line, f"{rule}: {accounts}")
    direction, sign = rule
    cp_side, other_side = _counterparty_sides(jl, d, c)
    cp = _counterparty(jl, cp_side, other_side, table)
    if cp is None:
        return Skipped(jl.file, jl.line, f"no counterparty ({direction.value}: {accounts})")
    amount = _amount(jl, cp_side, other_side, table)
    if amount == 0:
        return Skipped(jl.file, jl.line, f"zero amount: {accounts}")
    return LedgerLine(
        file=jl.file, line=jl.line, date=jl.date, direction=direction,
        amount=sign * amount, counterparty=cp, memo=jl.memo, entry_id=jl.entry_id,
    )


def _counterparty_sides(jl: JournalLine, d: Role, c: Role) -> tuple[Side, Side]:
    """(side the counterparty is read from first, the other side)."""
    if d in _SETTLEMENT:
        return jl.debit, jl.credit
    if c in _SETTLEMENT:
        return jl.credit, jl.debit
    if d in (Role.PURCHASE, Role.EXPENSE):
        return jl.debit, jl.credit
    return jl.credit, jl.debit


def _counterparty(jl: JournalLine, first: Side, second: Side,
                  table: AccountTable) -> Counterparty | None:
    invoice = _invoice(jl, first, second)
    for s in (first, second):
        if s.partner or s.partner_code:
            return Counterparty(name=s.partner or s.partner_code, firm_id=s.partner_code or None,
                                invoice_number=invoice)
    for s in (first, second):
        if s.sub and table.role(s.account) in _SETTLEMENT:
            return Counterparty(name=s.sub, invoice_number=invoice)
    guessed = name_from_memo(jl.memo)
    if guessed:
        return Counterparty(name=guessed, invoice_number=invoice)
    return None


def _invoice(jl: JournalLine, first: Side, second: Side) -> str | None:
    for text in (first.invoice, second.invoice, jl.memo):
        found = corporate_number.find_invoice_numbers(text) if text else []
        if found:
            return f"T{found[0]}"
    return None


def _amount(jl: JournalLine, cp_side: Side, other: Side, table: AccountTable) -> int:
    if cp_side.amount is not None and table.role(cp_side.account) in _SETTLEMENT:
        return cp_side.amount
    for s in (cp_side, other):
        if s.amount is not None:
            return s.amount
    return 0  # unreachable: classify rejects lines without amounts


_LEGAL_FORM = re.compile(
    r"株式会社|有限会社|合同会社|合資会社|合名会社|\(株\)|\(有\)|\(同\)|\(資\)|\(名\)|㈱|㈲|"
    r"法人|ｶ\)|\(ｶ|ﾕ\)|\(ﾕ|ﾄﾞ\)|\(ﾄﾞ|カ\)|\(カ")
_NOISE = re.compile(
    r"^(?:[\d,./\-年月日分期末初旬回号]+|T\d{13}|No\.?\d*|#\d+|第\d+.*|[\d,]+円)$", re.IGNORECASE)
_WORDS = re.compile(
    r"^(?:現金|売上|仕入|入金|出金|振込|支払い?|代金|請求|精算|振替|計上|返品|値引|掛|代|分|月分|"
    r"外注|手数料|預金|普通|当座|残高|繰越|利息|給与|賞与|消費税)+$")
_SPLIT = re.compile(r"[\s\u3000/／、,|]+")


def name_from_memo(memo: str) -> str | None:
    """Guess a counterparty name from free text (摘要); ``None`` if none.

    Tokens are split on spaces (half and full width), slashes and commas.
    The first token with a legal-form marker (株式会社, (株), ｶ) …) wins;
    else the first token that is not a date, month, amount, number or a
    bookkeeping word (売上, 入金, 7月分 …).
    Invoice numbers (``T`` + 13 digits) are removed first.
    """
    text = re.sub(r"T\s?-?\d{13}", " ", memo)
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
