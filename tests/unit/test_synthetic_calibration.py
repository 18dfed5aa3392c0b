"""The generated network matches the published figures within tolerance.

5,000 firms, 400 clients, 24 months: about 10 s to generate on 2 cores.
"""

from __future__ import annotations

import pytest

from synthetic import CalibrationReport, GenerateConfig, calibration_report, generate


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
