"""Alerts of material change (graph/alerts.py) on tiny hand-made regions:
each kind fires where it should, once, with its numbers and the trade
behind it, and not where it should not; the distress rules agree with
graph/distress.py and the receivable days with graph/ledger_figures.py."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from graph import alerts as al
from graph.distress import receivable_days_rising, stopped_trading
from graph.ledger_figures import figures_from_sums
from graph.network import TradeNetwork, month_range
from queries.model import ParameterRow

MONTHS = month_range("2024-01", "2024-12")


def _frame(rows: list[tuple[str, str, str, int]]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["seller", "buyer", "month", "amount"])


def _monthly(seller: str, buyer: str, yen: int, months: tuple[str, ...] = MONTHS) -> list[tuple[str, str, str, int]]:
    return [(seller, buyer, m, yen) for m in months]


def _ledger(sales: dict[str, int], receipts: dict[str, int] | None = None) -> dict[str, dict[str, int]]:
    return {"sales": sales, "purchases": {}, "receipts": receipts or {}, "payments": {}}


def _of(alerts: list[al.Alert], kind: str) -> list[al.Alert]:
    return [a for a in alerts if a.kind == kind]


def test_a_top_customer_lost_for_two_months_is_raised_once_in_the_second_month() -> None:
    gone = MONTHS[:8]  # K1 buys until 2024-08
    trades = _frame(_monthly("C", "K1", 500) + _monthly("C", "K2", 300) + _monthly("C", "K3", 200))
    trades = trades[~((trades.buyer == "K1") & ~trades.month.isin(gone))]
    found = _of(al.compute_alerts(trades, ["C"]), al.TOP_PARTNER_LOST)
    assert [(a.firm_id, a.month, a.subject_id, a.side) for a in found] == [("C", "2024-10", "K1", "customer")]
    a = found[0]
    assert a.numbers["share"] == 0.5 and a.numbers["rank"] == 1 and a.numbers["yen"] == 3000
    assert a.numbers["last_month"] == "2024-08" and a.severity == "high"
    series = a.series[0]
    assert (series["seller"], series["buyer"], series["label"]) == ("C", "K1", "sales")
    assert series["months"] == list(MONTHS[1:12])  # 8 months before to 2 after, within the data
    assert series["yen"][-3:] == [0, 0, 0] and series["yen"][0] == 500
    assert a.id == al.alert_id(al.TOP_PARTNER_LOST, "C", "2024-10", "K1")


def test_a_small_or_a_fourth_partner_lost_or_a_one_month_gap_is_not_raised() -> None:
    rows = (_monthly("C", "K1", 400) + _monthly("C", "K2", 300) + _monthly("C", "K3", 250)
            + _monthly("C", "K4", 50) + _monthly("C", "K5", 260))
    trades = _frame(rows)
    trades = trades[~((trades.buyer == "K4") & (trades.month > "2024-08"))]  # 4% share: churn
    trades = trades[~((trades.buyer == "K1") & (trades.month == "2024-09"))]  # one month without trade
    trades = trades[~((trades.buyer == "K3") & (trades.month > "2024-08"))]  # the 4th largest: not a top partner
    assert _of(al.compute_alerts(trades, ["C"]), al.TOP_PARTNER_LOST) == []


def test_no_partner_is_lost_when_the_clients_own_ledger_stopped() -> None:
    trades = _frame(_monthly("C", "K1", 500, MONTHS[:8]) + _monthly("C", "K2", 500, MONTHS[:8])
                    + _monthly("X", "K2", 100))
    found = al.compute_alerts(trades, ["C", "X"], ledgers={"C": _ledger({m: 1000 for m in MONTHS[:8]}),
                                                             "X": _ledger({m: 100 for m in MONTHS})})
    assert _of(found, al.TOP_PARTNER_LOST) == []
    drop = _of(found, al.COVERAGE_DROP)
    assert [(a.firm_id, a.month, a.numbers["months"], a.severity) for a in drop] == [("C", "2024-09", 4, "high")]
    assert drop[0].numbers["last_month"] == "2024-08" and drop[0].numbers["region_month"] == "2024-12"
    # the months after its ledger are no ledger (None), not months of no sales (0)
    sales = next(s for s in drop[0].series if s["label"] == "sales")
    by_month = dict(zip(sales["months"], sales["yen"], strict=True))
    assert by_month["2024-08"] == 1000 and by_month["2024-09"] is None and by_month["2024-12"] is None


def test_a_supplier_concentration_jump_is_raised_in_its_first_month_only() -> None:
    rows = []
    for s in ("S1", "S2", "S3", "S4"):
        rows += _monthly(s, "C", 100, MONTHS[:9])
    rows += _monthly("S1", "C", 900, MONTHS[9:]) + _monthly("S2", "C", 100, MONTHS[9:])  # from October
    found = _of(al.compute_alerts(_frame(rows), ["C"]), al.CONCENTRATION_JUMP)
    assert [(a.month, a.side, a.subject_id) for a in found] == [("2024-10", "supplier", "S1")]
    # the evidence: the supplier that grew, and one that fell away (the cause), not the first alone
    assert [s["seller"] for s in found[0].series] == ["S1", "S3"]
    n = found[0].numbers
    assert n["before"] == 0.25 and n["after"] == 0.82 and n["rise"] == 0.57 and n["share"] == 0.9
    assert (n["partners_before"], n["partners_after"]) == (4, 2) and found[0].severity == "high"
    assert found[0].series[0]["buyer"] == "C" and found[0].series[0]["seller"] == "S1"


def test_steady_partners_raise_no_concentration_jump() -> None:
    rows = []
    for s, y in (("S1", 100), ("S2", 120), ("S3", 90)):
        rows += [(s, "C", m, y + 7 * (i % 3)) for i, m in enumerate(MONTHS)]
    assert _of(al.compute_alerts(_frame(rows), ["C"]), al.CONCENTRATION_JUMP) == []


def test_a_partner_newly_loss_making_and_a_partner_of_a_partner() -> None:
    rows = (_monthly("S1", "C2", 300) + _monthly("S2", "C2", 300) + _monthly("C4", "C2", 400)
            + _monthly("C1", "K1", 100))
    params = [ParameterRow("S1", "2024-03", (("profitable", 1.0),)),
              ParameterRow("S1", "2024-06", (("profitable", 0.0),)),
              ParameterRow("S2", "2024-06", (("profitable", 1.0),))]
    found = _of(al.compute_alerts(_frame(rows), ["C1", "C2", "C4"], parameters=params), al.PARTNER_DISTRESS)
    got = {(a.firm_id, a.month, a.subject_id, a.numbers["hop"]) for a in found}
    assert got == {("C2", "2024-06", "S1", 1), ("C4", "2024-06", "C2", 2)}
    hop1 = next(a for a in found if a.numbers["hop"] == 1)
    assert hop1.numbers["reasons"] == ["loss_making"] and hop1.severity == "medium"
    assert hop1.numbers["yen"] == 6 * 300  # trade in the six months up to June
    hop2 = next(a for a in found if a.numbers["hop"] == 2)
    assert hop2.numbers["via"] == "S1" and hop2.severity == "low"
    assert {s["label"] for s in hop2.series} == {"sales"}  # C4 sells to C2


def test_a_loss_first_known_is_not_a_change_for_the_partner_or_two_hops() -> None:
    """The first fiscal year of the data makes every loss-making firm's loss
    known at once: it was unknown the month before, not absent, so neither
    its partners nor their partners get a "newly distressed" alert; a loss
    after a profitable year does, and so does trade stopping meanwhile."""
    rows = (_monthly("S1", "C2", 300) + _monthly("S2", "C2", 300) + _monthly("C4", "C2", 400)
            + _monthly("S3", "C2", 300, MONTHS[:5]))
    params = [ParameterRow("S1", "2024-03", (("profitable", 0.0),)),  # first known: a loss
              ParameterRow("S1", "2024-09", (("profitable", 0.0),)),  # still one
              ParameterRow("S2", "2024-03", (("profitable", 1.0),)),
              ParameterRow("S2", "2024-09", (("profitable", 0.0),)),  # a change
              ParameterRow("S3", "2024-09", (("profitable", 0.0),))]  # known after it stopped trading
    found = _of(al.compute_alerts(_frame(rows), ["C2", "C4"], parameters=params), al.PARTNER_DISTRESS)
    got = {(a.firm_id, a.month, a.subject_id, a.numbers["hop"], tuple(a.numbers["reasons"])) for a in found}
    assert got == {("C2", "2024-09", "S2", 1, ("loss_making",)),
                   ("C2", "2024-08", "S3", 1, ("stopped_trading",))}
    net = TradeNetwork(_frame(rows))
    first = dict(zip(net.index, al.loss_first_known(net, params).tolist(), strict=True))
    assert (first["S1"], first["S2"], first["S3"], first["C2"]) == (2, 2, 8, len(MONTHS))


def test_a_partner_that_stopped_trading_is_distressed_once() -> None:
    rows = _monthly("C", "K1", 500, MONTHS[:6]) + _monthly("C", "K2", 500)
    found = _of(al.compute_alerts(_frame(rows), ["C"]), al.PARTNER_DISTRESS)
    # K1's last trade is June: by the end of September it traded nothing for three months
    assert [(a.month, a.subject_id, a.numbers["reasons"]) for a in found] == [
        ("2024-09", "K1", ["stopped_trading"])]


def test_stopped_trading_agrees_with_graph_distress_at_every_month() -> None:
    rows = (_monthly("A", "B", 5, MONTHS[:4]) + _monthly("C", "B", 5, MONTHS[2:9]) + _monthly("D", "B", 5)
            + [("E", "B", "2024-07", 5)])
    net = TradeNetwork(_frame(rows))
    got = al.distress_matrix(net)["stopped_trading"]
    for k, month in enumerate(MONTHS):
        expect = stopped_trading(net.window(MONTHS[0], month)) if k >= 3 else set()
        assert {str(f) for f in net.index[got[:, k]]} == expect, month


def test_receivable_days_are_those_of_the_ledger_figures() -> None:
    sales = {m: 1_000_000 + 10_000 * i for i, m in enumerate(MONTHS[2:])}
    receipts = {m: 900_000 for m in MONTHS[3:10]}
    ledgers = {"C": _ledger(sales, receipts)}
    g = al._grid(_frame(_monthly("X", "Y", 1)), ["C"], ledgers, None)
    assert g is not None
    fig = figures_from_sums(ledgers["C"])
    expect = fig["receivable_days"].reindex(list(MONTHS)).to_numpy(dtype=float)
    np.testing.assert_array_equal(g.days[0], expect)


def test_figure_based_distress_agrees_with_graph_distress() -> None:
    sales = {m: 1_000_000 for m in MONTHS}
    receipts = {m: 1_000_000 for m in MONTHS[:7]} | {m: 400_000 for m in MONTHS[7:]}
    ledgers = {"C": _ledger(sales, receipts)}
    trades = _frame(_monthly("C", "K", 1_000_000))
    g = al._grid(trades, ["C"], ledgers, None)
    assert g is not None
    got = al.distress_matrix(g.network, (), {"C": al._receivable_matrix(g)[0]})["receivable_days_rising"]
    fig = figures_from_sums(ledgers["C"])
    row = g.network.index.get_loc("C")
    for k, month in enumerate(MONTHS):
        assert bool(got[row, k]) == ("C" in receivable_days_rising(figures={"C": fig}, end=month)), month


def test_receivable_days_rising_sharply_is_raised_with_the_sales_and_receipts_behind_it() -> None:
    sales = {m: 1_000_000 for m in MONTHS}
    receipts = {m: 1_000_000 for m in MONTHS[1:8]}  # paid a month later … until August
    ledgers = {"C": _ledger(sales, receipts)}
    found = _of(al.compute_alerts(_frame(_monthly("C", "K", 1_000_000)), ["C"], ledgers=ledgers),
                al.RECEIVABLE_DAYS)
    assert [a.month for a in found] == ["2024-09"]
    n = found[0].numbers
    assert n["before"] == pytest.approx(30.4, abs=0.1) and n["after"] == pytest.approx(60.8, abs=0.1)
    assert n["days"] >= al.RECEIVABLE_RISE_DAYS and found[0].severity == "high"
    assert [s["label"] for s in found[0].series] == ["sales", "receipts"]
    assert found[0].series[1]["yen"][found[0].series[1]["months"].index("2024-09")] == 0


def test_a_rise_every_client_shares_is_the_calendars_and_raises_only_the_one_beyond_it() -> None:
    """A month of larger sales for everyone (March, the fiscal year-end)
    lifts every client's month-end receivable days: with enough clients
    their median rise is the month's usual one, and only a client whose
    days rose 15 days beyond it is raised, with both numbers."""
    peak = "2024-09"
    sales = {m: 1_300_000 if m == peak else 1_000_000 for m in MONTHS}
    on_time = {m: sales[MONTHS[k - 1]] for k, m in enumerate(MONTHS) if k > 0}  # paid a month later
    late = {m: 0 if m == peak else yen for m, yen in on_time.items()}  # …but not in the peak month
    clients = [f"C{i:02d}" for i in range(al.USUAL_MIN_CLIENTS)] + ["LATE"]
    ledgers = {c: _ledger(sales, late if c == "LATE" else on_time) for c in clients}
    trades = _frame([r for c in clients for r in _monthly(c, "K", 1_000_000)])
    found = _of(al.compute_alerts(trades, clients, ledgers=ledgers), al.RECEIVABLE_DAYS)
    assert [(a.firm_id, a.month) for a in found] == [("LATE", peak)]
    n = found[0].numbers
    days = figures_from_sums(ledgers["C00"])["receivable_days"]  # an on-time client's: the peak's 0.3M owed
    k = MONTHS.index(peak)
    assert n["usual_days"] == pytest.approx(days[peak] - days[list(MONTHS[k - 3:k])].mean(), abs=0.05)
    assert n["usual_days"] > 5
    assert n["days"] == pytest.approx(n["usual_days"] + n["beyond_usual"], abs=0.11)
    assert n["beyond_usual"] >= al.RECEIVABLE_RISE_DAYS
    # with fewer clients than that, nothing is usual: every client's rise counts as its own
    few = clients[:3] + ["LATE"]
    found = _of(al.compute_alerts(trades, few, ledgers={c: ledgers[c] for c in few}), al.RECEIVABLE_DAYS)
    assert [(a.firm_id, a.numbers["usual_days"]) for a in found] == [("LATE", 0.0)]


def test_an_industrys_own_calendar_is_its_usual_rise_where_it_has_enough_clients() -> None:
    """Construction's fiscal year-end peak is stronger than other firms':
    against every client's median its clients are all raised in the peak
    month. Against their industry's median (enough clients of each) only
    the late payer is; the alert names the industry whose rise was usual."""
    peak = "2024-09"
    n = al.USUAL_MIN_CLIENTS

    def paid_a_month_later(sales: dict[str, int]) -> dict[str, int]:
        return {m: sales[MONTHS[k - 1]] for k, m in enumerate(MONTHS) if k > 0}

    build = {m: 2_500_000 if m == peak else 1_000_000 for m in MONTHS}
    shop = {m: 1_100_000 if m == peak else 1_000_000 for m in MONTHS}
    late = {m: 0 if m == peak else yen for m, yen in paid_a_month_later(shop).items()}
    builders, shops = [f"D{i:02d}" for i in range(n)], [f"I{i:02d}" for i in range(n + 5)]
    clients = builders + shops + ["LATE"]
    ledgers = {c: _ledger(build, paid_a_month_later(build)) for c in builders}
    ledgers |= {c: _ledger(shop, paid_a_month_later(shop)) for c in shops}
    ledgers["LATE"] = _ledger(shop, late)
    industries = {c: c[0] for c in builders + shops} | {"LATE": "I"}
    trades = _frame([r for c in clients for r in _monthly(c, "K", 1_000_000)])

    def raised(**kw: object) -> list[tuple[str, str]]:
        found = _of(al.compute_alerts(trades, clients, ledgers=ledgers, **kw), al.RECEIVABLE_DAYS)  # type: ignore[arg-type]
        return sorted((a.firm_id, a.month) for a in found)

    # every client's median (the shops' rise, the more of them): every builder is raised
    assert raised() == sorted([(c, peak) for c in builders] + [("LATE", peak)])
    (alert,) = _of(al.compute_alerts(trades, clients, ledgers=ledgers, industries=industries), al.RECEIVABLE_DAYS)
    assert (alert.firm_id, alert.month) == ("LATE", peak)
    k = MONTHS.index(peak)
    days = figures_from_sums(ledgers["I00"])["receivable_days"]
    assert alert.numbers["usual_days"] == pytest.approx(days[peak] - days[list(MONTHS[k - 3:k])].mean(), abs=0.05)
    assert alert.numbers["usual_industry"] == "I"


def test_a_partner_lost_as_top_customer_and_top_supplier_gives_two_alerts_of_their_own() -> None:
    """The same partner, lost on both sides in one month: two alerts, each
    with an id of its own; the customer side keeps the id it always had."""
    gone = MONTHS[:8]
    trades = _frame(_monthly("C", "P", 500, gone) + _monthly("C", "K2", 300) + _monthly("C", "K3", 200)
                    + _monthly("P", "C", 400, gone) + _monthly("S2", "C", 100) + _monthly("S3", "C", 100))
    found = _of(al.compute_alerts(trades, ["C"]), al.TOP_PARTNER_LOST)
    assert sorted((a.side, a.subject_id, a.month) for a in found) == [("customer", "P", "2024-10"),
                                                                      ("supplier", "P", "2024-10")]
    by_side = {a.side: a.id for a in found}
    assert by_side["customer"] == al.alert_id(al.TOP_PARTNER_LOST, "C", "2024-10", "P")
    assert by_side["supplier"] != by_side["customer"]
    again = _of(al.compute_alerts(trades, ["C"]), al.TOP_PARTNER_LOST)
    assert {a.side: a.id for a in again} == by_side  # stable across recomputations


def test_steady_collection_raises_nothing_and_first_months_are_skipped() -> None:
    sales = {m: 1_000_000 for m in MONTHS}
    receipts = {m: 1_000_000 for m in MONTHS[1:]}
    found = al.compute_alerts(_frame(_monthly("C", "K", 1_000_000)), ["C"], ledgers={"C": _ledger(sales, receipts)})
    assert _of(found, al.RECEIVABLE_DAYS) == [] and _of(found, al.COVERAGE_DROP) == []


def test_ids_are_stable_and_alerts_are_newest_first() -> None:
    rows = _monthly("C", "K1", 500, MONTHS[:6]) + _monthly("C", "K2", 300) + _monthly("C", "K3", 200)
    one = al.compute_alerts(_frame(rows), ["C"])
    two = al.compute_alerts(_frame(rows).sample(frac=1, random_state=1), ["C"])
    assert [a.id for a in one] == [a.id for a in two] and len({a.id for a in one}) == len(one)
    assert [a.month for a in one] == sorted((a.month for a in one), reverse=True)
    assert al.compute_alerts(_frame([]), ["C"]) == []


# -- the region's month: one client's file ahead of the rest does not move it ------------------

YEARS = month_range("2023-01", "2024-12")  # M = 2024-12, the month the clients' ledgers reach
AHEAD = month_range("2025-10", "2025-11")  # one client's file of M+10 … M+11


def _paid_a_month_later(months: tuple[str, ...], yen: int = 1_000_000) -> dict[str, dict[str, int]]:
    return _ledger({m: yen for m in months}, {m: yen for m in months[1:]})


def _region(n: int = 8, stopped: str | None = None) -> tuple[pd.DataFrame, list[str], dict]:
    """``n`` steady clients (C0…), ledgers and trade 2023-01 … 2024-12, each
    selling to two customers of its own; ``AHEAD`` with a file to M+11 as
    well; ``STOP`` (when ``stopped``) whose ledger and trade end that month."""
    clients = [f"C{i}" for i in range(n)] + ["AHEAD"]
    months = {c: YEARS for c in clients}
    months["AHEAD"] = YEARS + AHEAD
    if stopped is not None:
        clients.append("STOP")
        months["STOP"] = tuple(m for m in YEARS if m <= stopped)
    rows = [r for c in clients for k in ("A", "B") for r in _monthly(c, f"K{k}-{c}", 500_000, months[c])]
    return _frame(rows), clients, {c: _paid_a_month_later(months[c]) for c in clients}


def test_the_regions_month_is_the_one_most_clients_reach_not_one_clients_file_ahead() -> None:
    trades, clients, ledgers = _region()
    found = al.compute_alerts(trades, clients, ledgers=ledgers)
    assert _of(found, al.COVERAGE_DROP) == []  # the others' ledgers did not stop: AHEAD is early
    assert all(a.month <= YEARS[-1] for a in found)  # AHEAD's later months wait for the others
    # nobody's partners "stopped trading" because the grid ran on to AHEAD's months
    assert _of(found, al.PARTNER_DISTRESS) == []
    g = al._grid(trades, clients, ledgers, None)
    assert g is not None and g.months[-1] == YEARS[-1] == al.as_of_month([YEARS[-1]] * 8 + [AHEAD[-1]])
    # an explicit month is still taken as given
    late = al.compute_alerts(trades, clients, ledgers=ledgers, end=AHEAD[-1], kinds=[al.COVERAGE_DROP])
    assert {a.firm_id for a in late} == {f"C{i}" for i in range(8)}


def test_a_client_that_really_stopped_is_still_raised_against_the_regions_month() -> None:
    trades, clients, ledgers = _region(stopped="2024-07")
    found = al.compute_alerts(trades, clients, ledgers=ledgers)
    drop = _of(found, al.COVERAGE_DROP)
    assert [(a.firm_id, a.month, a.numbers["months"], a.numbers["region_month"]) for a in drop] == [
        ("STOP", "2024-08", 5, "2024-12")]
    assert drop[0].severity == "high"


def test_no_ledger_measure_is_raised_for_a_month_outside_the_clients_ledger() -> None:
    """After its last ledger month a client has no sales, not sales of 0:
    its receivable days would climb (the balance stays, the year's sales
    fall away) — 279.8 to 617.2 days on the demo region. And its partners,
    known from its ledger, did not stop trading: the ledger stopped."""
    trades, clients, ledgers = _region(stopped="2024-03")
    found = al.compute_alerts(trades, clients, ledgers=ledgers)
    last = {c: max(ledgers[c]["sales"]) for c in clients}
    first = {c: min(ledgers[c]["sales"]) for c in clients}
    outside = [(a.kind, a.firm_id, a.month) for a in found if a.kind != al.COVERAGE_DROP
               and not first[a.firm_id] <= a.month <= min(last[a.firm_id], YEARS[-1])]
    assert outside == []
    assert [a.firm_id for a in _of(found, al.COVERAGE_DROP)] == ["STOP"]
    g = al._grid(trades, clients, ledgers, None)
    assert g is not None
    stop = g.clients.index("STOP")
    assert np.isnan(g.days[stop, YEARS.index("2024-04"):]).all() and not np.isnan(g.days[stop, 2])


def test_the_receivable_days_of_the_months_after_each_ledger_are_not_compared() -> None:
    """The reviewer's case in full: every client's ledger ends at M, one
    client's file runs to M+11; no client's receivable days are raised
    after M (F000774: 279.8 → 617.2 days in a month its ledger lacks)."""
    trades, clients, ledgers = _region(n=al.USUAL_MIN_CLIENTS + 2)
    found = al.compute_alerts(trades, clients, ledgers=ledgers, kinds=[al.RECEIVABLE_DAYS, al.COVERAGE_DROP])
    assert found == []


def test_a_partner_known_only_from_a_stopped_ledger_has_not_stopped_trading_for_others() -> None:
    """C trades with Q (not a client), Q with STOP (a client whose ledger ends
    2024-06): STOP's silence afterwards is no ledger, so C is not told that
    its partner now trades with a firm that stopped trading. While some
    covering ledger trades with the quiet firm, its stop is still seen."""
    rows = _monthly("C", "Q", 1_000, YEARS) + _monthly("STOP", "Q", 1_000, tuple(m for m in YEARS if m <= "2024-06"))
    ledgers = {"C": _paid_a_month_later(YEARS), "STOP": _paid_a_month_later(tuple(m for m in YEARS if m <= "2024-06")),
               "D": _paid_a_month_later(YEARS)}
    found = al.compute_alerts(_frame(rows), ["C", "STOP"], ledgers={k: ledgers[k] for k in ("C", "STOP")},
                              kinds=[al.PARTNER_DISTRESS])
    assert found == []
    # D, whose ledger runs on, bought from STOP: its ledger sees STOP stop
    seen = rows + _monthly("STOP", "D", 1_000, tuple(m for m in YEARS if m <= "2024-06"))
    found = al.compute_alerts(_frame(seen), ["C", "D", "STOP"], ledgers=ledgers, kinds=[al.PARTNER_DISTRESS])
    assert {(a.firm_id, a.subject_id, a.numbers["hop"]) for a in found} >= {("D", "STOP", 1)}


def test_a_partner_that_stopped_after_the_clients_ledger_ended_is_news_to_the_others_only() -> None:
    """P stops trading in 2024-09 (D's ledger, running on, sees it). STOP
    traded with P too but its ledger ended in 2024-06: whatever P did
    afterwards is not in STOP's months, so only D is told."""
    until = tuple(m for m in YEARS if m <= "2024-06")
    rows = (_monthly("P", "STOP", 1_000, until) + _monthly("P", "D", 1_000, tuple(m for m in YEARS if m <= "2024-08"))
            + _monthly("D", "K", 1_000, YEARS))
    ledgers = {"STOP": _paid_a_month_later(until), "D": _paid_a_month_later(YEARS)}
    found = al.compute_alerts(_frame(rows), ["D", "STOP"], ledgers=ledgers, kinds=[al.PARTNER_DISTRESS])
    assert [(a.firm_id, a.month, a.subject_id, a.numbers["reasons"]) for a in found] == [
        ("D", "2024-11", "P", ["stopped_trading"])]
