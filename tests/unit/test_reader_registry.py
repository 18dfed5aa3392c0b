"""NTA 法人番号 bulk CSV reader: the real sample file, hand-made rows, random corruption."""

from __future__ import annotations

import csv
import datetime as dt
import io
import tempfile
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ingest import corporate_number
from ingest.names import normalize_name
from ingest.readers.registry import N_COLUMNS, RegistryEntry, read_registry
from ingest.records import Reject
from tests.conftest import SHARED_DATA

EXTERNAL = SHARED_DATA / "external"
SAMPLE = EXTERNAL / "nta_houjin_bangou_tottori_sample.csv"


def test_real_sample_every_row_parses() -> None:
    rows = list(read_registry(SAMPLE))
    assert len(rows) == 5
    assert all(isinstance(r, RegistryEntry) for r in rows)
    entries = [r for r in rows if isinstance(r, RegistryEntry)]
    assert [e.line for e in entries] == [1, 2, 3, 4, 5]
    assert all(corporate_number.is_valid(e.corporate_number) for e in entries)
    court, shimada, souvenir, tm, hap = entries
    assert (court.corporate_number, court.name, court.kind_code) == ("1000013050238", "鳥取簡易裁判所", "101")
    assert (court.prefecture, court.city, court.street) == ("鳥取県", "鳥取市", "東町2丁目223")
    assert court.prefecture_code == "31"
    assert court.furigana == "トットリカンイサイバンショ"
    assert court.name_en == "Tottori Summary Court"
    assert court.legal_form is None
    assert court.updated == dt.date(2018, 4, 2)
    # 処理区分 21: the registration was closed on 2018-01-05 (cause 01: liquidation finished).
    assert shimada.name == "島田商事株式会社"
    assert (shimada.process, shimada.closed, shimada.close_cause) == ("21", dt.date(2018, 1, 5), "01")
    assert shimada.is_closed and not court.is_closed
    assert shimada.furigana is None
    # Full-width letters are NFKC'd.
    assert souvenir.name == "株式会社souvenir"
    assert tm.name == "株式会社T&Mコンサルティング"
    assert (hap.name, hap.kind_code, hap.legal_form) == ("有限会社HAP観光", "302", "yugen")
    assert souvenir.legal_form == "kabushiki"
    # The names feed entity resolution.
    assert normalize_name(souvenir.name).core == "SOUVENIR"
    assert normalize_name(hap.name).legal_form == hap.legal_form


def _number(base: int) -> str:
    base12 = f"{base % 10**12:012d}"
    return f"{corporate_number.check_digit(base12)}{base12}"


def _row(number: str, name: str = "山田商事株式会社", kind: str = "301", furigana: str = "") -> list[str]:
    cells = [""] * N_COLUMNS
    cells[0] = "1"
    cells[1] = number
    cells[2] = "01"
    cells[3] = "0"
    cells[4] = "2024-04-01"
    cells[5] = "2024-04-01"
    cells[6] = name
    cells[8] = kind
    cells[9] = "鳥取県"
    cells[10] = "鳥取市"
    cells[11] = "東町１丁目"
    cells[13] = "31"
    cells[22] = "2015-10-05"
    cells[23] = "1"
    cells[28] = furigana
    cells[29] = "0"
    return cells


def _write(rows: list[list[str]], encoding: str = "utf-8", bom: bool = False) -> Path:
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\r\n", quoting=csv.QUOTE_MINIMAL).writerows(rows)
    data = buf.getvalue().encode(encoding)
    if bom:
        data = b"\xef\xbb\xbf" + data
    with tempfile.NamedTemporaryFile(suffix=".csv", delete=False) as fh:
        fh.write(data)
    return Path(fh.name)


@pytest.mark.parametrize(("encoding", "bom"), [("utf-8", False), ("utf-8", True), ("cp932", False)])
def test_encodings(encoding: str, bom: bool) -> None:
    path = _write([_row(_number(123456789012), "㈱髙橋ｓｈｏｐ", furigana="タカハシショップ")], encoding, bom)
    try:
        (entry,) = read_registry(path)
    finally:
        path.unlink()
    assert isinstance(entry, RegistryEntry)
    assert entry.corporate_number == "7123456789012"
    assert entry.name == "(株)髙橋shop"
    assert entry.furigana == "タカハシショップ"


def test_bad_rows_are_rejected_with_reasons() -> None:
    good = _number(1)
    bad_check = str((int(good[0]) % 9) + 1) + good[1:]
    successor_bad = _row(_number(2))
    successor_bad[20] = bad_check
    rows = [
        _row(good),
        _row(bad_check),
        _row(good)[:29],
        _row(good) + ["extra"],
        _row(good, name="  "),
        _row(good, kind="30A"),
        successor_bad,
        ["法人番号", "名称"] + [""] * 28,  # a header row the NTA file does not have
    ]
    path = _write(rows)
    try:
        out = list(read_registry(path))
    finally:
        path.unlink()
    assert isinstance(out[0], RegistryEntry)
    rejects = out[1:]
    assert all(isinstance(r, Reject) for r in rejects)
    reasons = [(r.line, r.column, r.reason) for r in rejects if isinstance(r, Reject)]
    assert reasons[0][:2] == (2, "corporate_number") and "check digit" in reasons[0][2]
    assert "expected 30 columns, found 29" in reasons[1][2]
    assert "found 31" in reasons[2][2]
    assert reasons[3][1] == "name"
    assert reasons[4][1] == "kind_code"
    assert reasons[5][1] == "successor"
    assert reasons[6][1] == "corporate_number"


NAME_CHARS = "山田商事株式会社有限ヤマダショウジアイウＡＢＣａｂｃ１２３㈱（）・ 　"


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.integers(min_value=0, max_value=10**12 - 1),
            st.text(alphabet=NAME_CHARS, min_size=1, max_size=20).filter(lambda s: s.strip()),
            st.sampled_from(["none", "check", "short", "long", "kind", "date"]),
        ),
        min_size=1,
        max_size=12,
    ),
    st.sampled_from(["utf-8", "cp932"]),
)
def test_random_and_corrupted_rows(rows: list[tuple[int, str, str]], encoding: str) -> None:
    cells_list = []
    for base, name, corruption in rows:
        number = _number(base)
        cells = _row(number, name)
        if corruption == "check":
            cells[1] = str((int(number[0]) % 9) + 1) + number[1:]
        elif corruption == "short":
            cells = cells[: N_COLUMNS - 3]
        elif corruption == "long":
            cells = [*cells, "x"]
        elif corruption == "kind":
            cells[8] = "株式"
        elif corruption == "date":
            cells[18] = "2024-13-45"
        cells_list.append(cells)
    path = _write(cells_list, encoding)
    try:
        out = list(read_registry(path))
    finally:
        path.unlink()
    assert len(out) == len(rows)  # every row accounted for, none dropped
    for (base, _name, corruption), rec, line in zip(rows, out, range(1, len(rows) + 1), strict=True):
        assert rec.line == line
        if corruption == "none":
            assert isinstance(rec, RegistryEntry)
            assert rec.corporate_number == _number(base)
            assert corporate_number.is_valid(rec.corporate_number)
        else:
            assert isinstance(rec, Reject)
            assert rec.reason


@settings(max_examples=60, deadline=None)
@given(st.binary(max_size=400))
def test_arbitrary_bytes_never_raise(data: bytes) -> None:
    with tempfile.NamedTemporaryFile(suffix=".csv", delete=False) as fh:
        fh.write(data)
    path = Path(fh.name)
    try:
        try:
            out = list(read_registry(path))
        except ValueError as e:  # only the documented encoding error may escape
            assert "UTF-8" in str(e) or "binary" in str(e)
            return
    finally:
        path.unlink()
    for rec in out:
        if isinstance(rec, RegistryEntry):
            assert corporate_number.is_valid(rec.corporate_number)
        else:
            assert rec.reason
