"""Firm master reader and JSIC helpers."""

from __future__ import annotations

import csv
import io
import tempfile
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ingest.jsic import DIVISIONS, default_sme_sector, division_name, is_sme, parse_division
from ingest.readers.firm_master import (
    PREFECTURES,
    FirmRecord,
    parse_flag,
    parse_prefecture,
    read_firm_master,
)
from ingest.records import Reject

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "master"


def test_english_header_utf8() -> None:
    recs = list(read_firm_master(FIXTURES / "firm_master_en.csv"))
    assert all(isinstance(r, FirmRecord) for r in recs)
    firms = {r.firm_id: r for r in recs if isinstance(r, FirmRecord)}
    assert list(firms) == ["C001", "C002", "C003", "C004", "C005", "C006"]
    c1 = firms["C001"]
    assert (c1.name, c1.corporate_number, c1.industry, c1.prefecture) == (
        "株式会社山田商事", "7123456789012", "E", "鳥取県")
    assert c1.is_client and c1.consented_banks == ("0179", "0180")
    assert (firms["C002"].industry, firms["C002"].prefecture) == ("D", "島根県")
    assert (firms["C003"].prefecture, firms["C003"].is_client) == ("鳥取県", False)
    assert firms["C004"].industry == "I" and firms["C004"].prefecture is None
    assert firms["C004"].line == 6  # the blank line 5 is skipped, lines stay physical
    assert firms["C005"].consented_banks == ("0179", "0190")  # spaces trimmed, duplicate dropped


def test_japanese_header_cp932() -> None:
    recs = list(read_firm_master(FIXTURES / "firm_master_ja_cp932.csv"))
    firms = {r.firm_id: r for r in recs if isinstance(r, FirmRecord)}
    assert len(firms) == 3 == len(recs)
    assert firms["1"].corporate_number == "7123456789012"  # T-number accepted
    assert firms["1"].industry == "E"  # full-width Ｅ
    assert firms["1"].is_client
    assert firms["1"].consented_banks == ("山陰合同銀行", "鳥取銀行")  # full-width ； separator
    assert not firms["2"].is_client
    assert (firms["3"].industry, firms["3"].prefecture) == ("L", "島根県")


def test_bad_rows_rejected_with_column() -> None:
    recs = list(read_firm_master(FIXTURES / "firm_master_bad.csv"))
    assert isinstance(recs[0], FirmRecord)
    rejects = [r for r in recs[1:] if isinstance(r, Reject)]
    assert len(rejects) == len(recs) - 1
    assert [(r.line, r.column) for r in rejects] == [
        (3, "corporate_number"), (4, "industry"), (5, "prefecture"), (6, "is_client"),
        (7, "firm_id"), (8, "name"), (9, "firm_id"), (10, ""),
    ]
    assert "duplicate firm_id 'B001' (first at line 2)" in rejects[6].reason


def _write(text: str, encoding: str = "utf-8") -> Path:
    with tempfile.NamedTemporaryFile(suffix=".csv", delete=False) as fh:
        fh.write(text.encode(encoding))
    return Path(fh.name)


def test_missing_header_columns_one_reject() -> None:
    path = _write("id_of_something,foo\r\n1,2\r\n")
    try:
        out = list(read_firm_master(path))
    finally:
        path.unlink()
    assert len(out) == 1 and isinstance(out[0], Reject)
    assert "firm_id" in out[0].reason and out[0].line == 1
    empty = _write("")
    try:
        assert [r.reason for r in read_firm_master(empty)] == ["empty file (no header row)"]  # type: ignore[union-attr]
    finally:
        empty.unlink()


def test_a_pseudonym_shaped_id_is_refused() -> None:
    """``p-…`` is what a bank sees for a partner that did not consent: a firm
    of the master may not look like one (its signals would be left out)."""
    path = _write("firm_id,name\r\np-001,株式会社ピー\r\nF1,株式会社エフ\r\n")
    try:
        first, second = list(read_firm_master(path))
    finally:
        path.unlink()
    assert isinstance(first, Reject) and first.column == "firm_id" and "pseudonyms" in first.reason
    assert not isinstance(second, Reject) and second.firm_id == "F1"


@pytest.mark.parametrize(
    ("text", "letter"),
    [("E", "E"), ("e", "E"), ("ｅ", "E"), ("Ｅ", "E"), ("E 製造業", "E"), ("E:製造業", "E"),
     ("製造業", "E"), ("卸売業、小売業", "I"), ("卸売業・小売業", "I"), ("医療，福祉", "P"),
     ("サービス業（他に分類されないもの）", "R"), ("公務", "S"), ("T", "T")],
)
def test_parse_division(text: str, letter: str) -> None:
    assert parse_division(text) == letter


@pytest.mark.parametrize("text", ["U", "Z", "", "E 建設業", "製造", "EE"])
def test_parse_division_rejects(text: str) -> None:
    with pytest.raises(ValueError):
        parse_division(text)


def test_jsic_table_and_sme() -> None:
    assert list(DIVISIONS) == [chr(c) for c in range(ord("A"), ord("T") + 1)]
    assert division_name("P") == "医療・福祉"
    assert default_sme_sector("E") == "manufacturing_other"
    assert default_sme_sector("I") is None  # wholesale or retail: needs the actual business
    assert is_sme("manufacturing_other", capital_yen=300_000_000) is True
    assert is_sme("manufacturing_other", capital_yen=400_000_000, employees=301) is False
    assert is_sme("retail", capital_yen=80_000_000, employees=50) is True  # either criterion
    assert is_sme("services", employees=101) is False
    assert is_sme("wholesale") is None


def test_prefecture_and_flag() -> None:
    assert len(PREFECTURES) == 47
    assert parse_prefecture("31") == parse_prefecture("鳥取") == parse_prefecture("鳥取県") == "鳥取県"
    assert parse_prefecture("31201") == "鳥取県"
    assert parse_prefecture("東京") == "東京都" and parse_prefecture("京都") == "京都府"
    assert parse_prefecture("01") == "北海道" and parse_prefecture("") is None
    with pytest.raises(ValueError):
        parse_prefecture("48")
    assert parse_flag("○") and parse_flag("TRUE") and not parse_flag("") and not parse_flag("×")
    with pytest.raises(ValueError):
        parse_flag("2")


HEADER = ["firm_id", "name", "corporate_number", "industry", "prefecture", "is_client", "consented_banks"]


@settings(max_examples=80, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.text(alphabet="山田商事株式会社ｶﾔﾏﾀﾞ()ABC １", min_size=1, max_size=12).filter(str.strip),
            st.sampled_from(list(DIVISIONS) + ["", "製造業"]),
            st.sampled_from(list(PREFECTURES) + ["", "31"]),
            st.sampled_from(["1", "0", "", "はい"]),
            st.lists(st.sampled_from(["0179", "0180", "山陰合同銀行"]), max_size=3),
            st.sampled_from(["none", "industry", "prefecture", "flag", "number", "id", "short"]),
        ),
        max_size=10,
    ),
    st.sampled_from(["utf-8", "cp932"]),
)
def test_random_rows(rows: list[tuple[str, str, str, str, list[str], str]], encoding: str) -> None:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\r\n")
    w.writerow(HEADER)
    for i, (name, industry, pref, flag, banks, corruption) in enumerate(rows):
        cells = [f"F{i}", name, "", industry, pref, flag, ";".join(banks)]
        if corruption == "industry":
            cells[3] = "X"
        elif corruption == "prefecture":
            cells[4] = "ムー県"
        elif corruption == "flag":
            cells[5] = "多分"
        elif corruption == "number":
            cells[2] = "1234567890123"  # wrong check digit
        elif corruption == "id":
            cells[0] = " "
        elif corruption == "short":
            cells = cells[:3]
        w.writerow(cells)
    path = _write(buf.getvalue(), encoding)
    try:
        out = list(read_firm_master(path))
    finally:
        path.unlink()
    assert len(out) == len(rows)
    for i, ((_name, industry, pref, flag, banks, corruption), rec) in enumerate(
            zip(rows, out, strict=True)):
        assert rec.line == i + 2
        if corruption == "none":
            assert isinstance(rec, FirmRecord), rec
            assert rec.firm_id == f"F{i}"
            assert rec.industry == (parse_division(industry) if industry else None)
            assert rec.prefecture == parse_prefecture(pref)
            assert rec.is_client == (None if not flag.strip() else flag in ("1", "はい"))  # empty: unsaid
            assert set(rec.consented_banks) == set(banks)
        else:
            assert isinstance(rec, Reject) and rec.reason
