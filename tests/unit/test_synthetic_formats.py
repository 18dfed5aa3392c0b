"""Generated files are structurally valid in the formats of formats.md."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from ingest import corporate_number
from synthetic import GenerateConfig, generate
from synthetic.names import FirmName, bank_kana, to_bank_kana
from synthetic.writers.moneyforward import CURRENT_HEADER, LEGACY_HEADER


@pytest.fixture(scope="module")
def region(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("fmt") / "region"
    generate(GenerateConfig(firms=600, clients=80, months=13, seed=3, out=out, noise="high"))
    return out


def _manifest(region: Path) -> list[dict[str, str]]:
    with (region / "manifest.csv").open(encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def test_manifest_lists_every_ledger_file(region: Path) -> None:
    rows = _manifest(region)
    listed = {r["path"] for r in rows}
    on_disk = {p.relative_to(region).as_posix() for p in (region / "ledgers").rglob("*")
               if p.is_file()}
    assert listed == on_disk
    formats = {r["format"] for r in rows}
    assert formats <= {"canonical", "yayoi", "freee", "moneyforward", "zengin", "bank"}
    assert {"yayoi", "freee", "moneyforward", "zengin"} <= formats
    for r in rows:
        assert r["client_id"] in r["path"]


def test_zengin_records(region: Path) -> None:
    files = [region / r["path"] for r in _manifest(region) if r["format"] == "zengin"]
    assert files
    for f in files:
        data = f.read_bytes()
        recs = data.split(b"\r\n")
        assert recs[-1] == b""
        recs = recs[:-1]
        assert all(len(r) == 120 for r in recs)
        text = [r.decode("cp932") for r in recs]
        assert all(len(t) == 120 for t in text)  # half-width only: 1 byte per character
        assert text[0][:3] == "121" and text[-2][0] == "8" and text[-1][0] == "9"
        data_recs = [t for t in text if t[0] == "2"]
        assert [t[0] for t in text] == ["1"] + ["2"] * len(data_recs) + ["8", "9"]
        assert int(text[-2][1:7]) == len(data_recs)
        assert int(text[-2][7:19]) == sum(int(t[80:90]) for t in data_recs)
        for t in data_recs:
            name = t[50:80].rstrip()
            assert name and len(name.encode("cp932")) <= 30


def test_yayoi_fields_encoding_and_slips(region: Path) -> None:
    files = [region / r["path"] for r in _manifest(region) if r["format"] == "yayoi"]
    assert files
    flags: set[str] = set()
    for f in files:
        raw = f.read_bytes()
        text = raw.decode("cp932")
        assert "\r\n" in text and "\n" not in text.replace("\r\n", "")
        for row in csv.reader(text.splitlines()):
            if row[0].startswith("#"):
                continue
            flags.add(row[0])
            if len(row) != 25:
                continue  # a planted bad row (checked in the truth tests)
    assert {"2000", "2111", "2110", "2101"} <= flags


def test_journal_headers(region: Path) -> None:
    seen = set()
    for r in _manifest(region):
        path = region / r["path"]
        if r["format"] == "moneyforward":
            raw = path.read_bytes()
            text = raw.decode("utf-8-sig") if raw.startswith(b"\xef\xbb\xbf") else raw.decode("cp932")
            header = next(csv.reader([text.splitlines()[0]]))
            assert header in (CURRENT_HEADER, LEGACY_HEADER)
            assert len(CURRENT_HEADER) == 27
            seen.add(len(header))
        elif r["format"] == "bank":
            header = path.read_bytes().decode("cp932").splitlines()[0]
            assert header == "日付,摘要,支払い金額,預かり金額,差引残高"
    assert 27 in seen


def test_registry_and_master(region: Path) -> None:
    with (region / "registry.csv").open(encoding="utf-8") as fh:
        rows = list(csv.reader(fh))
    assert rows
    for row in rows:
        assert len(row) == 30
        assert corporate_number.is_valid(row[1])
        assert row[8] in {"301", "302", "303", "304", "305", "399"}
        assert not any(ch.isascii() and ch.isalnum() for ch in row[6])  # full-width letters
        assert row[13] in {"31", "32", "33", "34", "35"}
        assert all("ァ" <= ch <= "ヶ" or ch == "ー" for ch in row[28])
    with (region / "firms.csv").open(encoding="utf-8") as fh:
        firms = list(csv.DictReader(fh))
    assert len(firms) == 80
    for f in firms:
        assert f["firm_id"].startswith("F") and len(f["firm_id"]) == 7
        assert f["corporate_number"] == "" or corporate_number.is_valid(f["corporate_number"])
        assert f["is_client"] == "1"
        for b in filter(None, f["consented_banks"].split(";")):
            assert b.startswith("bank:")


def test_parameters(region: Path) -> None:
    with (region / "parameters.csv").open(encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    assert rows
    assert list(rows[0]) == ["firm_id", "period", "size_class", "profitable",
                             "ordinary_margin_pct", "employees", "nonregular_ratio_pct",
                             "overtime_hours", "ar_turnover_days", "indirect_staff_ratio_pct"]
    for r in rows:
        assert r["size_class"] in {"1", "2", "3", "4"}
        assert (float(r["ordinary_margin_pct"]) > 0) == (r["profitable"] == "1")
        assert float(r["ar_turnover_days"]) >= 0


def test_bank_kana() -> None:
    kk = FirmName("山田商事", "ヤマダショウジ", "kk", True)
    assert bank_kana(kk) == "ｶ)ﾔﾏﾀﾞｼﾖｳｼﾞ"
    assert bank_kana(FirmName("山田商事", "ヤマダショウジ", "kk", False)) == "ﾔﾏﾀﾞｼﾖｳｼﾞ(ｶ"
    long = FirmName("出雲サンライズコンサルタント", "イズモサンライズコンサルタントサービスキョウカイ", "yk", True)
    assert len(bank_kana(long).encode("cp932")) <= 30
    assert to_bank_kana("キュウヨ") == "ｷﾕｳﾖ"
    sole = FirmName("山田商店", "ヤマダショウテン", "sole", False, "山田 太郎", "ヤマダ タロウ")
    assert bank_kana(sole) == "ﾔﾏﾀﾞ ﾀﾛｳ"
