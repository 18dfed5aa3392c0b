"""The generated network matches the published figures within tolerance.

5,000 firms, 400 clients, 24 months: about 10 s to generate on 2 cores; the
five-seed check at 2,000 firms runs in memory (:func:`calibrate_seeds`, no
files) in a few seconds.
"""

from __future__ import annotations

import argparse
from dataclasses import replace

import pytest

from synthetic import CalibrationReport, GenerateConfig, calibration_report, generate
from synthetic.calibration import calibrate, calibrate_seeds


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory) -> CalibrationReport:
    out = tmp_path_factory.mktemp("cal") / "region"
    generate(GenerateConfig(firms=5000, clients=400, months=24, seed=1, out=out))
    return calibration_report(out)


def test_every_statistic_within_tolerance(report: CalibrationReport) -> None:
    failed = [s for s in report.statistics if not s.passed]
    assert failed == [], report.to_markdown()


def test_report_covers_the_published_figures(report: CalibrationReport) -> None:
    names = {s.name for s in report.statistics}
    for name in ("customer-count tail exponent (CCDF)", "supplier-count tail exponent (CCDF)",
                 "median partners", "sales–degree exponent", "degree assortativity",
                 "giant component share", "link half-life", "growth elasticity to suppliers",
                 "growth elasticity to customers", "partner-caused share of distress"):
        assert name in names
    assert report.get("degree assortativity").measured < 0


def test_report_renders(report: CalibrationReport) -> None:
    md = report.to_markdown()
    assert md.count("\n|") >= len(report.statistics) + 1
    d = report.to_dict()
    assert d["statistics"][0].keys() >= {"name", "measured", "target", "tolerance", "passed"}


def test_every_statistic_has_an_interval(report: CalibrationReport) -> None:
    for s in report.statistics:
        assert s.low <= s.high, s.name
    assert "95% interval" in report.to_markdown()


def test_in_memory_calibration_equals_the_files(report: CalibrationReport) -> None:
    """:func:`calibrate` (no files) measures what the written region measures."""
    mem = calibrate(GenerateConfig(firms=5000, clients=400, months=24, seed=1))
    assert [s.name for s in mem.statistics] == [s.name for s in report.statistics]
    for a, b in zip(mem.statistics, report.statistics, strict=True):
        assert a.measured == pytest.approx(b.measured, rel=1e-9, abs=1e-12), a.name


def test_five_seeds_small_region() -> None:
    """2,000 firms × 24 months, seeds 1–5: the mean of every statistic within tolerance,
    and distressed clients collect later than healthy ones on every seed (about 2 s)."""
    summary = calibrate_seeds(GenerateConfig(firms=2000, clients=200, months=24), range(1, 6))
    mean = summary.mean
    failed = [s.name for s in mean.statistics if not s.passed]
    assert failed == [], summary.to_markdown()
    assert min(summary.values("receivable days, distressed / healthy")) > 1.0, summary.to_markdown()


def test_report_only_exits_non_zero_when_a_statistic_is_out(
        report: CalibrationReport, monkeypatch: pytest.MonkeyPatch) -> None:
    import synthetic
    from api.commands.generate import cmd_generate

    args = argparse.Namespace(report_only="region", json=True)
    monkeypatch.setattr(synthetic, "calibration_report", lambda _out: report)
    assert cmd_generate(args, None) == 0  # type: ignore[arg-type]
    bad = CalibrationReport(report.out_dir, report.firms, report.months,
                            [replace(report.statistics[0], measured=99.0), *report.statistics[1:]])
    monkeypatch.setattr(synthetic, "calibration_report", lambda _out: bad)
    assert cmd_generate(args, None) == 1  # type: ignore[arg-type]
