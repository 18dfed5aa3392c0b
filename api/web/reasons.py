"""Why a ledger row was rejected, or a spelling waits for review, in the reader's language.

The readers (``ingest/``) write each reject's reason in English: it goes
into the quarantine CSV, the CLI and the API as it is. A page shows it
through :func:`reject_reason`, which recognises the reasons the readers
write (a table of patterns, each with an English message of the catalogs
and the values it names) and gives the translation; a reason it does not
know is shown as written. :func:`reject_column` does the same for the column
a reject names (the readers' field keys, such as ``debit_amount``; names
that are already the file's own, such as 借方金額, stay). :func:`review_reason`
does it for why name matching left a spelling to a person
(``ingest.matching.decide``).
"""

from __future__ import annotations

from api.web.i18n import N_, KnownForms, Locale, known_forms

__all__ = ["FORMAT_LABELS", "format_label", "REASONS", "REVIEW_REASONS", "reject_reason", "refusal_reason", "reject_column", "review_reason"]


# (pattern of the English reason, the catalogs' message[, groups that are
# themselves reasons to translate]). Values keep their quotes, as in the file.
_Q = r"'(?:[^'\\]|\\.)*'|\"(?:[^\"\\]|\\.)*\""  # a value as repr() quotes it
REASONS: KnownForms = known_forms(
    # a file refused as a whole (ingest.decode, ingest.readers.detect, ingest.load): the upload form
    (r"UTF-16 text(?: \(byte-order mark\))?, which is not supported: save it as UTF-8 or Shift_JIS",
     N_("The file is UTF-16 text, which is not supported: save it as UTF-8 or Shift_JIS")),
    (r"a spreadsheet \(Excel \.xlsx or \.xls\) or another packed file, not a text ledger: save the sheet as CSV "
     r"\(UTF-8 or Shift_JIS\) and load that",
     N_("An Excel workbook (.xlsx or .xls) or another packed file, not a text ledger: save the sheet as CSV "
        "(UTF-8 or Shift_JIS) and load that")),
    (r"binary file \((?P<share>\d+%) of the first (?P<n>[\d,]+) bytes are control bytes\), not a text ledger",
     N_("A binary file (%(share)s of its first %(n)s bytes are control bytes), not a text ledger")),
    (r"not UTF-8 and not Shift_JIS \(cp932\) \(EUC-JP or another encoding\): save it as UTF-8 or Shift_JIS",
     N_("The file is neither UTF-8 nor Shift_JIS (cp932) but EUC-JP or another encoding: save it as UTF-8 or "
        "Shift_JIS")),
    (r"empty file", N_("The file is empty")),
    (r"no rows in the first (?P<n>\d+) bytes", N_("No rows in the first %(n)s bytes")),
    (r"a firm master, not a ledger: it is loaded with `torihiki load` \(a delivery folder\) or "
     r"`torihiki firms import`",
     N_("A firm master, not a ledger: an administrator loads it with torihiki load (a delivery folder) or "
        "torihiki firms import")),
    (r"a file of management parameters, not a ledger: it is loaded with `torihiki load` \(a delivery folder\) or "
     r"`torihiki metrics import`",
     N_("A file of management parameters, not a ledger: an administrator loads it with torihiki load (a delivery "
        "folder) or torihiki metrics import")),
    (r"an extract of the 法人番号 registry, not a ledger: it is loaded with `torihiki load` \(a delivery folder\) "
     r"or `torihiki registry import`",
     N_("An extract of the 法人番号 registry, not a ledger: an administrator loads it with torihiki load (a delivery "
        "folder) or torihiki registry import")),
    (rf"unknown format \(first row (?P<row>{_Q}) is no known header, 弥生 row or 全銀 record\)",
     N_("Unknown format: the first row %(row)s is no known header, 弥生 row or 全銀 record")),
    (r"no header row matching (?P<which>.+?) \(a date, withdrawal and deposit or a signed amount, "
     r"a description\) in the first (?P<n>\d+) rows; describe the columns in a layout file",
     N_("No header row of a bank statement (a date, withdrawal and deposit or a signed amount, a "
        "description) in the first %(n)s rows; the file needs a layout file (torihiki ingest --bank-layout)")),
    (r"no client: no row of the file names its client; give the client whose ledger it is "
     r"\(--client, or client_id in a manifest\)",
     N_("No row of the file names its client: give the client whose ledger it is")),
    (r"its rows name another client than (?P<client>\S+) \((?P<named>[^)]*)\): give the client its rows name, "
     r"or none \(each row then names its own\)",
     N_("Its rows name another client than %(client)s (%(named)s): give the client its rows name")),
    (r"none of its (?P<n>\d+) lines is in the months chosen \((?P<months>[^)]*)\)",
     N_("None of its %(n)s lines is in the months chosen (%(months)s)")),
    (r"every row was rejected read as (?P<given>\S+), and the file is a (?P<found>\S+) file: load it as \S+, "
     r"or let the format be found",
     N_("Every row was rejected read as %(given)s, and the file is a %(found)s file: load it as %(found)s, or leave "
        "the format to be found")),
    (r"(?P<why>.+) \(read as (?P<format>\S+); nothing loaded\)",
     N_("%(why)s (read as %(format)s; nothing loaded)"), ("why",)),
    (r"line (?P<line>\d+): (?P<why>.+)", N_("Line %(line)s: %(why)s"), ("why",)),
    (r"no header record", N_("No header record")),
    (r"no trailer record", N_("No trailer record (8)")),
    (r"no end record", N_("No end record (9)")),
    # values (ingest.values, ingest.corporate_number)
    (rf"法人番号 must be 13 digits: (?P<text>{_Q})", N_("The 法人番号 must be 13 digits: %(text)s")),
    (rf"法人番号 check digit is wrong: (?P<text>{_Q})", N_("The 法人番号's check digit is wrong: %(text)s")),
    (rf"not an amount: (?P<text>{_Q})", N_("Not an amount: %(text)s")),
    (rf"amount has a fraction of a yen: (?P<text>{_Q})", N_("The amount has a fraction of a yen: %(text)s")),
    (r"empty amount", N_("The amount is empty")),
    (r"empty date", N_("The date is empty")),
    (rf"not a date: (?P<text>{_Q})", N_("Not a date: %(text)s")),
    (rf"era year 0 in (?P<text>{_Q})", N_("Year 0 of an era does not exist: %(text)s")),
    (rf"impossible date (?P<text>{_Q}): (?P<why>.+)", N_("No such date: %(text)s (%(why)s)"), ("why",)),
    (r"day is out of range for month", N_("the month has no such day")),
    (r"month must be in 1\.\.12", N_("the month must be 1 to 12")),
    (r"year (?P<year>-?\d+) is out of range", N_("year %(year)s is out of range")),
    (rf"not a month \(YYYY-MM\): (?P<text>{_Q})", N_("Not a month (YYYY-MM): %(text)s")),
    # the shape of a row
    (r"expected (?P<need>\d+) (?:fields|columns), found (?P<found>\d+)",
     N_("%(found)s fields where the format has %(need)s")),
    (r"too few columns \((?P<found>\d+)\)", N_("Too few fields (%(found)s)")),
    (r"more columns \((?P<found>\d+)\) than the header \((?P<need>\d+)\): a value with a comma, such as an amount "
     r"written 1,234,567, must be in quotes \(\"1,234,567\"\)",
     N_("More fields (%(found)s) than the header (%(need)s): a value with a comma, such as an amount written "
        "1,234,567, must be in quotes (\"1,234,567\")")),
    (r"malformed quoting: a quoted field is not closed right before a comma or the line end",
     N_("Malformed quoting: a quoted field is not closed right before a comma or the line end")),
    (r"record runs over (?P<n>\d+) lines \(unbalanced quote\?\)",
     N_("The record runs over %(n)s lines (an unbalanced quote?)")),
    (r"field too long: a field holds more than (?P<n>[\d,]+) characters \(the CSV field limit\)",
     N_("A field holds more than %(n)s characters (the CSV field limit)")),
    (r"bytes that are not valid in the file's encoding",
     N_("The row holds bytes that are not valid in the file's encoding")),
    (r"NUL byte in the row \(binary data\?\)", N_("The row holds a NUL byte (binary data?)")),
    (r"empty file \(no header row\)", N_("The file is empty (no header row)")),
    (r"header row: (?P<why>.+)", N_("Header row: %(why)s"), ("why",)),
    (r"(?P<label>.+) lacks required columns: (?P<columns>.+)",
     N_("Required columns are missing from the header (%(label)s): %(columns)s")),
    # whose row it is (ingest.load)
    (r"no client: the row has no client_id and none was given \(--client\)",
     N_("No client: the row names no client and none was given for the file (--client)")),
    (r"date (?P<date>\d{4}-\d{2}-\d{2}) is more than (?P<days>\d+) days after today \((?P<today>\d{4}-\d{2}-\d{2})\): "
     r"a ledger records what has happened; check the year \(a 全銀 file's header has none: give it\), "
     r"or roll this load back and load the file again once that date has come",
     N_("The date %(date)s is more than %(days)s days after today (%(today)s): a ledger records what has "
        "happened. Check the year (a 全銀 file's header has none: give it with the file), or roll this load "
        "back and load the file again once that date has come")),
    (rf"row's client_id (?P<row>{_Q}) differs from --client (?P<given>{_Q})",
     N_("The row's client %(row)s differs from the client given for the file, %(given)s")),
    (r"counterparty name is (?P<n>[\d,]+) characters long, over the cap of (?P<cap>\d+)",
     N_("The counterparty's name is %(n)s characters long, over the cap of %(cap)s")),
    (r"counterparty name holds only control or invisible characters",
     N_("The counterparty's name holds only control or invisible characters")),
    # journals (ingest.accounts, the 弥生 reader)
    (r"no amount on either side", N_("No amount on either side")),
    (r"debit account is blank and no other line of the entry names one",
     N_("The debit account is blank and no other line of the entry names one")),
    (r"credit account is blank and no other line of the entry names one",
     N_("The credit account is blank and no other line of the entry names one")),
    (rf"unknown 識別フラグ (?P<flag>{_Q}) \(2000, 2111, 2110, 2100, 2101\)",
     N_("Unknown 識別フラグ %(flag)s (2000, 2111, 2110, 2100 or 2101)")),
    (r"識別フラグ (?P<flag>\S+) without an open slip \(no 2110 line before it\)",
     N_("識別フラグ %(flag)s without an open slip (no 2110 line before it)")),
    (r"slip from line (?P<line>\d+) has no last line \(2101\) before (?P<why>.+)",
     N_("The slip from line %(line)s has no last line (2101) before %(why)s"), ("why",)),
    (r"a new entry starts at line (?P<line>\d+)", N_("a new entry starts at line %(line)s")),
    (r"the file ends", N_("the file ends")),
    (r"more than (?P<n>[\d,]+) lines", N_("more than %(n)s lines")),
    # bank statements
    (r"both withdrawal \((?P<withdrawal>.*)\) and deposit \((?P<deposit>.*)\)",
     N_("Both a withdrawal (%(withdrawal)s) and a deposit (%(deposit)s)")),
    (r"no withdrawal or deposit amount", N_("No withdrawal or deposit amount")),
    (r"no amount", N_("No amount")),
    # the canonical CSV
    (rf"direction must be sale, purchase, receipt or payment: (?P<text>{_Q})",
     N_("The direction must be sale, purchase, receipt or payment: %(text)s")),
    (r"法人番号 without a counterparty name or id", N_("法人番号 without a counterparty name or id")),
    # 全銀 transfer files
    (r"record is (?P<n>\d+) bytes, expected (?P<need>\d+)",
     N_("The record is %(n)s bytes, where a record has %(need)s")),
    (r"record is over (?P<n>\d+) bytes, expected (?P<need>\d+)",
     N_("The record is over %(n)s bytes, where a record has %(need)s")),
    (r"record has full-width or control bytes \(全銀 records are half-width\)",
     N_("The record has full-width or control bytes (全銀 records are half-width)")),
    (rf"(?P<field>\S+) \(bytes (?P<start>\d+)–(?P<end>\d+)\) must be digits: (?P<text>{_Q})",
     N_("%(field)s (bytes %(start)s–%(end)s) must be digits: %(text)s")),
    (r"recipient name \(bytes 51–80\) is blank", N_("The recipient's name (bytes 51–80) is blank")),
    (r"transfer amount is zero", N_("The transfer amount is zero")),
    (rf"transfer date (?P<text>{_Q}) \(MMDD\) is not a valid date",
     N_("The transfer date %(text)s (MMDD) is not a valid date")),
    (rf"unknown data type (?P<kind>{_Q}) \(1, 2, 8 or 9\)",
     N_("Unknown データ区分 %(kind)s (1, 2, 8 or 9)")),
    (r"data record after the end record \(9\)", N_("A data record after the end record (9)")),
    (r"data record after the trailer at line (?P<line>\d+) \(no new header\)",
     N_("A data record after the trailer at line %(line)s (no new header)")),
    (r"data record before any header \(1\)", N_("A data record before any header (1)")),
    (r"trailer record \(8\) without a header", N_("A trailer record (8) without a header")),
    (r"no trailer record \(8\) for this header before the next header at line (?P<line>\d+)",
     N_("No trailer record (8) for this header before the next header at line %(line)s")),
    (r"no trailer record \(8\) for this header before the end record at line (?P<line>\d+)",
     N_("No trailer record (8) for this header before the end record at line %(line)s")),
    (r"no trailer record \(8\) for this header before the end of the file",
     N_("No trailer record (8) for this header before the end of the file")),
    (r"file ends without an end record \(9\): truncated\?",
     N_("The file ends without an end record (9): truncated?")),
    (r"empty file: no header record", N_("The file is empty: no header record")),
    (r"trailer says (?P<count>[\d,]+) records, ¥(?P<total>[\d,]+); found (?P<found>[\d,]+) records, "
     r"¥(?P<found_total>[\d,]+)(?: \((?P<unreadable>[\d,]+) with unreadable amounts\))?",
     N_("The trailer says %(count)s records and ¥%(total)s; the file has %(found)s records and "
        "¥%(found_total)s")),
)

REVIEW_REASONS: KnownForms = known_forms(
    (r"score (?P<score>[\d.]+)", N_("Name similarity %(score)s")),
    (r"ambiguous: (?P<other>\S+) scores (?P<score>[\d.]+)",
     N_("Ambiguous: %(other)s is as similar (%(score)s)")),
    (r"best score (?P<score>[\d.]+) below (?P<least>[\d.]+)",
     N_("Best similarity %(score)s, below %(least)s")),
    (r"no candidate", N_("No candidate")),
)

_COLUMNS: dict[str, str] = {
    "fields": N_("fields"),
    "date": N_("date"),
    "amount": N_("amount"),
    "debit_amount": N_("debit amount"),
    "credit_amount": N_("credit amount"),
    "debit_account": N_("debit account"),
    "credit_account": N_("credit account"),
    "client_id": N_("client"),
    "counterparty": N_("counterparty"),
    "counterparty_name": N_("counterparty's name"),
    "corporate_number": N_("counterparty's 法人番号"),
    "direction": N_("direction"),
    "withdrawal": N_("withdrawal"),
    "deposit": N_("deposit"),
    "header": N_("header"),
    "trailer": N_("trailer"),
    "record": N_("record"),
}
"""The readers' field keys a reject may name, as a reader calls them."""


FORMAT_LABELS: dict[str, str] = {
    "canonical": N_("Canonical CSV"),
    "yayoi": N_("弥生会計 journal"),
    "freee": N_("freee journal"),
    "moneyforward": N_("Money Forward journal"),
    "zengin": N_("全銀 transfer file"),
    "bank": N_("Bank statement"),
}
"""The ledger formats (``ingest.readers.detect.Format``) as people call them."""


def format_label(fmt: str, loc: Locale) -> str:
    """A ledger format's key (``zengin`` …) as people call it in ``loc``'s language."""
    message = FORMAT_LABELS.get(fmt)
    return loc.gettext(message) if message is not None else fmt


def reject_reason(text: str, loc: Locale) -> str:
    """``text`` (a reader's reason, in English) in ``loc``'s language; as
    written when it is not one of :data:`REASONS`."""
    return loc.known(text, REASONS)


def review_reason(text: str, loc: Locale) -> str:
    """Why matching left a spelling to review (``ingest.matching``'s English),
    in ``loc``'s language; as written when it is not one of :data:`REVIEW_REASONS`."""
    return loc.known(text, REVIEW_REASONS)


def refusal_reason(text: str, file: str, loc: Locale) -> str:
    """Why ``file`` was refused as a whole (:class:`ingest.load.IngestError`'s
    text, which starts with the file's name) in ``loc``'s language."""
    rest = text.removeprefix(file).removeprefix(":").strip() if text.startswith(file) else text
    return loc.known(rest, REASONS)


def reject_column(key: str, loc: Locale) -> str:
    """The column a reject names, as a reader calls it in ``loc``'s language."""
    message = _COLUMNS.get(key)
    return loc.gettext(message) if message is not None else key
