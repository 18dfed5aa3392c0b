"""Bank statement CSVs (入出金明細) → RECEIPT / PAYMENT ledger lines.

Every bank has its own header. Built-in layouts (:data:`BUILTIN_LAYOUTS`),
tried in this order against the first :data:`HEADER_SCAN_ROWS` rows (banks
often put account details above the header):

* ``A``: 日付 / 摘要 / 支払い金額 / 預かり金額 / 差引残高
* ``B``: 年月日 / お引出し / お預入れ / お取り扱い内容 / 残高
* ``C``: 日付 / 摘要 / 入出金額 / 残高 (one signed amount: + deposit, − withdrawal)

Each layout lists a few spellings per column. A withdrawal is a PAYMENT, a
deposit a RECEIPT (amounts in yen; a minus amount in either column keeps its
sign). The counterparty is the 摘要 with transfer prefixes (振込, ﾌﾘｺﾐ, 振替,
ﾌﾘｶｴ, IB振込 …) stripped, kept as written otherwise (``ｶ)ﾔﾏﾀﾞｼﾖｳｼﾞ``; names
are normalised later). Rows whose 摘要 is interest, a fee, ATM/card/cash, tax,
payroll or a balance carried forward (:data:`DEFAULT_SKIP_WORDS`), or is
empty, are Skipped; a 合計 row is Skipped; bad dates or amounts are Rejects.
When no layout matches the header, :class:`~ingest.readers.detect.FormatError`
is raised (the rows cannot be read without knowing the columns).

Another bank's columns are described without code in a TOML mapping file
(:func:`load_bank_layout`; example in ``ingest/data/bank_layouts/example.toml``)::

    name = "my-shinkin"          # label used in messages
    encoding = "cp932"           # optional: utf-8, utf-8-sig or cp932 (else detected)
    header_row = 3               # optional: line of the header row (1-based);
                                 # 0 = no header (columns by number); absent = search
    [columns]                    # each: a header name, a list of names, or a
    date = "取引日"              # 1-based column number
    memo = ["摘要", "お取引内容"]
    withdrawal = "お支払金額"     # withdrawal + deposit columns ...
    deposit = "お預り金額"
    # amount = "入出金額"         # ... or one signed amount column
    # positive = "deposit"        # what a positive signed amount is (or "withdrawal")
    balance = "残高"             # optional, not used
    [counterparty]
    extra_strip_prefixes = ["ｿｳｷﾝ"]  # added to the defaults
    # strip_prefixes = [...]         # replaces the defaults
    extra_skip_words = ["ﾃｲｷ"]       # added to the defaults (matched after NFKC)
    # skip_words = [...]             # replaces the defaults
"""

from __future__ import annotations

import tomllib
import unicodedata
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from ingest.readers.csvrows import (
    CsvDefect,
    CsvRecords,
    RawRecord,
    bad_text_reason,
    header_key,
    is_blank_cells,
)
from ingest.readers.detect import FormatError
from ingest.records import Counterparty, Direction, LedgerLine, Reject, Skipped, new_ledger_line
from ingest.values import parse_amount, parse_date

__all__ = [
    "read_bank", "BankLayout", "BUILTIN_LAYOUTS", "load_bank_layout", "match_layout",
    "counterparty_from_memo", "DEFAULT_PREFIXES", "DEFAULT_SKIP_WORDS", "HEADER_SCAN_ROWS",
]

HEADER_SCAN_ROWS = 10

DEFAULT_PREFIXES: tuple[str, ...] = (
    "IB振込", "ＩＢ振込", "EB振込", "ＥＢ振込", "ネット振込", "ﾈﾂﾄ振込",
    "振込入金", "振込出金", "振込", "ﾌﾘｺﾐ", "フリコミ", "口座振替", "ｺｳｻﾞﾌﾘｶｴ", "振替", "ﾌﾘｶｴ",
    "フリカエ", "電子記録債権", "電債", "ﾃﾞﾝｻｲ", "送金", "ｿｳｷﾝ",
)
DEFAULT_SKIP_WORDS: tuple[str, ...] = (
    "利息", "リソク", "利子", "手数料", "テスウリヨウ", "テスウリョウ", "ATM", "カード", "現金",
    "繰越", "クリコシ", "残高", "税金", "国税", "地方税", "住民税", "源泉", "社会保険",
    "給与", "キユウヨ", "キュウヨ", "賞与", "シヨウヨ", "シャカイホケン", "定期", "テイキ",
)
_TOTAL_WORDS = frozenset({"合計", "小計", "計", "総計", "総合計"})

Column = str | int
Result = LedgerLine | Reject | Skipped


@dataclass(frozen=True)
class BankLayout:
    """Where a bank's CSV puts date, memo and amounts (names or 1-based numbers)."""

    name: str
    date: tuple[Column, ...]
    memo: tuple[Column, ...]
    withdrawal: tuple[Column, ...] = ()
    deposit: tuple[Column, ...] = ()
    amount: tuple[Column, ...] = ()  # one signed column instead of withdrawal/deposit
    balance: tuple[Column, ...] = ()
    positive_is_deposit: bool = True
    encoding: str | None = None
    header_row: int | None = None  # None: search; 0: no header
    strip_prefixes: tuple[str, ...] = DEFAULT_PREFIXES
    skip_words: tuple[str, ...] = DEFAULT_SKIP_WORDS
    source: str = field(default="built-in", compare=False)

    @property
    def signed(self) -> bool:
        return bool(self.amount)


BUILTIN_LAYOUTS: dict[str, BankLayout] = {
    "A": BankLayout(
        "A", date=("日付", "取引日", "お取引日"), memo=("摘要", "お取引内容", "取引内容"),
        withdrawal=("支払い金額", "お支払金額", "支払金額", "出金金額", "お引出金額"),
        deposit=("預かり金額", "お預り金額", "預り金額", "入金金額", "お預入金額"),
        balance=("差引残高", "残高")),
    "B": BankLayout(
        "B", date=("年月日",), memo=("お取り扱い内容", "お取扱内容", "お取扱い内容"),
        withdrawal=("お引出し", "お引き出し"), deposit=("お預入れ", "お預け入れ"),
        balance=("残高",)),
    "C": BankLayout(
        "C", date=("日付", "取引日"), memo=("摘要", "内容", "お取引内容"),
        amount=("入出金額", "取引金額", "金額"), balance=("残高",)),
}

_FIELDS = ("date", "memo", "withdrawal", "deposit", "amount")


def match_layout(layout: BankLayout, header: Sequence[str] | None) -> dict[str, int] | None:
    """Column indexes of ``layout`` in ``header`` (None = no header), or None."""
    keys = [header_key(c) for c in header] if header is not None else []
    found: dict[str, int] = {}
    for f in _FIELDS:
        for col in getattr(layout, f):
            if isinstance(col, int):
                found[f] = col - 1
                break
            k = header_key(col)
            if k in keys:
                found[f] = keys.index(k)
                break
    if "date" not in found or "memo" not in found:
        return None
    if layout.signed:
        return found if "amount" in found else None
    return found if "withdrawal" in found and "deposit" in found else None


def load_bank_layout(path: Path) -> BankLayout:
    """Read a TOML mapping file (see the module docstring). Raises FormatError."""
    try:
        doc = tomllib.loads(path.read_text("utf-8-sig"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as e:
        raise FormatError(f"bank layout {path}: {e}") from None
    cols = doc.get("columns")
    if not isinstance(cols, dict):
        raise FormatError(f"bank layout {path}: missing [columns] table")

    def col(key: str, required: bool = False) -> tuple[Column, ...]:
        v = cols.get(key)
        if v is None:
            if required:
                raise FormatError(f"bank layout {path}: [columns] needs {key!r}")
            return ()
        items = v if isinstance(v, list) else [v]
        if not items or not all(isinstance(i, str | int) and not isinstance(i, bool)
                                for i in items):
            raise FormatError(f"bank layout {path}: {key!r} must be a name, a number or a list")
        return tuple(items)

    positive = cols.get("positive", "deposit")
    if positive not in ("deposit", "withdrawal"):
        raise FormatError(f"bank layout {path}: positive must be 'deposit' or 'withdrawal'")
    cp = doc.get("counterparty", {})
    layout = BankLayout(
        name=str(doc.get("name", path.stem)), date=col("date", True), memo=col("memo", True),
        withdrawal=col("withdrawal"), deposit=col("deposit"), amount=col("amount"),
        balance=col("balance"), positive_is_deposit=positive == "deposit",
        encoding=_opt_str(doc, "encoding", path), header_row=_opt_int(doc, "header_row", path),
        strip_prefixes=_words(cp, "strip_prefixes", DEFAULT_PREFIXES, path),
        skip_words=_words(cp, "skip_words", DEFAULT_SKIP_WORDS, path), source=str(path),
    )
    if not layout.signed and not (layout.withdrawal and layout.deposit):
        raise FormatError(f"bank layout {path}: give withdrawal and deposit, or amount")
    if layout.header_row == 0 and any(isinstance(c, str) for f in _FIELDS
                                      for c in getattr(layout, f)):
        raise FormatError(f"bank layout {path}: header_row = 0 needs column numbers")
    return layout


def _opt_str(doc: dict[str, Any], key: str, path: Path) -> str | None:
    v = doc.get(key)
    if v is not None and v not in ("utf-8", "utf-8-sig", "cp932"):
        raise FormatError(f"bank layout {path}: {key} must be utf-8, utf-8-sig or cp932")
    return v


def _opt_int(doc: dict[str, Any], key: str, path: Path) -> int | None:
    v = doc.get(key)
    if v is not None and (not isinstance(v, int) or isinstance(v, bool) or v < 0):
        raise FormatError(f"bank layout {path}: {key} must be a whole number ≥ 0")
    return v


def _words(cp: dict[str, Any], key: str, default: tuple[str, ...], path: Path) -> tuple[str, ...]:
    base = cp.get(key, list(default))
    extra = cp.get(f"extra_{key}", [])
    for v in (base, extra):
        if not isinstance(v, list) or not all(isinstance(w, str) and w for w in v):
            raise FormatError(f"bank layout {path}: {key} must be a list of strings")
    return tuple(base) + tuple(extra)


def counterparty_from_memo(memo: str, layout: BankLayout) -> tuple[str | None, str]:
    """``(name, "")`` or ``(None, reason)`` for a 摘要.

    Prefixes are stripped repeatedly (longest first), with the spaces after
    them; the rest is kept as written.
    """
    return _counterparty_from_memo(memo, _Words.of(layout))


class _Words:
    """A layout's prefixes (longest first) and skip words (also NFKC + upper-cased).

    Compared by identity: one object per layout (:meth:`of` is cached), so it is a
    cheap key for the cache of :func:`_counterparty_from_memo`.
    """

    __slots__ = ("prefixes", "skip")

    def __init__(self, layout: BankLayout) -> None:
        self.prefixes = sorted(layout.strip_prefixes, key=len, reverse=True)
        self.skip = [(w, unicodedata.normalize("NFKC", w).upper()) for w in layout.skip_words]

    @staticmethod
    @lru_cache(maxsize=64)
    def of(layout: BankLayout) -> _Words:
        return _Words(layout)


@lru_cache(maxsize=16384)  # a statement repeats the same 摘要 every month
def _counterparty_from_memo(memo: str, words: _Words) -> tuple[str | None, str]:
    name = memo.strip()
    changed = True
    while changed and name:
        changed = False
        for p in words.prefixes:
            if name.startswith(p):
                name, changed = name[len(p):].lstrip(" \u3000"), True
                break
    if not name:
        return None, "no counterparty in 摘要"
    folded = unicodedata.normalize("NFKC", name).upper()
    for w, key in words.skip:
        if key in folded:
            return None, f"not a counterparty ({w}): {memo.strip()}"
    return name, ""


def _resolve_layout(layout: BankLayout | Path | str | None) -> BankLayout | None:
    if layout is None or isinstance(layout, BankLayout):
        return layout
    if isinstance(layout, str) and layout in BUILTIN_LAYOUTS:
        return BUILTIN_LAYOUTS[layout]
    return load_bank_layout(Path(layout))


def read_bank(path: Path, encoding: str | None = None, *,
              layout: BankLayout | Path | str | None = None) -> Iterator[Result]:
    """Yield a LedgerLine, Skipped or Reject for every statement row.

    ``layout``: a :class:`BankLayout`, a built-in name (``A``/``B``/``C``),
    or the path of a TOML mapping file; default: detect a built-in layout
    from the header. Raises :class:`FormatError` when no header matches and
    :class:`~ingest.decode.EncodingError` for an unreadable file.
    """
    chosen = _resolve_layout(layout)
    name = str(path)
    enc = encoding or (chosen.encoding if chosen else None)
    records = CsvRecords(path, enc)
    rows = records.rows()
    early: list[Reject] = []
    found = _find_header(rows, chosen, early, name)
    if found is None:
        which = f"layout {chosen.name!r}" if chosen else "any built-in layout (A, B, C)"
        raise FormatError(f"{path.name}: no header row matching {which} in the first "
                          f"{HEADER_SCAN_ROWS} rows; describe the columns in a layout file")
    lay, cols, width = found
    records.expected_fields = width
    yield from early
    words = _Words.of(lay)
    for rec in rows:
        if isinstance(rec, CsvDefect):
            yield Reject(name, rec.line, rec.reason, raw=rec.text)
        elif not is_blank_cells(rec[1]):
            yield _row(name, rec, lay, cols, width, words)


def _find_header(rows: Iterator[RawRecord | CsvDefect], chosen: BankLayout | None,
                 early: list[Reject], name: str
                 ) -> tuple[BankLayout, dict[str, int], int | None] | None:
    """Consume rows up to the header; return (layout, columns, header width)."""
    candidates = [chosen] if chosen else list(BUILTIN_LAYOUTS.values())
    if chosen is not None and chosen.header_row == 0:
        cols = match_layout(chosen, None)
        return (chosen, cols, None) if cols is not None else None
    seen = 0
    for rec in rows:
        if isinstance(rec, CsvDefect):
            early.append(Reject(name, rec.line, rec.reason, raw=rec.text))
            continue
        line, cells, _ = rec
        if is_blank_cells(cells):
            continue
        seen += 1
        want = chosen.header_row if chosen else None
        if want is None or line == want:
            for lay in candidates:
                cols = match_layout(lay, cells)
                if cols is not None:
                    return lay, cols, len(cells)
        if seen >= HEADER_SCAN_ROWS or (want is not None and line >= want):
            return None
    return None


def _cell(cells: list[str], cols: dict[str, int], f: str) -> str:
    i = cols.get(f)
    return cells[i].strip() if i is not None and i < len(cells) else ""


def _row(name: str, rec: RawRecord, lay: BankLayout, cols: dict[str, int],
         width: int | None, words: _Words) -> Result:
    line, cells, raw = rec
    if "\ufffd" in raw or "\x00" in raw:
        return Reject(name, line, bad_text_reason(raw) or "", raw=raw)
    need = width if width is not None else max(cols.values()) + 1
    if len(cells) < need or (width is not None and len(cells) > width
                             and any(c.strip() for c in cells[width:])):
        return Reject(name, line, f"expected {need} fields, found {len(cells)}",
                      column="fields", raw=raw)
    date_text = _cell(cells, cols, "date")
    # (NFKC leaves ASCII as it is, and no total word is ASCII.)
    if not date_text.isascii() and _is_total(date_text):
        return Skipped(name, line, f"total row ({date_text})")
    column = "date"
    try:
        date = parse_date(date_text)
        column = "amount"
        direction, amount = _direction(cells, cols, lay)
    except ValueError as e:
        return Reject(name, line, str(e), column=column, raw=raw)
    if amount == 0:
        return Skipped(name, line, "zero amount")
    memo = _cell(cells, cols, "memo")
    cp, why = _counterparty_from_memo(memo, words)
    if cp is None:
        return Skipped(name, line, why)
    return new_ledger_line(name, line, date, direction, amount, _counterparty_named(cp), memo)


@lru_cache(maxsize=16384)  # the same payees every month: one frozen object each
def _counterparty_named(name: str) -> Counterparty:
    return Counterparty(name=name)


@lru_cache(maxsize=1024)
def _is_total(date_text: str) -> bool:
    return unicodedata.normalize("NFKC", date_text).replace(" ", "") in _TOTAL_WORDS


def _direction(cells: list[str], cols: dict[str, int], lay: BankLayout) -> tuple[Direction, int]:
    if lay.signed:
        text = _cell(cells, cols, "amount")
        if not text:
            raise ValueError("no amount")
        value = parse_amount(text)
        deposit = (value > 0) == lay.positive_is_deposit
        return (Direction.RECEIPT if deposit else Direction.PAYMENT), abs(value)
    w_text, d_text = _cell(cells, cols, "withdrawal"), _cell(cells, cols, "deposit")
    w = parse_amount(w_text) if w_text else 0
    d = parse_amount(d_text) if d_text else 0
    if w and d:
        raise ValueError(f"both withdrawal ({w_text}) and deposit ({d_text})")
    if not w_text and not d_text:
        raise ValueError("no withdrawal or deposit amount")
    return (Direction.PAYMENT, w) if w else (Direction.RECEIPT, d)
