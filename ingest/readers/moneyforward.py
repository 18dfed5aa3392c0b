"""Money Forward クラウド会計 仕訳帳 export → ledger lines.

Two header variants, told apart by the header (:func:`mf_variant`):

* ``current`` (27 columns): 取引No, 取引日, then for 借方 and 貸方 each
  勘定科目, 補助科目, 部門, 取引先, 税区分, インボイス, 金額(円), 税額, then 摘要,
  仕訳メモ, タグ, MF仕訳タイプ, 決算整理仕訳, 作成日時, 作成者, 最終更新日時,
  最終更新者 (:data:`CURRENT_HEADER`);
* ``legacy``: no 取引先 / インボイス, and 税区分 before 部門
  (:data:`LEGACY_HEADER`).

Columns are mapped by name, so column order does not matter. Rows sharing
取引No + 取引日 (consecutive) form one compound entry. The counterparty is the
取引先 (current) or the 補助科目 of a receivable/payable account (both), else a
name from the 摘要; a ``T`` + 13-digit number in the インボイス column or the
摘要 is kept as the invoice number. Amounts are yen.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from ingest.accounts import AccountTable
from ingest.readers.csvrows import header_key, map_header
from ingest.readers.freee import JournalSpec, read_journal_csv
from ingest.records import LedgerLine, Reject, Skipped, UnnamedLine

__all__ = [
    "read_moneyforward", "mf_variant", "looks_like_moneyforward", "MF_COLUMNS", "MF_SPEC",
    "CURRENT_HEADER", "LEGACY_HEADER",
]


def _side_header(jp: str, current: bool) -> list[str]:
    if current:
        return [f"{jp}勘定科目", f"{jp}補助科目", f"{jp}部門", f"{jp}取引先", f"{jp}税区分",
                f"{jp}インボイス", f"{jp}金額(円)", f"{jp}税額"]
    return [f"{jp}勘定科目", f"{jp}補助科目", f"{jp}税区分", f"{jp}部門", f"{jp}金額(円)",
            f"{jp}税額"]


_TAIL = ["摘要", "仕訳メモ", "タグ", "MF仕訳タイプ", "決算整理仕訳", "作成日時", "作成者",
         "最終更新日時", "最終更新者"]
CURRENT_HEADER: tuple[str, ...] = (
    "取引No", "取引日", *_side_header("借方", True), *_side_header("貸方", True), *_TAIL)
LEGACY_HEADER: tuple[str, ...] = (
    "取引No", "取引日", *_side_header("借方", False), *_side_header("貸方", False), *_TAIL)


def _sides(prefix: str, jp: str) -> dict[str, tuple[str, ...]]:
    return {
        f"{prefix}_account": (f"{jp}勘定科目",),
        f"{prefix}_sub": (f"{jp}補助科目",),
        f"{prefix}_partner": (f"{jp}取引先",),
        f"{prefix}_amount": (f"{jp}金額(円)", f"{jp}金額"),
        f"{prefix}_invoice": (f"{jp}インボイス",),
    }


MF_COLUMNS: dict[str, tuple[str, ...]] = {
    "entry_id": ("取引No", "取引番号"),
    "date": ("取引日",),
    **_sides("debit", "借方"),
    **_sides("credit", "貸方"),
    "memo": ("摘要",),
    "memo2": ("仕訳メモ",),
}
MF_SPEC = JournalSpec("Money Forward", MF_COLUMNS, group_by=("entry_id", "date"))


def mf_variant(header_cells: list[str]) -> str:
    """``current`` when the header has 取引先/インボイス columns, else ``legacy``."""
    keys = {header_key(c) for c in header_cells}
    current = {header_key(h) for h in ("借方取引先", "貸方取引先", "借方インボイス")}
    return "current" if keys & current else "legacy"


def looks_like_moneyforward(header_cells: list[str]) -> bool:
    """True for a header with 取引No, 取引日, both accounts and an amount column."""
    cols = map_header(header_cells, MF_COLUMNS)
    needed = ("entry_id", "date", "debit_account", "credit_account")
    keys = {header_key(c) for c in header_cells}
    return (all(f in cols for f in needed)
            and ("debit_amount" in cols or "credit_amount" in cols)
            and (header_key("取引No") in keys or header_key("MF仕訳タイプ") in keys))


def read_moneyforward(path: Path, encoding: str | None = None, *,
                      accounts: AccountTable | None = None
                      ) -> Iterator[LedgerLine | UnnamedLine | Reject | Skipped]:
    """Yield a LedgerLine, UnnamedLine, Skipped or Reject for every row of an MF 仕訳帳 CSV.

    Both header variants are read the same way (columns by name); see
    :func:`mf_variant` to tell them apart.
    """
    return read_journal_csv(path, MF_SPEC, encoding, accounts=accounts)
