"""The portfolio's ledger signals agree with the firm page's ledger figures
(:func:`graph.ledger_figures.figures_from_sums`), which they compute faster."""

from __future__ import annotations

import math
import random

import pytest

from api.portfolio_signals import _ledger_signals
from graph.ledger_figures import figures_from_sums


def _months(start: int, n: int) -> list[str]:
    return [f"{(start + i) // 12}-{(start + i) % 12 + 1:02d}" for i in range(n)]


@pytest.mark.parametrize("seed", range(40))
def test_ledger_signals_match_the_ledger_figures(seed: int) -> None:
    rng = random.Random(seed)
    months = _months(2022 * 12 + rng.randrange(12), rng.randrange(1, 30))
    sums: dict[str, dict[str, int]] = {k: {} for k in ("sales", "purchases", "receipts", "payments",
                                                       "unnamed_sales")}
    for m in months:
        if rng.random() < 0.2:
            continue  # a month without lines (a gap the figures fill with zeros)
        for kind in ("sales", "purchases", "receipts", "payments"):
            if rng.random() < 0.8:
                sums[kind][m] = rng.randrange(0, 5_000_000) if rng.random() < 0.9 else 0
    sums["unnamed_sales"] = {m: v // 3 for m, v in sums["sales"].items()}
    got = _ledger_signals(sums)
    fig = figures_from_sums(sums)
    if fig.empty:
        assert math.isnan(got["sales_yen"]) and got["ledger_months"] == 0
        return
    assert got["sales_yen"] == float(fig["annual_sales"].iloc[-1])
    assert got["sales_months"] == min(len(fig), 12)  # the months the annual figure is made of (年換算 below 12)
    expected = float(fig["receivable_days"].iloc[-1])
    assert (math.isnan(got["receivable_days"]) and math.isnan(expected)) or got["receivable_days"] == expected
    days = fig["receivable_days"].iloc[3:].dropna()
    if len(days) >= 6:
        change = round(float(days.iloc[-3:].mean()) - float(days.iloc[-6:-3].mean()), 1)
        assert got["receivable_days_change"] == change
    else:
        assert math.isnan(got["receivable_days_change"])
    active = {m for k in ("sales", "purchases", "receipts", "payments") for m, v in sums[k].items() if v}
    assert got["ledger_months"] == len(active)


def test_ledger_checks_name_a_ledger_without_sales_and_its_months_without_a_line() -> None:
    """A ledger of purchases only, with two months in the middle without a
    line, is flagged for both; one with sales and every month is not."""
    purchases = {m: 1_000_000 for m in _months(2024 * 12, 8) if m not in ("2024-03", "2024-04")}
    got = _ledger_signals({"sales": {}, "purchases": purchases, "payments": dict(purchases)})
    assert got["ledger_checks"] == "no_sales;missing_months"
    assert got["missing_months"] == "2024-03;2024-04" and got["ledger_months"] == 6
    # a month whose only values are zeros holds no line either
    zeros = {**purchases, "2024-03": 0}
    assert _ledger_signals({"purchases": zeros})["missing_months"] == "2024-03;2024-04"
    whole = {m: 500_000 for m in _months(2024 * 12, 8)}
    clean = _ledger_signals({"sales": whole, "purchases": whole})
    assert clean["ledger_checks"] == "" and clean["missing_months"] == ""
    # sales without a named partner are sales: a cash shop is not flagged
    cash = _ledger_signals({"sales": whole, "unnamed_sales": whole, "purchases": whole})
    assert cash["ledger_checks"] == ""


def test_a_ledger_that_ends_before_the_regions_month_is_flagged() -> None:
    """Most clients reach 2024-08; this ledger stops at 2024-05: late, or the client stopped trading."""
    months = {m: 100_000 for m in _months(2024 * 12, 5)}  # 2024-01 … 2024-05
    got = _ledger_signals({"sales": months, "purchases": months}, "2024-08")
    assert got["ledger_checks"] == "behind" and got["last_month"] == "2024-05"
    assert _ledger_signals({"sales": months, "purchases": months}, "2024-05")["ledger_checks"] == ""
    assert _ledger_signals({"sales": months, "purchases": months})["ledger_checks"] == ""  # no region's month


def test_the_portfolio_csv_escapes_formulas_and_keeps_numbers() -> None:
    import io

    import pandas as pd

    from api.portfolio_csv import portfolio_csv
    from api.web.i18n import locale_for

    frame = pd.DataFrame({"name": ["=HYPERLINK(\"http://x\")", "株式会社エー"], "sales_yen": [1_234_567.0, float("nan")],
                          "trend_gap_pp": [-12.34, 3.0], "top_customer_share": [0.5, None],
                          "ledger_checks": ["no_sales;behind", ""], "last_month": ["2025-01", "2025-03"],
                          "own_distress": ["loss_making", ""]},
                         index=pd.Index(["C1", "C2"], name="firm_id"))
    text = portfolio_csv(frame, locale_for("ja")).decode("utf-8-sig")
    table = pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False)
    assert table.iloc[0, 1] == "'=HYPERLINK(\"http://x\")"  # a formula is text, not run
    assert list(table["売上（12か月、円）"]) == ["1234567", ""]  # whole yen, a blank where none
    assert table.iloc[0, 6] == "-12.3" and table.iloc[0, 8] == "50.0"  # the trend gap (pp), a share in percent
    assert table.iloc[0][table.columns[-1]] == "売上の記帳なし; 2025年1月より後の帳簿なし"


def test_a_ledger_past_the_regions_month_is_read_at_it() -> None:
    """One early April bank statement (receipts only) moved a client's
    receivable days from 46.4 to 18.5 and its last month (found by a BPO
    analyst): its figures are taken at the region's month, and flagged."""
    months = [f"2024-{m:02d}" for m in range(4, 13)] + [f"2025-{m:02d}" for m in range(1, 4)]
    sums = {"sales": {m: 1_000_000 for m in months}, "receipts": {m: 900_000 for m in months},
            "purchases": {}, "payments": {}}
    at_march = _ledger_signals(sums, "2025-03")
    sums["receipts"]["2025-04"] = 5_000_000  # the April statement: receipts, no sales booked yet
    early = _ledger_signals(sums, "2025-03")
    assert early["sales_yen"] == at_march["sales_yen"] and early["receivable_days"] == at_march["receivable_days"]
    assert early["last_month"] == "2025-04" and "ahead" in early["ledger_checks"].split(";")
    assert "ahead" not in at_march["ledger_checks"].split(";")
    assert _ledger_signals(sums)["receivable_days"] != at_march["receivable_days"]  # without the region: moved
