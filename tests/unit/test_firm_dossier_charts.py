"""Pure parts of the firm page: the dossier's helpers and its charts (SVG,
Japanese font, labels that stay text), and the dossier cache's access check."""

from __future__ import annotations

import base64
from pathlib import Path

import pytest

from api.web import charts
from api.web.dossier import (
    Concentration,
    DossierCache,
    PartnerShare,
    Terms,
    TermsPoint,
    Trend,
    TrendPoint,
    _activity_reasons,
    is_masked,
    value_format,
)
from api.web.i18n import locale_for
from queries.access import Principal, Role
from queries.scoped import ScopedStore
from queries.series import FirmTotals
from queries.store import NotFound, Store


def _svg(uri: str | None) -> str:
    assert uri is not None and uri.startswith("data:image/svg+xml;base64,")
    return base64.b64decode(uri.split(",", 1)[1]).decode("utf-8")


def _trend(n: int) -> Trend:
    points = [TrendPoint(f"2024-{m:02d}", 100 + m, 1000 + 10 * m, 900, None, None, None) for m in range(1, n + 1)]
    return Trend("month", points, None, None, None, None, None, None, None, None, None, [], "")


def test_labels_are_shortened_and_never_mathtext() -> None:
    assert charts.label("株式会社とても長い名前の取引先企業です", 8) == "株式会社とても…"
    assert charts.label("$x^2$ 商事") == r"\$x^2\$ 商事"
    assert charts.label(None) == "–"


def test_trend_chart_is_svg_with_text_as_outlines() -> None:
    assert charts.trend_chart(_trend(1), locale_for("ja")) is None  # one period: nothing to draw
    svg = _svg(charts.trend_chart(_trend(12), locale_for("ja")))
    assert svg.lstrip().startswith("<?xml") and "<svg" in svg
    assert "<text" not in svg and "<script" not in svg  # glyph outlines, no markup from data
    assert "<dc:date>" not in svg


def test_charts_take_hostile_names_and_empty_data() -> None:
    rows = [PartnerShare("X", "<script>alert(1)</script> $\\frac{1}{0}$", 900, 0.9, False),
            PartnerShare("p-abc", None, 100, 0.1, True)]
    conc = Concentration(rows, [], 2, 0, 1000, 0, 0.82, None)
    svg = _svg(charts.concentration_chart(conc, locale_for("en")))
    assert "<script" not in svg and "alert" not in svg
    assert charts.concentration_chart(Concentration([], [], 0, 0, 0, 0, None, None), locale_for("en")) is None
    empty = Terms([TermsPoint("2024-01", 0, 0, None, None)], None, None, None, None, "")
    assert charts.terms_chart(empty, locale_for("ja")) is None
    terms = Terms([TermsPoint(f"2024-{m:02d}", 1, 1, 30.0 + m, None) for m in range(1, 7)], 36.0, None, None,
                  None, "")
    assert "<svg" in _svg(charts.terms_chart(terms, locale_for("ja")))


def test_the_japanese_font_is_used_when_installed() -> None:
    from matplotlib import font_manager

    charts.ensure_fonts()
    known = {f.name for f in font_manager.fontManager.ttflist}
    if not known & {"IPAexGothic", "Noto Sans CJK JP"}:
        pytest.skip("no Japanese font installed (fonts-ipaexfont or fonts-noto-cjk)")
    assert charts.families()[0] in ("IPAexGothic", "Noto Sans CJK JP")
    assert charts.families()[-1] == "sans-serif"


def test_value_formats_and_pseudonyms() -> None:
    # HHI reads as the concentration section shows it (0.304), not as a share (30.4 %)
    assert value_format("customer_hhi") == "index" and value_format("top_supplier_share") == "share"
    assert value_format("out_strength") == "yen"
    assert value_format("ordinary_margin_pct", "%") == "percent"
    assert value_format("ar_turnover_days", "days") == "days"
    assert value_format("profitable", "flag") == "flag"
    assert value_format("partners") == "number"
    assert is_masked("p-abcdef") and not is_masked("F0001")


def test_stopped_trading_from_monthly_totals() -> None:
    months = tuple(f"2024-{m:02d}" for m in range(1, 13))
    totals = {
        "A": FirmTotals("A", months, (1,) * 12, (0,) * 12),          # trades to the end
        "B": FirmTotals("B", months[:6], (1,) * 6, (0,) * 6),         # quiet for the last six months
        "C": FirmTotals("C", months, (1,) * 10 + (0, 0), (0,) * 12),  # zeros in the last months count as quiet
    }
    assert _activity_reasons(totals, "2024-12") == {"B"}
    assert _activity_reasons(totals, "2024-06") == set()  # as of June, B still traded
    assert _activity_reasons({}, "2024-12") == set()


def test_the_cache_checks_visibility_on_every_call(embedded_store: Store, tmp_path: Path) -> None:
    from tests.contract.test_access_matrix import C1, C2, build_region

    build_region(embedded_store, tmp_path / "region")
    cache = DossierCache(size=2)
    analyst = ScopedStore(embedded_store, Principal("ana", Role.ANALYST))
    first = cache.get(analyst, C2)
    assert cache.get(ScopedStore(embedded_store, Principal("ana", Role.ANALYST)), C2) is first
    officer = ScopedStore(embedded_store, Principal("o1", Role.CREDIT_OFFICER, "B1"))
    with pytest.raises(NotFound):
        cache.get(officer, C2)  # cached for the operator's scope, hidden from bank B1
    mine = cache.get(officer, C1)
    assert mine.masking.scope == "bank" and all(is_masked(p.id) for p in mine.concentration.customers)
    assert cache.get(analyst, C1) is not mine  # another scope, another dossier
