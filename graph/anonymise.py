"""Helpers for research exports: pseudonyms, k-anonymity, safe CSV, data dictionary.

- :func:`pseudonymise`: a firm id → a keyed pseudonym (HMAC-SHA256 with a
  secret key). A plain hash of a 13-digit 法人番号 is no protection: all
  10^13 candidates are hashed in seconds to minutes, so without the key a
  pseudonym must be unguessable.
- :func:`coarsen`: generalise the quasi-identifiers (industry × prefecture ×
  size class by default) until every cell holds at least ``k`` firms, in a
  fixed, documented order (:data:`COARSEN_ORDER`), then suppress what is
  still too small.
- :func:`escape_formula`, :func:`escape_frame`: defuse CSV formula injection
  (a text cell starting with ``=``, ``+``, ``-``, ``@``, tab or CR gets a
  leading ``'``) while real numbers stay numbers.
- :class:`ColumnSpec`, :func:`data_dictionary`: the data dictionary that goes
  with every export (name, type, unit, description, privacy treatment).

Sole proprietors (個人事業主) are natural persons: their names are personal
data and never belong in an export, pseudonymised or not.
"""

from __future__ import annotations

import hashlib
import hmac
import math
from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar

import pandas as pd

__all__ = [
    "pseudonymise",
    "recipient_key",
    "REGIONS",
    "SUBREGIONS",
    "PREFECTURE_REGION",
    "PREFECTURE_SUBREGION",
    "SIZE_GROUP",
    "INDUSTRY_SECTOR",
    "COARSEN_ORDER",
    "CoarsenResult",
    "coarsen",
    "FORMULA_PREFIXES",
    "escape_formula",
    "escape_frame",
    "ColumnSpec",
    "data_dictionary",
]

T = TypeVar("T")

# --------------------------------------------------------------------------- pseudonyms

MIN_KEY_BYTES = 16


def recipient_key(key: bytes, recipient: str) -> bytes:
    """The key of one recipient's exports, derived from the operator's ``key``
    (HMAC-SHA256 of ``recipient:<name>``): each recipient's pseudonyms are
    stable across their own releases — a study over time links them — but
    differ from every other recipient's, so two recipients cannot join their
    files on the pseudonyms. They can still match rows by their values (a
    client's metrics row is close to unique): the key keeps ids out, not
    recipients apart (rule 1 of ``docs/exports.md``).

    >>> recipient_key(b"k" * 16, "ann") != recipient_key(b"k" * 16, "bob")
    True
    """
    return hmac.new(key, b"recipient:" + recipient.encode("utf-8"), hashlib.sha256).digest()


def pseudonymise(firm_id: str, key: bytes, *, prefix: str = "f_", length: int = 16) -> str:
    """A stable, keyed pseudonym for a firm id.

    Parameters
    ----------
    firm_id : the id to hide (internal id or 法人番号), used exactly as given
        (UTF-8): pass the same canonical form every time.
    key : the secret key, at least 16 random bytes (e.g. ``secrets.token_bytes(32)``).
        Keep it out of the export; the same key gives the same pseudonyms,
        so use one key per recipient or release unless linking is intended.
    prefix : text put before the hex digest.
    length : hex characters kept from the HMAC-SHA256 digest (8–64); 16
        (64 bits) leaves collisions unlikely far beyond a million firms.

    Returns
    -------
    str
        ``prefix`` + the first ``length`` hex digits of HMAC-SHA256(key, firm_id).

    Examples
    --------
    >>> pseudonymise("1234567890123", b"k" * 16)
    'f_35879440d6fad4ac'
    """
    if not isinstance(key, bytes | bytearray) or len(key) < MIN_KEY_BYTES:
        raise ValueError(f"key must be at least {MIN_KEY_BYTES} bytes of secret randomness")
    if not 8 <= length <= 64:
        raise ValueError("length must be within 8..64 hex characters")
    if not isinstance(firm_id, str) or not firm_id:
        raise ValueError("firm_id must be a non-empty string")
    digest = hmac.new(bytes(key), firm_id.encode("utf-8"), hashlib.sha256).hexdigest()
    return prefix + digest[:length]


# --------------------------------------------------------------------------- generalisation ladders

REGIONS: dict[str, tuple[str, ...]] = {
    "北海道": ("北海道",),
    "東北": ("青森県", "岩手県", "宮城県", "秋田県", "山形県", "福島県"),
    "関東": ("茨城県", "栃木県", "群馬県", "埼玉県", "千葉県", "東京都", "神奈川県"),
    "中部": ("新潟県", "富山県", "石川県", "福井県", "山梨県", "長野県", "岐阜県", "静岡県", "愛知県"),
    "近畿": ("三重県", "滋賀県", "京都府", "大阪府", "兵庫県", "奈良県", "和歌山県"),
    "中国": ("鳥取県", "島根県", "岡山県", "広島県", "山口県"),
    "四国": ("徳島県", "香川県", "愛媛県", "高知県"),
    "九州・沖縄": ("福岡県", "佐賀県", "長崎県", "熊本県", "大分県", "宮崎県", "鹿児島県", "沖縄県"),
}
"""The eight regions (地方区分) → their prefectures."""

SUBREGIONS: dict[str, tuple[str, ...]] = {
    "北海道": ("北海道",),
    "北東北": ("青森県", "岩手県", "秋田県"),
    "南東北": ("宮城県", "山形県", "福島県"),
    "北関東": ("茨城県", "栃木県", "群馬県"),
    "南関東": ("埼玉県", "千葉県", "東京都", "神奈川県"),
    "北陸": ("新潟県", "富山県", "石川県", "福井県"),
    "甲信": ("山梨県", "長野県"),
    "東海": ("岐阜県", "静岡県", "愛知県"),
    "近畿": ("三重県", "滋賀県", "京都府", "大阪府", "兵庫県", "奈良県", "和歌山県"),
    "山陰": ("鳥取県", "島根県"),
    "山陽": ("岡山県", "広島県", "山口県"),
    "四国": ("徳島県", "香川県", "愛媛県", "高知県"),
    "北部九州": ("福岡県", "佐賀県", "長崎県", "大分県"),
    "南九州": ("熊本県", "宮崎県", "鹿児島県"),
    "沖縄": ("沖縄県",),
}
"""Sub-regions within the eight regions (a convention of this project: the
usage of e.g. 北陸 and 北部九州 varies); each lies in exactly one region."""

PREFECTURE_REGION: dict[str, str] = {p: r for r, ps in REGIONS.items() for p in ps}
PREFECTURE_SUBREGION: dict[str, str] = {p: s for s, ps in SUBREGIONS.items() for p in ps}
_SUBREGION_REGION: dict[str, str] = {s: PREFECTURE_REGION[ps[0]] for s, ps in SUBREGIONS.items()}

SIZE_GROUP: dict[int, str] = {1: "small", 2: "small", 3: "large", 4: "large"}
"""The study's size classes 1–4 → two groups: ``small`` (annual sales below
¥100M, classes 1–2) and ``large`` (¥100M or more, classes 3–4)."""

INDUSTRY_SECTOR: dict[str, str] = {
    "A": "第1次産業", "B": "第1次産業",
    "C": "第2次産業", "D": "第2次産業", "E": "第2次産業",
    **{d: "第3次産業" for d in "FGHIJKLMNOPQRS"},
    "T": "分類不能",
}
"""JSIC divisions → the three sectors (産業3部門) of the Statistics Bureau:
primary A–B, secondary C–E, tertiary F–S; T (unclassifiable) stays apart."""


def _prefecture_key(value: str) -> str:
    s = value.strip()
    if s in PREFECTURE_REGION:
        return s
    for p in PREFECTURE_REGION:
        if p != "北海道" and p[:-1] == s:
            return p
    raise KeyError(value)


def _to_subregion(value: Any) -> Any:
    return PREFECTURE_SUBREGION[_prefecture_key(str(value))]


def _to_region(value: Any) -> Any:
    s = str(value)
    if s in _SUBREGION_REGION:
        return _SUBREGION_REGION[s]
    if s in REGIONS:
        return s
    return PREFECTURE_REGION[_prefecture_key(s)]


def _to_size_group(value: Any) -> Any:
    if isinstance(value, str) and value in ("small", "large"):
        return value
    number = float(value)
    if not number.is_integer():
        raise KeyError(value)
    return SIZE_GROUP[int(number)]


def _to_sector(value: Any) -> Any:
    s = str(value).strip()
    if s in INDUSTRY_SECTOR.values():
        return s
    return INDUSTRY_SECTOR[s]


COARSEN_ORDER: tuple[tuple[str, str, Callable[[Any], Any]], ...] = (
    ("prefecture", "subregion", _to_subregion),
    ("prefecture", "region", _to_region),
    ("size_class", "size_group", _to_size_group),
    ("industry", "sector", _to_sector),
)
"""The generalisation steps of :func:`coarsen`, in order: (column, level, map)."""


@dataclass
class CoarsenResult:
    """The coarsened frame and what was done to it.

    ``steps`` lists the generalisations applied in order (``"prefecture →
    region"``); ``suppressed_rows`` counts rows whose quasi-identifiers were
    all set to missing because their cell stayed below ``k``;
    ``dropped_rows`` counts rows removed because even the suppressed group
    had fewer than ``k`` firms; ``smallest_cell`` is the smallest cell size
    after all that (``None`` for an empty frame).
    """

    frame: pd.DataFrame
    k: int
    quasi_identifiers: tuple[str, ...]
    steps: list[str] = field(default_factory=list)
    suppressed_rows: int = 0
    dropped_rows: int = 0
    smallest_cell: int | None = None

    def to_dict(self) -> dict[str, Any]:
        """What was done, JSON-ready (without the frame)."""
        return {
            "k": self.k,
            "quasi_identifiers": list(self.quasi_identifiers),
            "steps": list(self.steps),
            "suppressed_rows": self.suppressed_rows,
            "dropped_rows": self.dropped_rows,
            "smallest_cell": self.smallest_cell,
        }


def _is_missing(value: Any) -> bool:
    if value is None or value is pd.NA or value is pd.NaT:
        return True
    return isinstance(value, float) and math.isnan(value)


def _cell_sizes(df: pd.DataFrame, qis: Sequence[str], id_column: str | None) -> pd.Series:
    grouped = df.groupby(list(qis), dropna=False, sort=False)
    sizes = grouped[id_column].nunique(dropna=False) if id_column else grouped.size()
    return sizes


def _row_cell_sizes(df: pd.DataFrame, qis: Sequence[str], id_column: str | None) -> pd.Series:
    grouped = df.groupby(list(qis), dropna=False, sort=False)
    if id_column:
        return grouped[id_column].transform(lambda s: s.nunique(dropna=False))
    return grouped[qis[0]].transform("size")


def coarsen(
    df: pd.DataFrame,
    quasi_identifiers: Sequence[str] = ("industry", "prefecture", "size_class"),
    k: int = 5,
    *,
    id_column: str | None = None,
    max_suppressed: float = 0.0,
) -> CoarsenResult:
    """Generalise quasi-identifiers until every cell holds at least ``k`` firms.

    Parameters
    ----------
    df : one row per firm (or several per firm with ``id_column``). Expected
        values: ``prefecture`` a prefecture name (``鳥取県`` or ``鳥取``),
        ``size_class`` the study's class 1–4, ``industry`` a JSIC division
        letter A–T; missing values are a category of their own.
    quasi_identifiers : the columns whose combination could single a firm out.
    k : the minimum number of firms per combination (cell).
    id_column : count distinct values of this column per cell instead of rows.
    max_suppressed : the share (0–1) of the rows with any quasi-identifier
        that may be suppressed instead of generalising a whole column
        further: when the rows in cells below ``k`` are at most this share,
        they are suppressed (step 5) and every other row keeps its detail. 0 (the default): generalise while any
        cell is below ``k``.

    Returns
    -------
    CoarsenResult
        A new frame (other columns untouched, index kept) and the steps taken.

    Raises
    ------
    ValueError
        For a missing column, ``k < 1`` or a value outside the known ladder
        (an unknown prefecture, size class or JSIC letter).

    Notes
    -----
    Steps (:data:`COARSEN_ORDER`), each applied to the whole column and only
    while some cell is below ``k``; steps for columns not among the
    quasi-identifiers are skipped:

    1. prefecture → sub-region (:data:`SUBREGIONS`, e.g. 山陰 / 山陽),
    2. sub-region → region (:data:`REGIONS`, the eight 地方),
    3. size class → ``small`` / ``large`` (:data:`SIZE_GROUP`),
    4. industry → sector (:data:`INDUSTRY_SECTOR`),
    5. suppression: rows in cells still below ``k`` get every
       quasi-identifier set to missing; if that suppressed group itself has
       fewer than ``k`` firms, its rows are dropped.

    Whole-column (global) recoding keeps one level of detail per column, so
    a researcher never has to mix levels; the price is some detail lost in
    large cells. Other columns (e.g. exact sales) can still identify a firm:
    round or band them before export.
    """
    qis = tuple(quasi_identifiers)
    if k < 1:
        raise ValueError("k must be at least 1")
    missing = [c for c in (*qis, *([id_column] if id_column else [])) if c not in df.columns]
    if missing:
        raise ValueError(f"columns not in the frame: {missing}")
    out = df.copy()
    for c in qis:
        out[c] = out[c].astype(object)
    result = CoarsenResult(out, k, qis)
    if out.empty or not qis:
        result.smallest_cell = None if out.empty else _smallest(out, qis, id_column)
        return result

    for column, level, fn in COARSEN_ORDER:
        if column not in qis:
            continue
        below = _row_cell_sizes(out, qis, id_column) < k
        if not below.any():
            break
        described = int(out[list(qis)].notna().any(axis=1).sum())  # rows with something to suppress
        if max_suppressed > 0 and below.sum() <= max_suppressed * described:
            break  # a few rows of small cells: suppress them rather than coarsen every row
        out[column] = _map(out[column], fn, column, level)
        result.steps.append(f"{column} → {level}")

    row_sizes = _row_cell_sizes(out, qis, id_column)
    small = row_sizes < k
    if small.any():
        result.suppressed_rows = int(small.sum())
        for c in qis:
            out.loc[small, c] = None
        result.steps.append(f"suppressed {result.suppressed_rows} row(s) in cells below k")
        all_missing = out[list(qis)].isna().all(axis=1)
        group = out.loc[all_missing]
        n = group[id_column].nunique(dropna=False) if id_column else len(group)
        if 0 < n < k:
            result.dropped_rows = int(all_missing.sum())
            out = out.loc[~all_missing]
            result.steps.append(f"dropped {result.dropped_rows} suppressed row(s): fewer than k")
    result.frame = out
    result.smallest_cell = _smallest(out, qis, id_column)
    return result


def _smallest(df: pd.DataFrame, qis: Sequence[str], id_column: str | None) -> int | None:
    if df.empty:
        return None
    return int(_cell_sizes(df, qis, id_column).min())


def _map(series: pd.Series, fn: Callable[[Any], Any], column: str, level: str) -> pd.Series:
    bad: list[Any] = []

    def one(v: Any) -> Any:
        if _is_missing(v):
            return None
        try:
            return fn(v)
        except (KeyError, ValueError, TypeError):
            bad.append(v)
            return None

    mapped = series.map(one).astype(object)
    if bad:
        shown = sorted({str(b) for b in bad})[:5]
        raise ValueError(f"cannot generalise {column} to {level}: unknown value(s) {shown}")
    return mapped


# --------------------------------------------------------------------------- CSV formula injection

FORMULA_PREFIXES: tuple[str, ...] = ("=", "+", "-", "@", "\t", "\r")
"""First characters that make a spreadsheet read a text cell as a formula."""


def escape_formula(value: T) -> T | str:
    """Prefix a text value that a spreadsheet would run as a formula with ``'``.

    Only ``str`` values change: numbers (including negative ones), booleans,
    dates and missing values come back as they are.

    Examples
    --------
    >>> escape_formula("=HYPERLINK(\\"http://x\\")")
    '\\'=HYPERLINK("http://x")'
    >>> escape_formula(-5)
    -5
    >>> escape_formula("-5")
    "'-5"
    """
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


def _escape_index(index: pd.Index) -> pd.Index:
    if isinstance(index, pd.MultiIndex):
        levels: list[Any] = [_escape_index(lvl) for lvl in index.levels]
        return index.set_levels(levels)
    if pd.api.types.is_numeric_dtype(index.dtype) or pd.api.types.is_bool_dtype(index.dtype):
        return index
    if pd.api.types.is_object_dtype(index.dtype) or pd.api.types.is_string_dtype(index.dtype):
        return index.map(escape_formula)
    return index


def escape_frame(df: pd.DataFrame, *, header: bool = True, index: bool = True) -> pd.DataFrame:
    """A copy of ``df`` safe to write as CSV for spreadsheets.

    Parameters
    ----------
    df : the export frame.
    header : also escape text column labels.
    index : also escape a text index (``to_csv`` writes it unless told not to).

    Returns
    -------
    pandas.DataFrame

    Notes
    -----
    The decision is made by dtype, so that numbers stay numbers:

    - numeric, boolean and datetime columns are untouched (a real ``-5``
      stays ``-5``);
    - string and object columns: every ``str`` cell starting with one of
      :data:`FORMULA_PREFIXES` gets a leading ``'`` — a *text* ``"-5"``
      becomes ``"'-5"``, because a spreadsheet cannot tell it from a
      formula; non-``str`` cells in an object column (a Python ``int``,
      ``None``) are untouched;
    - categorical columns have their (text) categories escaped.

    Store numbers in numeric columns before exporting; a column of numbers
    read as text would otherwise be escaped.
    """
    out = df.copy()
    for i in range(out.shape[1]):
        col = out.iloc[:, i]
        dtype = col.dtype
        if isinstance(dtype, pd.CategoricalDtype):
            new = col.cat.rename_categories(lambda c: escape_formula(c))
        elif pd.api.types.is_object_dtype(dtype) or pd.api.types.is_string_dtype(dtype):
            new = col.map(escape_formula, na_action="ignore").astype(dtype)
        else:
            continue
        out.isetitem(i, new.array)
    if header:
        out.columns = _escape_index(out.columns)
    if index:
        out.index = _escape_index(out.index)
    return out


# --------------------------------------------------------------------------- data dictionary


@dataclass(frozen=True)
class ColumnSpec:
    """One column of an export: ``type`` (e.g. ``integer``, ``float``,
    ``string``, ``YYYY-MM``), ``unit`` (``yen``, ``days``, ``0–1``, or empty
    for none), a ``description``, and the ``privacy`` treatment
    (``pseudonym (HMAC-SHA256)``, ``generalised``, … or empty)."""

    name: str
    type: str
    unit: str = ""
    description: str = ""
    privacy: str = ""


DICTIONARY_COLUMNS = ("name", "type", "unit", "description", "privacy")


def data_dictionary(columns: Sequence[ColumnSpec], frame: pd.DataFrame | None = None) -> pd.DataFrame:
    """The data dictionary of an export, one row per column.

    Parameters
    ----------
    columns : a spec for every exported column.
    frame : the export itself; when given, its columns and the specs must
        match one to one, and the rows follow the frame's column order.

    Returns
    -------
    pandas.DataFrame
        Columns ``name``, ``type``, ``unit``, ``description``, ``privacy``;
        write it next to the export (``escape_frame(d).to_csv(...)``).

    Raises
    ------
    ValueError
        For duplicate names, an empty type or description, or specs that do
        not match the frame's columns.
    """
    names = [c.name for c in columns]
    dupes = sorted({n for n in names if names.count(n) > 1})
    if dupes:
        raise ValueError(f"duplicate column specs: {dupes}")
    undescribed = [c.name for c in columns if not c.type.strip() or not c.description.strip()]
    if undescribed:
        raise ValueError(f"columns without a type or description: {undescribed}")
    specs = {c.name: c for c in columns}
    order: list[Hashable] = list(names)
    if frame is not None:
        present = [str(c) for c in frame.columns]
        missing = [c for c in present if c not in specs]
        extra = [n for n in names if n not in present]
        if missing or extra:
            raise ValueError(f"data dictionary does not match the frame: undescribed {missing}, "
                             f"not in the frame {extra}")
        order = list(present)
    rows = [[specs[str(n)].name, specs[str(n)].type, specs[str(n)].unit,
             specs[str(n)].description, specs[str(n)].privacy] for n in order]
    return pd.DataFrame(rows, columns=list(DICTIONARY_COLUMNS))
