"""全銀協 総合振込 (bulk transfer, 種別コード 21) files → PAYMENT ledger lines.

Fixed 120-byte records in cp932 half-width (JIS X 0201): header ``1``,
data ``2`` × n, trailer ``8``, end ``9``. Records are separated by CRLF, LF
or CR alone, or follow each other with no line break at all (then each 120
bytes is one record, numbered 1, 2, … as "lines"); an EOF byte (0x1A) at the
end of the file is ignored (see :func:`iter_zengin_records`). Positions (1-based, inclusive) follow
formats.md; see :class:`ZenginHeader`, :class:`ZenginData`,
:class:`ZenginTrailer`.

Each data record becomes ``LedgerLine(direction=PAYMENT, amount=<yen>,
counterparty=Counterparty(name=<recipient kana, trailing spaces stripped>,
bank_account="<bank>-<branch>-<account>"))`` dated on the header's transfer
date. The header has month and day but no year: give ``year=``; without it
the date is the latest one (of last, this and next year) at most
:data:`MAX_DAYS_AHEAD` days after ``today`` — a transfer file is made days
(at most weeks) before its transfer date, and may be loaded long after it,
so a date a few months ahead is last year's rather than next year's (the
nearest date once put a March transfer of a file loaded in December in the
next March). ``today`` defaults to the file's own date: a
``YYYYMMDD`` in its name (banking software names files so), else its
modification time — not the current date, so that last year's files loaded
today keep last year's dates.

Defects are rejects on the record's line, never exceptions: wrong record
length, full-width or control bytes, unknown data type, non-digit fields,
records out of order (data before a header or after a trailer), a header
without a trailer, a missing end record. The trailer's record count and
total are checked against the data records; a mismatch is one Reject on the
trailer line ("expected … found …") and the data records still load.
File-level problems are reported on the control record nearest to them
(header line for a missing trailer, last line for a missing end record).
種別 11/12 and 71/72 (給与/賞与振込) are payroll: their data records are Skipped
(counted, checked against the trailer, never firms).

:func:`parse_zengin_file` returns the parsed header, data records and
trailer of a well-formed single-group file (for tests and inspection) and
raises :class:`~ingest.readers.detect.FormatError` on any defect.
"""

from __future__ import annotations

import datetime as dt
import io
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import BinaryIO

from ingest.readers.detect import FormatError
from ingest.records import Counterparty, Direction, LedgerLine, Reject, Skipped, new_ledger_line

__all__ = [
    "read_zengin", "parse_zengin_file", "iter_zengin_records", "choose_year",
    "parse_header", "parse_data", "parse_trailer", "looks_like_zengin",
    "ZenginHeader", "ZenginData", "ZenginTrailer", "ZenginFile", "RECORD_BYTES",
    "TRANSFER_KIND", "PAYROLL_KINDS", "requester_names",
]

RECORD_BYTES = 120
TRANSFER_KIND = "21"  # 総合振込
# 給与・賞与振込 (民間 11/12, 地方公務員 71/72) share the data record layout of 総合振込
# up to byte 91 (全銀協「全銀協パーソナル・コンピュータ用標準通信プロトコル（ベーシック手順）
# 適用業務およびレコード・フォーマット」, section 4 給与・賞与振込): their recipients are
# employees, so their data records are Skipped, never firms.
PAYROLL_KINDS = {"11": "給与振込", "12": "賞与振込", "71": "給与振込（地方公務員）",
                 "72": "賞与振込（地方公務員）"}
_SAMPLE = 1 << 16  # read first, to choose between lines and back-to-back records
_CHUNK = 1 << 16  # lines are split in chunks of this size
_MAX_LINE = 4096  # longer lines are read in pieces and rejected (memory stays bounded)

Result = LedgerLine | Reject | Skipped


@dataclass(frozen=True, slots=True)
class ZenginHeader:
    """Header record (data type 1). Text fields stripped of padding."""

    kind: str  # 2–3 種別コード
    code_type: str  # 4 コード区分
    requester_code: str  # 5–14 依頼人コード
    requester_name: str  # 15–54
    transfer_mmdd: str  # 55–58
    bank_code: str  # 59–62
    bank_name: str  # 63–77
    branch_code: str  # 78–80
    branch_name: str  # 81–95
    account_type: str  # 96
    account_number: str  # 97–103


@dataclass(frozen=True, slots=True)
class ZenginData:
    """Data record (data type 2): one transfer. ``amount`` in yen."""

    bank_code: str  # 2–5
    bank_name: str  # 6–20
    branch_code: str  # 21–23
    branch_name: str  # 24–38
    clearing_house: str  # 39–42
    account_type: str  # 43
    account_number: str  # 44–50
    recipient_name: str  # 51–80
    amount: int  # 81–90
    new_code: str  # 91
    customer_code1: str  # 92–101
    customer_code2: str  # 102–111
    transfer_type: str  # 112
    edi_flag: str  # 113

    @property
    def bank_account(self) -> str:
        return f"{self.bank_code}-{self.branch_code}-{self.account_number}"


@dataclass(frozen=True, slots=True)
class ZenginTrailer:
    """Trailer record (data type 8). ``total`` in yen."""

    count: int  # 2–7
    total: int  # 8–19


@dataclass(frozen=True)
class ZenginFile:
    """A parsed well-formed file: header, data records (with lines), trailer."""

    header: ZenginHeader
    records: list[tuple[int, ZenginData]] = field(default_factory=list)
    trailer: ZenginTrailer | None = None
    has_end: bool = False
    date: dt.date | None = None


# --- record splitting -------------------------------------------------------


def looks_like_zengin(sample: bytes) -> bool:
    """True when ``sample`` starts with a 120-byte 全銀 header record.

    The header (data type ``1``, 種別 21 or a payroll kind) must be followed
    by a record separator (CRLF, LF or CR alone), the next record's data
    type (no separators), an EOF byte (``\\x1a``) or nothing.
    """
    if len(sample) < RECORD_BYTES or sample[:1] != b"1":
        return False
    kind = sample[1:3].decode("ascii", "replace")
    if kind != TRANSFER_KIND and kind not in PAYROLL_KINDS:
        return False
    return sample[RECORD_BYTES:RECORD_BYTES + 1] in _AFTER_HEADER


_AFTER_HEADER = (b"", b"\r", b"\n", b"\x1a", b"2", b"8", b"9")
_LINE_END = re.compile(rb"\r\n|\r|\n")
_EOF = b"\x1a"  # the DOS end-of-file byte some banking software appends
_FILLER = b" \r\n\x1a"  # what may trail the last record of a file


def iter_zengin_records(path: Path) -> Iterator[tuple[int, bytes]]:
    """Yield ``(line, record bytes)`` for every record of a 全銀 file.

    Any record separator is accepted: CRLF, LF or CR alone (each line end is
    one line, as in Python's universal newlines — no valid record holds a CR
    or LF byte, since half-width and cp932 bytes never are 0x0D/0x0A), or none
    at all, when records follow each other and each 120 bytes is one record,
    numbered 1, 2, … as "lines". Which one is decided from the start of the
    file (:func:`_is_stream`). Blank lines, an EOF byte (``\\x1a``) at the end
    of the file (after the last separator or right after the last record) and
    a final line end after back-to-back records are passed over. Lines longer
    than :data:`_MAX_LINE` are cut there (and then rejected by the reader), so
    memory stays bounded whatever the file holds.
    """
    with path.open("rb") as fh:
        sample = fh.read(_SAMPLE)
        src: BinaryIO = io.BytesIO(sample) if len(sample) < _SAMPLE else fh  # whole file read?
        src.seek(0)
        yield from _fixed(src) if _is_stream(sample) else _lines(src)


def _is_stream(sample: bytes) -> bool:
    """True when the records follow each other without separators.

    That is so when the file has no CR or LF byte at all, or when its first
    record is followed at byte 121 by a record's data type rather than a
    line end (then a CR/LF further on is a defect inside a record, which the
    reader rejects on its own, not a separator).
    """
    if b"\n" not in sample and b"\r" not in sample:
        return True
    return sample[:1] == b"1" and sample[RECORD_BYTES:RECORD_BYTES + 1] in (b"1", b"2", b"8", b"9")


def _lines(fh: BinaryIO) -> Iterator[tuple[int, bytes]]:
    """The lines of a file with separators, read in chunks of :data:`_CHUNK`
    bytes, split at CRLF, LF or CR."""
    n = 0
    partial = b""  # the start of a line whose end is not read yet (at most _MAX_LINE bytes)
    chunk = fh.read(_CHUNK)
    while chunk:
        more = fh.read(_CHUNK)
        if more and chunk.endswith(b"\r"):
            chunk, more = chunk[:-1], b"\r" + more  # a CRLF may straddle the two chunks
        pieces = _LINE_END.split(partial + chunk)
        partial = pieces.pop()[:_MAX_LINE]  # the text after the last line end
        for piece in pieces:
            n += 1
            rec = piece[:_MAX_LINE]
            if len(rec) != RECORD_BYTES and not rec.strip(b" \x1a"):
                continue  # a blank line, or the EOF byte on a line of its own
            yield n, rec
        chunk = more
    rec = partial.rstrip(_EOF)  # the last line, without a line end: EOF byte right after it
    if len(rec) == RECORD_BYTES or rec.strip(b" "):
        yield n + 1, rec


def _fixed(fh: BinaryIO) -> Iterator[tuple[int, bytes]]:
    """Consecutive 120-byte records; the short remainder of the file is a record
    too (rejected for its length) unless it is only filler: an EOF byte, a line
    end or spaces after the last record."""
    n = 0
    while True:
        rec = fh.read(RECORD_BYTES)
        if not rec:
            return
        if len(rec) < RECORD_BYTES and not rec.strip(_FILLER):
            return
        n += 1
        yield n, rec


# --- field parsing ----------------------------------------------------------


_HALF_WIDTH_BYTES = bytes(range(0x20, 0x7F)) + bytes(range(0xA1, 0xE0))


def _is_half_width(rec: bytes) -> bool:
    return not rec.translate(None, _HALF_WIDTH_BYTES)  # nothing left but half-width bytes


def _raw(rec: bytes) -> str:
    return rec.decode("cp932", errors="replace")


def _slice(rec: bytes, start: int, end: int) -> bytes:
    return rec[start - 1:end]


def _text(rec: bytes, start: int, end: int) -> str:
    return _slice(rec, start, end).decode("cp932").rstrip(" ")


def _digits(rec: bytes, start: int, end: int, what: str, *, blank_ok: bool = False) -> str:
    s = _slice(rec, start, end).decode("ascii", errors="replace")
    if blank_ok and not s.strip():
        return ""
    if not s.isascii() or not s.isdigit():
        raise _FieldError(what, f"{what} (bytes {start}–{end}) must be digits: {s!r}")
    return s


class _FieldError(ValueError):
    def __init__(self, column: str, reason: str) -> None:
        super().__init__(reason)
        self.column = column


def parse_header(rec: bytes) -> ZenginHeader:
    """Parse a header record; raises ValueError (with ``column``) on defects."""
    kind = _digits(rec, 2, 3, "種別コード")
    return ZenginHeader(
        kind=kind,
        code_type=_text(rec, 4, 4),
        requester_code=_digits(rec, 5, 14, "依頼人コード"),
        requester_name=_text(rec, 15, 54),
        transfer_mmdd=_digits(rec, 55, 58, "振込指定日"),
        bank_code=_digits(rec, 59, 62, "仕向銀行番号"),
        bank_name=_text(rec, 63, 77),
        branch_code=_digits(rec, 78, 80, "仕向支店番号"),
        branch_name=_text(rec, 81, 95),
        account_type=_text(rec, 96, 96),
        account_number=_digits(rec, 97, 103, "口座番号"),
    )


def requester_names(path: Path) -> list[str]:
    """The 振込依頼人 names of a 全銀 file's 総合振込 header records (bank
    kana, padding stripped), once each, in file order: whose account pays.
    Headers of payroll (給与・賞与, whose lines are skipped) and records that
    are not well-formed headers are passed over (:func:`read_zengin` reports
    them)."""
    out: list[str] = []
    for _line, rec in iter_zengin_records(path):
        if len(rec) == RECORD_BYTES and rec[:3] == b"1" + TRANSFER_KIND.encode() and _is_half_width(rec):
            name = _text(rec, 15, 54)
            if name and name not in out:
                out.append(name)
    return out


def parse_data(rec: bytes) -> ZenginData:
    """Parse a data record; raises ValueError (with ``column``) on defects."""
    if len(rec) == RECORD_BYTES and _is_half_width(rec):
        data = _parse_half_width_data(rec)
    else:
        data = _parse_data_fields(rec)
    if not data.recipient_name.strip():
        raise _FieldError("受取人名", "recipient name (bytes 51–80) is blank")
    if data.amount == 0:
        raise _FieldError("振込金額", "transfer amount is zero")
    return data


def _parse_half_width_data(rec: bytes) -> ZenginData:
    """:func:`_parse_data_fields` of a 120-byte half-width record, decoded once.

    In cp932 every half-width byte is one character, so slicing the decoded
    record gives the same text as decoding each slice. A digit field that is
    not all ASCII digits is handed to :func:`_digits` for its exact error.
    """
    t = rec.decode("cp932")
    digits = (
        (t[1:5], 2, 5, "被仕向銀行番号"), (t[20:23], 21, 23, "被仕向支店番号"),
        (t[42:43], 43, 43, "預金種目"), (t[43:50], 44, 50, "口座番号"),
        (t[80:90], 81, 90, "振込金額"),
    )
    for s, start, end, what in digits:
        if not (s.isascii() and s.isdigit()):
            _digits(rec, start, end, what)  # raises, with the same message as the slow path
    return ZenginData(
        bank_code=t[1:5],
        bank_name=t[5:20].rstrip(" "),
        branch_code=t[20:23],
        branch_name=t[23:38].rstrip(" "),
        clearing_house=t[38:42].rstrip(" "),
        account_type=t[42:43],
        account_number=t[43:50],
        recipient_name=t[50:80].rstrip(" "),
        amount=int(t[80:90]),
        new_code=t[90:91].rstrip(" "),
        customer_code1=t[91:101].rstrip(" "),
        customer_code2=t[101:111].rstrip(" "),
        transfer_type=t[111:112].rstrip(" "),
        edi_flag=t[112:113].rstrip(" "),
    )


def _parse_data_fields(rec: bytes) -> ZenginData:
    return ZenginData(
        bank_code=_digits(rec, 2, 5, "被仕向銀行番号"),
        bank_name=_text(rec, 6, 20),
        branch_code=_digits(rec, 21, 23, "被仕向支店番号"),
        branch_name=_text(rec, 24, 38),
        clearing_house=_text(rec, 39, 42),
        account_type=_digits(rec, 43, 43, "預金種目"),
        account_number=_digits(rec, 44, 50, "口座番号"),
        recipient_name=_text(rec, 51, 80),
        amount=int(_digits(rec, 81, 90, "振込金額")),
        new_code=_text(rec, 91, 91),
        customer_code1=_text(rec, 92, 101),
        customer_code2=_text(rec, 102, 111),
        transfer_type=_text(rec, 112, 112),
        edi_flag=_text(rec, 113, 113),
    )


def parse_trailer(rec: bytes) -> ZenginTrailer:
    """Parse a trailer record; raises ValueError (with ``column``) on defects."""
    return ZenginTrailer(count=int(_digits(rec, 2, 7, "合計件数")),
                         total=int(_digits(rec, 8, 19, "合計金額")))


_NAME_DATE_RE = re.compile(r"(?<!\d)(20\d{2})(0[1-9]|1[0-2])([0-2]\d|3[01])(?!\d)")


def file_reference_date(path: Path) -> dt.date:
    """The date a transfer file was made: a ``YYYYMMDD`` in its name, else its mtime."""
    m = _NAME_DATE_RE.search(path.name)
    if m:
        try:
            return dt.date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
        except ValueError:
            pass
    try:
        return dt.date.fromtimestamp(path.stat().st_mtime)
    except OSError:
        return dt.date.today()


MAX_DAYS_AHEAD = 31
"""How many days after the day a transfer file was made its transfer date
may be: banks take 総合振込 data days, at most weeks, before the transfer."""


def choose_year(month: int, day: int, today: dt.date | None = None) -> dt.date:
    """The latest date with this month/day (of next, this or last year) at
    most :data:`MAX_DAYS_AHEAD` days after ``today``.

    Raises ValueError when no such date exists (e.g. 1332, or 0229 in three
    non-leap years).
    """
    today = today or dt.date.today()
    latest = today + dt.timedelta(days=MAX_DAYS_AHEAD)
    for year in (today.year + 1, today.year, today.year - 1):
        try:
            d = dt.date(year, month, day)
        except ValueError:
            continue
        if d <= latest:
            return d
    raise ValueError(f"no date {month:02d}/{day:02d} near {today}")


def _transfer_date(header: ZenginHeader, year: int | None, today: dt.date | None) -> dt.date:
    month, day = int(header.transfer_mmdd[:2]), int(header.transfer_mmdd[2:])
    try:
        if year is not None:
            return dt.date(year, month, day)
        return choose_year(month, day, today)
    except ValueError:
        raise _FieldError("振込指定日", f"transfer date {header.transfer_mmdd!r} (MMDD) is not a "
                          "valid date") from None


# --- the reader -------------------------------------------------------------


@dataclass
class _Group:
    line: int
    header: ZenginHeader | None
    date: dt.date | None
    problem: str  # why data records cannot load ("" when fine)
    count: int = 0
    total: int = 0
    unreadable: int = 0


def read_zengin(path: Path, encoding: str | None = None, *, year: int | None = None,
                today: dt.date | None = None) -> Iterator[Result]:
    """Yield a PAYMENT LedgerLine (or Reject/Skipped) for every data record.

    ``encoding`` is accepted for symmetry with the other readers; 全銀 files
    are always cp932 half-width and any other value is ignored. ``year`` and
    ``today`` decide the transfer year (see the module docstring).
    """
    name = str(path)
    today = today or file_reference_date(path)
    group: _Group | None = None
    seen_end = False
    last_line = 0
    closed_at = 0  # line of the last trailer
    for line, rec in iter_zengin_records(path):
        last_line = line
        problem = _record_problem(rec)
        if problem:
            if group is not None and rec[:1] == b"2":
                group.count += 1
                group.unreadable += 1
            yield Reject(name, line, problem, column="record", raw=_raw(rec))
            continue
        kind = rec[:1]
        if kind == b"1":
            if group is not None:
                yield _no_trailer(name, group, f"the next header at line {line}")
            group, reject = _open_group(name, line, rec, year, today)
            seen_end = False
            if reject:
                yield reject
        elif kind == b"2":
            if group is None:
                where = ("after the end record (9)" if seen_end else
                         f"after the trailer at line {closed_at} (no new header)" if closed_at
                         else "before any header (1)")
                yield Reject(name, line, f"data record {where}", column="データ区分", raw=_raw(rec))
            else:
                yield _data(name, line, rec, group)
        elif kind == b"8":
            if group is None:
                yield Reject(name, line, "trailer record (8) without a header", column="データ区分",
                             raw=_raw(rec))
            else:
                reject = _check_trailer(name, line, rec, group)
                if reject:
                    yield reject
                group, closed_at = None, line
        elif kind == b"9":
            if group is not None:
                yield _no_trailer(name, group, f"the end record at line {line}")
                group = None
            seen_end = True
        else:
            yield Reject(name, line, f"unknown data type {_raw(rec[:1])!r} (1, 2, 8 or 9)",
                         column="データ区分", raw=_raw(rec))
    if last_line == 0:
        yield Reject(name, 1, "empty file: no header record")
        return
    if group is not None:
        yield _no_trailer(name, group, "the end of the file")
    if not seen_end:
        yield Reject(name, last_line, "file ends without an end record (9): truncated?",
                     column="データ区分")


def _record_problem(rec: bytes) -> str:
    if len(rec) >= _MAX_LINE:
        return f"record is over {_MAX_LINE} bytes, expected {RECORD_BYTES}"
    if len(rec) != RECORD_BYTES:
        return f"record is {len(rec)} bytes, expected {RECORD_BYTES}"
    if not _is_half_width(rec):
        return "record has full-width or control bytes (全銀 records are half-width)"
    return ""


def _open_group(name: str, line: int, rec: bytes, year: int | None,
                today: dt.date | None) -> tuple[_Group, Reject | None]:
    try:
        header = parse_header(rec)
        if header.kind != TRANSFER_KIND and header.kind not in PAYROLL_KINDS:
            raise _FieldError("種別コード", f"種別コード {header.kind} is not 総合振込 (21)")
        date = _transfer_date(header, year, today)
    except _FieldError as e:
        reject = Reject(name, line, str(e), column=e.column, raw=_raw(rec))
        return _Group(line, None, None, f"header at line {line} is invalid: {e}"), reject
    return _Group(line, header, date, ""), None


def _data(name: str, line: int, rec: bytes, group: _Group) -> Result:
    group.count += 1
    fast = _fast_data(name, line, rec, group)
    if fast is not None:
        return fast
    try:
        data = parse_data(rec)
    except _FieldError as e:
        if e.column == "振込金額":
            group.unreadable += 1
        else:
            group.total += _amount_or_zero(rec)
        return Reject(name, line, str(e), column=e.column, raw=_raw(rec))
    group.total += data.amount
    if group.problem or group.header is None or group.date is None:
        return Reject(name, line, group.problem, column="header", raw=_raw(rec))
    if group.header.kind in PAYROLL_KINDS:
        return Skipped(name, line, f"{PAYROLL_KINDS[group.header.kind]} "
                       f"(種別 {group.header.kind}): payroll, not trade")
    memo = " ".join(s for s in (data.bank_name, data.branch_name) if s)
    return LedgerLine(
        file=name, line=line, date=group.date, direction=Direction.PAYMENT, amount=data.amount,
        counterparty=_payee(data.recipient_name.strip(), data.bank_account),
        memo=memo, entry_id=data.customer_code1,
    )


@lru_cache(maxsize=16384)  # the same payees in every file: one frozen object each
def _payee(name: str, bank_account: str) -> Counterparty:
    return Counterparty(name=name, bank_account=bank_account)


def _fast_data(name: str, line: int, rec: bytes, group: _Group) -> Result | None:
    """:func:`_data` (after counting) of a good record under a good header, without
    building a :class:`ZenginData`; None for anything else (a defect, a bad header,
    payroll), which the slow path handles.

    ``rec`` has passed :func:`_record_problem`: 120 half-width bytes, so in cp932 one
    character per byte (see :func:`_parse_half_width_data`).
    """
    header = group.header
    if group.problem or header is None or group.date is None or header.kind in PAYROLL_KINDS:
        return None
    t = rec.decode("cp932")
    bank, branch, account, amount_text = t[1:5], t[20:23], t[43:50], t[80:90]
    digits = bank + branch + t[42:43] + account + amount_text
    if not (digits.isascii() and digits.isdigit()):
        return None
    recipient = t[50:80].rstrip(" ")
    amount = int(amount_text)
    if not recipient.strip() or amount == 0:
        return None
    group.total += amount
    bank_name, branch_name = t[5:20].rstrip(" "), t[23:38].rstrip(" ")
    memo = f"{bank_name} {branch_name}" if bank_name and branch_name else bank_name or branch_name
    return new_ledger_line(name, line, group.date, Direction.PAYMENT, amount,
                           _payee(recipient.strip(), f"{bank}-{branch}-{account}"), memo,
                           t[91:101].rstrip(" "))


def _amount_or_zero(rec: bytes) -> int:
    s = _slice(rec, 81, 90)
    return int(s) if s.isdigit() else 0


def _check_trailer(name: str, line: int, rec: bytes, group: _Group) -> Reject | None:
    try:
        trailer = parse_trailer(rec)
    except _FieldError as e:
        return Reject(name, line, str(e), column=e.column, raw=_raw(rec))
    if trailer.count == group.count and trailer.total == group.total and not group.unreadable:
        return None
    found = f"found {group.count} records, ¥{group.total:,}"
    if group.unreadable:
        found += f" ({group.unreadable} with unreadable amounts)"
    return Reject(name, line, f"trailer says {trailer.count} records, ¥{trailer.total:,}; "
                  f"{found}", column="trailer", raw=_raw(rec),
                  extra={"expected_count": str(trailer.count), "expected_total": str(trailer.total),
                         "found_count": str(group.count), "found_total": str(group.total)})


def _no_trailer(name: str, group: _Group, before: str) -> Reject:
    return Reject(name, group.line, f"no trailer record (8) for this header before {before}",
                  column="trailer")


# --- strict parse for tests -------------------------------------------------


def parse_zengin_file(path: Path, *, year: int | None = None,
                      today: dt.date | None = None) -> ZenginFile:
    """Parse a well-formed single-group file; raise FormatError on any defect."""
    today = today or file_reference_date(path)
    result: ZenginFile | None = None
    for line, rec in iter_zengin_records(path):
        problem = _record_problem(rec)
        if problem:
            raise FormatError(f"{path.name} line {line}: {problem}")
        kind = rec[:1]
        try:
            if kind == b"1":
                if result is not None:
                    raise FormatError(f"{path.name} line {line}: a second header (use read_zengin)")
                header = parse_header(rec)
                result = ZenginFile(header, date=_transfer_date(header, year, today))
            elif result is None or result.has_end:
                raise FormatError(f"{path.name} line {line}: record out of order")
            elif kind == b"2" and result.trailer is None:
                result.records.append((line, parse_data(rec)))
            elif kind == b"8" and result.trailer is None:
                result = _with(result, trailer=parse_trailer(rec))
            elif kind == b"9" and result.trailer is not None:
                result = _with(result, has_end=True)
            else:
                raise FormatError(f"{path.name} line {line}: record {_raw(kind)!r} out of order")
        except _FieldError as e:
            raise FormatError(f"{path.name} line {line}: {e}") from None
    if result is None:
        raise FormatError(f"{path.name}: no header record")
    if result.trailer is None or not result.has_end:
        raise FormatError(f"{path.name}: no {'trailer' if result.trailer is None else 'end'} "
                          "record")
    found = (len(result.records), sum(d.amount for _, d in result.records))
    if (result.trailer.count, result.trailer.total) != found:
        raise FormatError(f"{path.name}: trailer says {result.trailer.count} records, "
                          f"¥{result.trailer.total:,}; found {found[0]}, ¥{found[1]:,}")
    return result


def _with(f: ZenginFile, *, trailer: ZenginTrailer | None = None,
          has_end: bool | None = None) -> ZenginFile:
    return ZenginFile(f.header, f.records, trailer or f.trailer,
                      f.has_end if has_end is None else has_end, f.date)
