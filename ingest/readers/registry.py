"""NTA 法人番号 bulk download (基本3情報ダウンロード): the national registry of corporations.

The 国税庁 法人番号公表サイト publishes every 法人番号 as a header-less CSV of
30 columns, as "Unicode" (UTF-8) or Shift_JIS (decoded as cp932); the same
layout serves the full files and the daily differences (差分). Columns
(1-based, NTA Web-API / download specification):

====  ==========================================  ===================================
col   field                                       used as
====  ==========================================  ===================================
1     一連番号 sequence number                    —
2     法人番号 corporate number                   ``corporate_number`` (check digit)
3     処理区分 process (01 new, 11 name change,   ``process``
      12/13 address, 21 closed, 22 revived,
      71/72 merger, 81 商号抹消, 99 deleted)
4     訂正区分 correction flag                    —
5     更新年月日 update date                      ``updated``
6     変更年月日 change date                      —
7     商号又は名称 name                           ``name`` (NFKC: names use full-width
                                                  letters, ｓｏｕｖｅｎｉｒ → souvenir)
8     商号又は名称イメージID                      —
9     法人種別 kind (101 国の機関, 201 地方公共   ``kind_code``
      団体, 301 株式会社, 302 有限会社, 303 合名
      会社, 304 合資会社, 305 合同会社, 399 その他
      の設立登記法人, 401 外国会社等, 499 その他)
10    国内所在地 都道府県                         ``prefecture``
11    国内所在地 市区町村                         ``city``
12    国内所在地 丁目番地等                       ``street``
13    国内所在地イメージID                        —
14    都道府県コード (JIS X 0401)                 ``prefecture_code``
15    市区町村コード                              —
16    郵便番号                                    ``post_code``
17–18 国外所在地, イメージID                      —
19    登記記録の閉鎖等年月日 closing date         ``closed``
20    登記記録の閉鎖等の事由 closing cause        ``close_cause``
21    承継先法人番号 successor                    ``successor``
22    変更事由の詳細                              —
23    法人番号指定年月日 assignment date          —
24    最新履歴 latest (1 = the current record)    ``is_latest``
25–28 English name and address                    ``name_en`` (col 25)
29    フリガナ furigana (often empty)             ``furigana``
30    検索対象除外 excluded from search (1)       ``excluded``
====  ==========================================  ===================================

Rows are validated (30 columns, check digit of 法人番号 and successor, a
name, a 3-digit kind code, dates) and bad rows become :class:`Reject`.
Files are streamed: the full national file has about 5 million rows.
"""

from __future__ import annotations

import datetime as dt
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from ingest import corporate_number
from ingest.readers.csvrows import iter_csv_rows
from ingest.records import Reject
from ingest.values import parse_date

__all__ = ["RegistryEntry", "read_registry", "KIND_CODES", "KIND_LEGAL_FORM", "N_COLUMNS"]

N_COLUMNS = 30

KIND_CODES: dict[str, str] = {
    "101": "国の機関",
    "201": "地方公共団体",
    "301": "株式会社",
    "302": "有限会社",
    "303": "合名会社",
    "304": "合資会社",
    "305": "合同会社",
    "399": "その他の設立登記法人",
    "401": "外国会社等",
    "499": "その他",
}
"""法人種別 codes of the NTA data."""

KIND_LEGAL_FORM: dict[str, str] = {
    "301": "kabushiki", "302": "yugen", "303": "gomei", "304": "goshi", "305": "godo",
}
"""Kind codes that fix a legal form (codes of :data:`ingest.names.LEGAL_FORMS`)."""


@dataclass(frozen=True, slots=True)
class RegistryEntry:
    """One row of the NTA registry (strings NFKC-normalised, blanks as ``None``)."""

    corporate_number: str
    name: str
    kind_code: str
    prefecture: str | None
    city: str | None
    furigana: str | None
    line: int
    street: str | None = None
    prefecture_code: str | None = None
    post_code: str | None = None
    process: str = ""
    updated: dt.date | None = None
    closed: dt.date | None = None
    close_cause: str | None = None
    successor: str | None = None
    is_latest: bool = True
    name_en: str | None = None
    excluded: bool = False

    @property
    def legal_form(self) -> str | None:
        """Legal form implied by the kind code (301 → ``kabushiki`` …), else ``None``."""
        return KIND_LEGAL_FORM.get(self.kind_code)

    @property
    def is_closed(self) -> bool:
        """The registration was closed (liquidation, merger …): not a trading firm any more."""
        return self.closed is not None


def _text(cell: str) -> str | None:
    s = unicodedata.normalize("NFKC", cell).strip()
    return s or None


def _date(cell: str, what: str) -> dt.date | None:
    s = cell.strip()
    if not s:
        return None
    try:
        return parse_date(s)
    except ValueError as e:
        raise ValueError(f"{what}: {e}") from None


def _parse(name: str, line: int, cells: list[str]) -> RegistryEntry | Reject:
    raw = ",".join(cells)
    if "\ufffd" in raw:
        return Reject(name, line, "bytes that are not valid in the file's encoding", raw=raw)
    if len(cells) != N_COLUMNS:
        return Reject(name, line, f"expected {N_COLUMNS} columns, found {len(cells)}", raw=raw)
    column = ""
    try:
        column = "corporate_number"
        number = corporate_number.normalize(cells[1])
        if number is None:
            raise ValueError("法人番号 is empty")
        column = "name"
        entry_name = _text(cells[6])
        if entry_name is None:
            raise ValueError("name is empty")
        column = "kind_code"
        kind = unicodedata.normalize("NFKC", cells[8]).strip()
        if not (len(kind) == 3 and kind.isascii() and kind.isdigit()):
            raise ValueError(f"kind code must be 3 digits: {cells[8]!r}")
        column = "prefecture_code"
        pref_code = _text(cells[13])
        if pref_code is not None and not (len(pref_code) == 2 and pref_code.isascii()
                                          and pref_code.isdigit() and 1 <= int(pref_code) <= 47):
            raise ValueError(f"prefecture code must be 01–47: {cells[13]!r}")
        column = "updated"
        updated = _date(cells[4], "update date")
        column = "closed"
        closed = _date(cells[18], "closing date")
        column = "successor"
        successor = corporate_number.normalize(cells[20])
        column = "is_latest"
        latest = cells[23].strip()
        if latest not in ("", "0", "1"):
            raise ValueError(f"最新履歴 must be 0 or 1: {latest!r}")
        column = "excluded"
        excluded = cells[29].strip()
        if excluded not in ("", "0", "1"):
            raise ValueError(f"検索対象除外 must be 0 or 1: {excluded!r}")
    except ValueError as e:
        return Reject(name, line, str(e), column=column, raw=raw)
    return RegistryEntry(
        corporate_number=number,
        name=entry_name,
        kind_code=kind,
        prefecture=_text(cells[9]),
        city=_text(cells[10]),
        furigana=_text(cells[28]),
        line=line,
        street=_text(cells[11]),
        prefecture_code=pref_code,
        post_code=_text(cells[15]),
        process=cells[2].strip(),
        updated=updated,
        closed=closed,
        close_cause=_text(cells[19]),
        successor=successor,
        is_latest=latest != "0",
        name_en=_text(cells[24]),
        excluded=excluded == "1",
    )


def read_registry(path: Path, encoding: str | None = None) -> Iterator[RegistryEntry | Reject]:
    """Yield a :class:`RegistryEntry` or a :class:`Reject` for every non-blank row of ``path``.

    The encoding (UTF-8 with or without BOM, or cp932) is detected when not
    given. The file has no header row; a header-like first row is rejected
    (its 法人番号 column is not a number), not skipped silently.
    """
    name = str(path)
    for row in iter_csv_rows(path, encoding):
        if row.defect:
            yield Reject(name, row.line, row.defect, raw=row.raw)
        elif not row.is_blank:
            yield _parse(name, row.line, row.cells)
