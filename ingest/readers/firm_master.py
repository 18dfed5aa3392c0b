"""Firm master CSV: the firms a BPO operator knows (its clients and their counterparties).

UTF-8 (with or without BOM) or cp932, one header row, order free. Columns,
English or Japanese header (matched after NFKC, case and space folding):

==================  ===============================  ========  ===================================
column              Japanese                         required  value
==================  ===============================  ========  ===================================
firm_id             企業ID, 会社ID, 取引先ID         yes       the operator's id (unique in a file)
name                企業名, 名称, 会社名, 商号       yes       as written
corporate_number    法人番号                         no        13 digits, check digit verified
industry            業種, 産業分類, 業種(大分類)     no        JSIC division: ``E``, ``E 製造業``
                                                               or ``製造業`` (:mod:`ingest.jsic`)
prefecture          都道府県, 所在地(都道府県)       no        ``鳥取県``, ``鳥取`` or JIS code ``31``
is_client           顧客, クライアント, 顧問先       no        1/0, true/false, yes/no, はい/いいえ,
                                                               ○/×; 0/no ends a client (its ledgers
                                                               stay); empty: a new firm is no client,
                                                               a known one keeps its flag
consented_banks     同意銀行, データ提供同意銀行     no        banks the firm consented to share
                                                               its data with, separated by ``;``
                                                               (``,`` and ``、`` also separate)
==================  ===============================  ========  ===================================

Consent is what lets a bank's credit officer see a firm; a row whose
consent cell cannot be read is rejected, never loaded as "no consent" or
"consent" by guess.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from ingest import corporate_number
from ingest.jsic import parse_division
from ingest.readers.csvrows import iter_csv_rows, read_header
from ingest.records import Reject
from queries.scoped import PSEUDONYM_PREFIX

__all__ = ["FirmRecord", "read_firm_master", "SYNONYMS", "REQUIRED", "PREFECTURES",
           "parse_prefecture", "parse_flag"]

SYNONYMS: dict[str, tuple[str, ...]] = {
    "firm_id": ("企業ID", "会社ID", "取引先ID", "firm", "id"),
    "name": ("企業名", "名称", "会社名", "商号", "商号又は名称", "firm_name", "company_name"),
    "corporate_number": ("法人番号", "corporate_no"),
    "industry": ("業種", "産業分類", "業種(大分類)", "業種大分類", "jsic", "industry_code"),
    "prefecture": ("都道府県", "所在地(都道府県)", "所在都道府県", "pref"),
    "is_client": ("顧客", "クライアント", "顧問先", "client", "顧客フラグ"),
    "consented_banks": ("同意銀行", "データ提供同意銀行", "同意先銀行", "banks"),
}
REQUIRED = ("firm_id", "name")

PREFECTURES: tuple[str, ...] = (
    "北海道", "青森県", "岩手県", "宮城県", "秋田県", "山形県", "福島県", "茨城県", "栃木県",
    "群馬県", "埼玉県", "千葉県", "東京都", "神奈川県", "新潟県", "富山県", "石川県", "福井県",
    "山梨県", "長野県", "岐阜県", "静岡県", "愛知県", "三重県", "滋賀県", "京都府", "大阪府",
    "兵庫県", "奈良県", "和歌山県", "鳥取県", "島根県", "岡山県", "広島県", "山口県", "徳島県",
    "香川県", "愛媛県", "高知県", "福岡県", "佐賀県", "長崎県", "熊本県", "大分県", "宮崎県",
    "鹿児島県", "沖縄県",
)
"""The 47 prefectures in JIS X 0401 order: code ``01`` is ``PREFECTURES[0]``."""

_PREF_BY_KEY: dict[str, str] = {}
for _i, _p in enumerate(PREFECTURES, start=1):
    _PREF_BY_KEY[_p] = _p
    _PREF_BY_KEY[f"{_i:02d}"] = _p
    _PREF_BY_KEY[str(_i)] = _p
    _short = _p if _p == "北海道" else _p[:-1]
    _PREF_BY_KEY[_short] = _p

_TRUE = frozenset({"1", "true", "t", "yes", "y", "はい", "○", "〇", "◯", "有", "あり", "顧客"})
_FALSE = frozenset({"0", "false", "f", "no", "n", "いいえ", "×", "✕", "無", "なし", "-", ""})


def parse_prefecture(text: str) -> str | None:
    """Canonical prefecture name (``鳥取県``) from a name, a short name or a JIS code; ``None`` if blank.

    A 5-digit local-government code (``31201``) is read by its first two digits.
    """
    s = unicodedata.normalize("NFKC", text).strip()
    if not s:
        return None
    if len(s) in (5, 6) and s.isascii() and s.isdigit():
        s = s[:2]
    pref = _PREF_BY_KEY.get(s)
    if pref is None:
        raise ValueError(f"not a prefecture: {text!r}")
    return pref


def parse_flag(text: str) -> bool:
    """Read a yes/no cell (1/0, true/false, yes/no, はい/いいえ, ○/×); empty is ``False``."""
    s = unicodedata.normalize("NFKC", text).strip().lower()
    if s in _TRUE:
        return True
    if s in _FALSE:
        return False
    raise ValueError(f"not a yes/no value: {text!r}")


@dataclass(frozen=True, slots=True)
class FirmRecord:
    """One firm of the master. ``consented_banks``: bank identifiers as written, in order."""

    firm_id: str
    name: str
    corporate_number: str | None
    industry: str | None
    prefecture: str | None
    is_client: bool | None  # None: the cell was empty (a known firm keeps its flag)
    consented_banks: tuple[str, ...]
    line: int


def _cell(cells: list[str], cols: dict[str, int], field: str) -> str:
    i = cols.get(field)
    return cells[i].strip() if i is not None and i < len(cells) else ""


_BANK_SEPARATORS = re.compile(r"[;,、]")


def _banks(text: str) -> tuple[str, ...]:
    """The banks of a consent cell, in order, each once: separated by ``;``
    (a comma or 、 too: a spreadsheet user's list, and no bank id holds one,
    :func:`api.identity.check_bank`)."""
    s = unicodedata.normalize("NFKC", text)  # full-width ；and ，become ; and ,
    seen: dict[str, None] = {}
    for part in _BANK_SEPARATORS.split(s):
        bank = " ".join(part.split())
        if bank:
            seen.setdefault(bank, None)
    return tuple(seen)


def _parse(name: str, line: int, cells: list[str], cols: dict[str, int]) -> FirmRecord | Reject:
    raw = ",".join(cells)
    if "\ufffd" in raw:
        return Reject(name, line, "bytes that are not valid in the file's encoding", raw=raw)
    if max(cols.values()) >= len(cells):
        return Reject(name, line, f"too few columns ({len(cells)})", raw=raw)
    column = ""
    try:
        column = "firm_id"
        firm_id = unicodedata.normalize("NFKC", _cell(cells, cols, "firm_id")).strip()
        if not firm_id:
            raise ValueError("firm_id is empty")
        if firm_id.startswith(PSEUDONYM_PREFIX):
            raise ValueError(f"firm_id {firm_id!r}: ids starting with {PSEUDONYM_PREFIX!r} are the pseudonyms "
                             "a bank sees for partners that did not consent; give the firm another id")
        column = "name"
        firm_name = _cell(cells, cols, "name")
        if not firm_name:
            raise ValueError("name is empty")
        column = "corporate_number"
        number = corporate_number.normalize(_cell(cells, cols, "corporate_number"))
        column = "industry"
        industry_text = _cell(cells, cols, "industry")
        industry = parse_division(industry_text) if industry_text else None
        column = "prefecture"
        prefecture = parse_prefecture(_cell(cells, cols, "prefecture"))
        column = "is_client"
        flag = _cell(cells, cols, "is_client")
        is_client = parse_flag(flag) if flag.strip() else None
        column = "consented_banks"
        banks = _banks(_cell(cells, cols, "consented_banks"))
    except ValueError as e:
        return Reject(name, line, str(e), column=column, raw=raw)
    return FirmRecord(
        firm_id=firm_id, name=firm_name, corporate_number=number, industry=industry,
        prefecture=prefecture, is_client=is_client, consented_banks=banks, line=line,
    )


def read_firm_master(path: Path, encoding: str | None = None) -> Iterator[FirmRecord | Reject]:
    """Yield a :class:`FirmRecord` or a :class:`Reject` for every non-blank data row.

    A file without a header holding ``firm_id`` and ``name`` yields one
    reject for its header line and nothing else. A repeated ``firm_id`` is
    rejected (the first row wins), so a master cannot silently redefine a firm.
    """
    name = str(path)
    rows = iter_csv_rows(path, encoding)
    header = read_header(rows, name, synonyms=SYNONYMS, required=REQUIRED)
    if isinstance(header, Reject):
        yield header
        return
    cols = header.cols
    first_line: dict[str, int] = {}
    for row in rows:
        if row.defect:
            yield Reject(name, row.line, row.defect, raw=row.raw)
            continue
        if row.is_blank:
            continue
        rec = _parse(name, row.line, row.cells, cols)
        if isinstance(rec, FirmRecord):
            if rec.firm_id in first_line:
                yield Reject(name, row.line,
                             f"duplicate firm_id {rec.firm_id!r} (first at line {first_line[rec.firm_id]})",
                             column="firm_id", raw=row.raw)
                continue
            first_line[rec.firm_id] = row.line
        yield rec
