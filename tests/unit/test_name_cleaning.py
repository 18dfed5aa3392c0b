"""Names cleaned at the door: control, bidi and zero-width characters removed and the rows
counted in the load summary; overlong names and oversized CSV fields rejected with their reason."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from api.commands.ingest import Totals, print_summary
from ingest.imports import import_firms, import_registry
from ingest.load import load_file
from ingest.names import MAX_NAME_CHARS, NameScreen, clean_name, name_problem
from ingest.readers.detect import read_ledger
from ingest.records import Counterparty, Direction, LedgerLine, Reject, Skipped
from queries.store import Store
from tests.conftest import SHARED_DATA


@pytest.mark.parametrize(("raw", "clean"), [
    ("株式会社\u200b山田商事", "株式会社山田商事"),  # zero-width space
    ("山田\u200c商\u200d事\u2060", "山田商事"),  # ZWNJ, ZWJ, word joiner
    ("\ufeff山田商事", "山田商事"),  # BOM at the start
    ("山田\ufeff商事", "山田商事"),  # and inside
    ("ABC\u202eXYZ\u202c", "ABCXYZ"),  # right-to-left override + pop
    ("\u202a\u202b\u202d株式会社X", "株式会社X"),  # embeddings, LTR override
    ("\u2066山田\u2069\u2067商事\u2068", "山田商事"),  # isolates
    ("山田\u200e商事\u200f", "山田商事"),  # LRM, RLM
    ("ｶ)ﾔﾏﾀﾞ\x1b[31m赤\x1b[0m", "ｶ)ﾔﾏﾀﾞ赤"),  # a terminal colour sequence, whole
    ("山田\x1b]0;title\x07商事", "山田商事"),  # OSC (window title)
    ("山田\x1bc商事", "山田商事"),  # a two-character escape (reset)
    ("山田\x9b2J商事", "山田商事"),  # C1 CSI
    ("山田\x00商\x07事\x7f", "山田商事"),  # NUL, BEL, DEL
    ("山田\x80商\x9f事", "山田商事"),  # C1
    ("山田\t商事\r\n東京支店", "山田 商事 東京支店"),  # word-separating controls → one space
    ("山田商事\x85", "山田商事"),  # NEL at the end
])
def test_clean_name_removes(raw: str, clean: str) -> None:
    assert clean_name(raw) == clean


@pytest.mark.parametrize("name", [
    "株式会社山田商事", "山田\u3000商事", "㈱山田商事", "ｶ)ﾔﾏﾀﾞｼﾖｳｼﾞ", "ABC Trading Co.", "",
    " 山田商事 ", "ｳﾞｨﾗ", "髙橋工業（株）",
])
def test_clean_name_keeps_ordinary_names(name: str) -> None:
    assert clean_name(name) is name  # the same object: nothing to clean


def test_name_cap() -> None:
    assert MAX_NAME_CHARS == 200
    assert name_problem("あ" * 200) is None
    assert name_problem("あ" * 201) == "name is 201 characters long, over the cap of 200"


def _line(name: str, line: int) -> LedgerLine:
    return LedgerLine("f.csv", line, dt.date(2025, 7, 1), Direction.SALE, 1000,
                      Counterparty(name, corporate_number="7123456789012"))


def test_screen_cleans_counts_and_rejects() -> None:
    screen = NameScreen()
    items: list[LedgerLine | Reject | Skipped] = [
        _line("山田商事", 2), _line("山田\u200b商事", 3), Skipped("f.csv", 4, "fee"),
        _line("x" * 201, 5), _line("\u202e\u200b", 6), _line("山田\u200b商事", 7),
        Reject("f.csv", 8, "bad date"),
    ]
    got = list(screen.rows(items))
    assert got[0] is items[0] and got[2] is items[2] and got[6] is items[6]
    assert isinstance(got[1], LedgerLine) and got[1].counterparty.name == "山田商事"
    assert got[1].counterparty.corporate_number == "7123456789012" and got[1].line == 3
    assert isinstance(got[5], LedgerLine) and got[5].counterparty.name == "山田商事"
    assert isinstance(got[3], Reject) and got[3].line == 5 and got[3].column == "counterparty"
    assert got[3].reason == "counterparty name is 201 characters long, over the cap of 200"
    assert isinstance(got[4], Reject) and "only control or invisible" in got[4].reason
    assert (screen.cleaned, screen.cleaned_lines) == (2, [3, 7])


def test_screen_lists_only_the_first_lines() -> None:
    screen = NameScreen()
    list(screen.rows(_line(f"a\u200b{i % 3}", i) for i in range(1, 101)))
    assert screen.cleaned == 100 and screen.cleaned_lines == list(range(1, 21))


HEADER = "日付,取引先名,区分,金額\r\n"


def test_load_summary_counts_cleaned_rows(embedded_store: Store, tmp_path: Path,
                                          capsys: pytest.CaptureFixture[str]) -> None:
    """Through the loader: every reader's names pass the screen once, the summary
    flags the cleaned rows (count and lines) and the CLI prints a warning."""
    f = tmp_path / "ledger.csv"
    f.write_text(HEADER
                 + "2025-07-01,株式会社山田商事,売上,1000\r\n"  # 2
                 + "2025-07-02,株式会社\u200b山田商事,売上,2000\r\n"  # 3 cleaned
                 + "2025-07-03,\u202e株式会社ABC\u202c,仕入,3000\r\n"  # 4 cleaned
                 + "2025-07-04,\x1b[2J株式会社ESC,仕入,4000\r\n"  # 5 cleaned
                 + f"2025-07-05,{'長' * 201},売上,5000\r\n",  # 6 too long
                 encoding="utf-8")
    rejects = tmp_path / "rejects"
    s = load_file(embedded_store, f, "F0001", fmt="canonical",
                  reader=lambda p: read_ledger(p, "canonical"), rejects_dir=rejects)
    assert (s.rows_read, s.rows_loaded, s.rows_rejected) == (5, 4, 1)
    assert (s.rows_cleaned, s.cleaned_lines) == (3, [3, 4, 5])
    assert s.to_dict()["rows_cleaned"] == 3
    quarantine = Path(s.rejects_path).read_text(encoding="utf-8")
    assert "over the cap of 200" in quarantine and ",6,counterparty," in quarantine
    firms, _ = embedded_store.search_firms("", 100, 0)
    names = [f.name or "" for f in firms]
    assert "株式会社ABC" in names and "株式会社ESC" in names
    assert not any(c in n for n in names for c in "\u200b\u202e\u202c\x1b")
    print_summary(s)
    out = capsys.readouterr().out
    assert "warning: " in out and "3 rows had control, bidirectional or zero-width" in out
    assert "(lines 3, 4, 5)" in out
    totals = Totals()
    totals.add(s)
    assert totals.rows_cleaned == 3 and "3 names cleaned" in totals.line()


EXT = SHARED_DATA / "external"


def test_firm_master_names_cleaned(embedded_store: Store, tmp_path: Path) -> None:
    """The firm master's names pass the same door (ingest.imports)."""
    f = tmp_path / "firms.csv"
    f.write_text("firm_id,name\r\nF1,株式会社\u200b山田商事\r\nF2,\u202e有限会社ABC\r\n"
                 f"F3,{'長' * 201}\r\nF4,普通の会社\r\n", encoding="utf-8")
    s = import_firms(embedded_store, f, tmp_path / "rejects")
    assert (s.rows_read, s.rows_loaded, s.rows_rejected) == (4, 3, 1)
    assert (s.rows_cleaned, s.cleaned_lines) == (2, [2, 3])
    assert "over the cap of 200" in s.first_reject and s.first_reject.startswith("line 4")
    firm1, firm2 = embedded_store.get_firm("F1"), embedded_store.get_firm("F2")
    assert firm1 is not None and firm1.name == "株式会社山田商事"
    assert firm2 is not None and firm2.name == "有限会社ABC"
    assert embedded_store.get_firm("F3") is None


def test_registry_names_cleaned(embedded_store: Store, tmp_path: Path) -> None:
    """An NTA row (the external sample's second row) with a zero-width space in its name."""
    rows = (EXT / "nta_houjin_bangou_tottori_sample.csv").read_text(encoding="utf-8").splitlines()
    f = tmp_path / "registry.csv"
    f.write_text(rows[1].replace("島田商事", "島田\u200b商事\u2066") + "\n", encoding="utf-8")
    s = import_registry(embedded_store, f, tmp_path / "rejects")
    assert (s.rows_loaded, s.rows_cleaned, s.cleaned_lines) == (1, 1, [1])
    rec = embedded_store.registry_get("1280001002413")
    assert rec is not None and rec.name == "島田商事株式会社"


# --- an oversized CSV field is "field too long" ----------------------------------

BIG = "あ" * 140_000  # over the csv module's field limit (131,072)
TOO_LONG = "field too long: a field holds more than 131,072 characters (the CSV field limit)"


@pytest.mark.parametrize("quoted", [False, True])
def test_oversized_field_canonical(tmp_path: Path, quoted: bool) -> None:
    f = tmp_path / "ledger.csv"
    cell = f'"{BIG}"' if quoted else BIG
    f.write_text(f"{HEADER}2025-07-01,{cell},売上,100\r\n2025-07-02,山田商事,売上,5\r\n",
                 encoding="utf-8")
    got = list(read_ledger(f, "canonical"))
    assert isinstance(got[0], Reject) and (got[0].line, got[0].reason) == (2, TOO_LONG)
    assert isinstance(got[1], LedgerLine) and got[1].line == 3


def test_oversized_field_firm_master_registry_parameters_manifest(tmp_path: Path) -> None:
    from ingest.manifest import read_manifest
    from ingest.readers.firm_master import read_firm_master
    from ingest.readers.parameters import read_parameters
    from ingest.readers.registry import read_registry

    f = tmp_path / "firms.csv"
    f.write_text(f"firm_id,name\r\nF1,{BIG}\r\nF2,普通の会社\r\n", encoding="utf-8")
    got = list(read_firm_master(f))
    assert isinstance(got[0], Reject) and (got[0].line, got[0].reason) == (2, TOO_LONG)
    assert not isinstance(got[1], Reject) and got[1].line == 3
    f.write_text(f"1,1280001002413,01,{BIG}\r\n", encoding="utf-8")
    (reg,) = list(read_registry(f))
    assert isinstance(reg, Reject) and reg.reason == TOO_LONG
    f.write_text(f"firm_id,period,ordinary_margin_pct\r\nF1,FY2024,{BIG}\r\n", encoding="utf-8")
    (par,) = list(read_parameters(f))
    assert isinstance(par, Reject) and par.reason == TOO_LONG
    f.write_text(f"path,client_id\r\n{BIG},F1\r\n", encoding="utf-8")
    entries, bad = read_manifest(f)
    assert entries == [] and [r.reason for r in bad] == [TOO_LONG]


def test_oversized_field_journal_readers(tmp_path: Path) -> None:
    """freee and 弥生 pass the defect's reason on (csvrows.csv_error_reason)."""
    f = tmp_path / "yayoi.csv"
    f.write_text("2000,1,,2025/07/01,売掛金," + BIG + ",,対象外,100,0,売上高,,,対象外,100,0,"
                 + ",,,0,,,0,0,no\r\n", encoding="cp932")
    got = list(read_ledger(f, "yayoi"))
    assert [(r.line, r.reason) for r in got if isinstance(r, Reject)] == [(1, TOO_LONG)]
