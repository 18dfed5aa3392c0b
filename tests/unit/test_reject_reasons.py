"""The reasons a ledger row is rejected, as the loads pages show them: the
readers write them in English (the quarantine CSV, the CLI, the API), and
a Japanese page shows each one in Japanese with its values
(``api.web.reasons``). Checked on the rows the readers reject in the test
ledgers and in a generated region's planted defects."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from api.web.i18n import locale_for
from api.web.reasons import REASONS, reject_column, reject_reason
from ingest.decode import EncodingError
from ingest.readers.detect import FormatError, read_ledger
from ingest.records import Reject
from synthetic import GenerateConfig, generate

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "ledgers"
JA, EN = locale_for("ja"), locale_for("en")


def _rejects(paths: list[Path]) -> list[Reject]:
    out: list[Reject] = []
    for path in paths:
        try:
            out += [r for r in read_ledger(path) if isinstance(r, Reject)]
        except (FormatError, EncodingError):
            continue  # a file refused as a whole: not a row's reason
    return out


@pytest.fixture(scope="module")
def region_rejects(tmp_path_factory: pytest.TempPathFactory) -> list[Reject]:
    out = tmp_path_factory.mktemp("region")
    generate(GenerateConfig(firms=400, clients=40, months=12, seed=3, out=out))
    return _rejects(sorted((out / "ledgers").rglob("*.*")))


def _japanese(text: str) -> bool:
    return re.search(r"[\u3040-\u30ff\u4e00-\u9fff]", text) is not None


def test_every_reason_in_the_test_ledgers_and_a_region_reads_in_japanese(region_rejects: list[Reject]) -> None:
    rejects = _rejects(sorted(p for p in FIXTURES.glob("*.*") if p.suffix in (".csv", ".txt"))) + region_rejects
    reasons = {r.reason for r in rejects}
    assert len(reasons) >= 15  # the fixtures' defects and the region's planted ones
    for reason in reasons:
        shown = reject_reason(reason, JA)
        assert shown != reason and _japanese(shown), reason
        assert reject_reason(reason, EN).strip()  # English pages show the message in English
        for value in re.findall(r"'[^']*'", reason):  # the values it quotes stay
            assert value in shown, (reason, shown)
    for column in {r.column for r in rejects if r.column}:
        assert _japanese(reject_column(column, JA)), column


def test_a_line_dated_after_today_is_rejected_and_reads_in_japanese() -> None:
    """A line more than a month after today (a 全銀 file read with the wrong
    year) is a reject on its line, with its date; within the month it is not."""
    import datetime as dt

    from ingest.load import DAYS_AHEAD, future_reject, latest_line_date
    from ingest.records import Direction, UnnamedLine

    today = dt.date(2026, 12, 7)
    latest = latest_line_date(today)
    assert latest == today + dt.timedelta(days=DAYS_AHEAD)
    line = UnnamedLine("x.txt", 3, dt.date(2027, 3, 12), Direction.PAYMENT, 1_000)
    reject = future_reject(line, latest)
    assert reject is not None and (reject.file, reject.line, reject.column) == ("x.txt", 3, "date")
    assert "2027-03-12" in reject.reason and "2026-12-07" in reject.reason
    shown = reject_reason(reject.reason, JA)
    assert _japanese(shown) and "2027-03-12" in shown and "2026-12-07" in shown, shown
    assert future_reject(UnnamedLine("x.txt", 4, latest, Direction.PAYMENT, 1_000), latest) is None


def test_an_unknown_reason_is_shown_as_written() -> None:
    assert reject_reason("CSV error: something new", JA) == "CSV error: something new"
    assert reject_column("some_new_field", JA) == "some_new_field"


def test_nested_reasons_and_the_table() -> None:
    shown = reject_reason("impossible date '2024/02/30': day is out of range for month", JA)
    assert shown == "存在しない日付です：'2024/02/30'（その月にない日）"
    assert reject_reason("slip from line 15 has no last line (2101) before a new entry starts at line 16",
                         JA) == "15 行目からの伝票に最終行（2101）がないまま、16 行目で次の仕訳が始まっています"
    assert all(p.pattern for p, _, _ in REASONS)


def test_why_a_spelling_waits_for_review_reads_in_japanese() -> None:
    """Every reason name matching gives (``ingest.matching.decide``) has its Japanese."""
    from api.web.reasons import review_reason
    from ingest.matching import decide

    reasons = {decide(matches).reason for matches in (
        [], [("F1", 0.10)], [("F1", 0.86)], [("F1", 0.97)], [("F1", 0.90), ("reg:1234567890123", 0.89)])}
    assert len(reasons) == 5  # no candidate, below the review band, two scores, ambiguous
    for reason in reasons:
        shown = review_reason(reason, JA)
        assert shown != reason and _japanese(shown), reason
        for value in re.findall(r"[\w:]*\d[\w.:]*", reason):
            assert value in shown, (reason, shown)
    assert review_reason("something else", JA) == "something else"


def test_a_span_of_months_is_written_as_each_language_writes_an_interval() -> None:
    """The loads pages name the months a file repeats (api.web.i18n.Locale.month_span)."""
    assert JA.month_span("2025-01", "2025-03") == "2025年1月～3月"
    assert JA.month_span("2024-10", "2025-03") == "2024年10月～2025年3月"
    assert JA.month_span("2025-07", "2025-07") == "2025年7月"
    assert EN.month_span("2025-01", "2025-03") == "Jan\u2009–\u2009Mar 2025"  # thin spaces, as CLDR writes it
    assert EN.month_span("2025-07", "2025-07") == "Jul 2025"


def test_a_wrong_corporate_number_reads_in_japanese(tmp_path: Path) -> None:
    """Found by a BPO analyst: a canonical CSV with Japanese headers showed
    「法人番号 check digit is wrong」 and the column corporate_number."""
    path = tmp_path / "ledger.csv"
    path.write_text("日付,取引先名,区分,金額,法人番号\n"
                    "2025-04-01,株式会社エー,売上,1000,1234567890123\n"
                    "2025-04-02,株式会社ビー,売上,1000,12345\n", encoding="utf-8")
    rejects = _rejects([path])
    assert {r.column for r in rejects} == {"corporate_number"}
    shown = {reject_reason(r.reason, JA) for r in rejects}
    assert shown == {"法人番号のチェックデジットが正しくありません：'1234567890123'",
                     "法人番号は13桁の数字で書きます：'12345'"}, shown
    assert reject_column("corporate_number", JA) == "取引先の法人番号"
