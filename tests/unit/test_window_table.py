"""A busy firm's :class:`~graph.window_table.WindowTable` answers what the
pairs and firm totals it was made from answer, for any window: the yen of
each pair (the ego's ranking, the network view's partners), each partner's
first and last active month (stopped trading), the last month of its
totals, and the whole trend of the group — and reads back from its bytes
the same."""

from __future__ import annotations

import orjson
from hypothesis import given, settings
from hypothesis import strategies as st

from graph.distress import active_span
from graph.ego import window_amounts, window_monthly
from graph.network import month_range
from graph.trends import trend_of_group, trend_of_table
from graph.window_table import WindowTable
from queries.series import FirmTotals, PairTrade

FIRM = "F0"
MONTHS = month_range("2023-10", "2025-03")  # 18 months, across two fiscal year ends
OTHERS = [f"F{i}" for i in range(1, 9)]


def _series(rows: list[tuple[str, int]]) -> tuple[tuple[str, ...], tuple[int, ...]]:
    by = dict(rows)
    months = tuple(sorted(by))
    return months, tuple(by[m] for m in months)


Trade = tuple[list[PairTrade], dict[str, FirmTotals], dict[str, bool | None], dict[str, tuple[int, int]]]


@st.composite
def trade(draw: st.DrawFn) -> Trade:
    """The firm's pairs (sold to / bought from some partners; now and then with itself),
    monthly totals of the firm and some partners, whether each partner keeps books here,
    and the firm's lines without a partner per month."""
    pairs = []
    for q in draw(st.lists(st.sampled_from([FIRM, *OTHERS]), unique=True, max_size=6)):
        for sells in draw(st.lists(st.booleans(), unique=True, min_size=1, max_size=2)):
            months, amounts = _series(draw(st.lists(
                st.tuples(st.sampled_from(MONTHS), st.integers(-5, 50)), min_size=1, max_size=8)))
            s, b = (FIRM, q) if sells else (q, FIRM)
            pairs.append(PairTrade(s, b, months, amounts, (1,) * len(months), ("C",) * len(months)))
    pairs.sort(key=lambda p: (p.seller, p.buyer))
    totals = {}
    for q in draw(st.lists(st.sampled_from(OTHERS), unique=True)):
        rows = draw(st.lists(st.tuples(st.sampled_from(MONTHS), st.integers(-3, 60), st.integers(-3, 60)),
                             max_size=8))
        by = {m: (s, p) for m, s, p in rows}
        months = tuple(sorted(by))
        totals[q] = FirmTotals(q, months, tuple(by[m][0] for m in months), tuple(by[m][1] for m in months))
    # The firm's own totals are what the store keeps: its pairs with others summed by month,
    # and its ledger lines without a partner (``unnamed``).
    unnamed = draw(st.dictionaries(st.sampled_from(MONTHS), st.tuples(st.integers(0, 9), st.integers(0, 9)),
                                   max_size=4))
    own: dict[str, list[int]] = {m: list(v) for m, v in unnamed.items()}
    for p in pairs:
        if p.seller != p.buyer:
            for m, a in zip(p.months, p.amounts, strict=True):
                own.setdefault(m, [0, 0])[0 if p.seller == FIRM else 1] += a
    months = tuple(sorted(m for m, (s, b) in own.items() if s or b))
    totals[FIRM] = FirmTotals(FIRM, months, tuple(own[m][0] for m in months), tuple(own[m][1] for m in months))
    books = {q: draw(st.one_of(st.none(), st.booleans())) for q in OTHERS}
    return pairs, totals, books, unnamed


bound = st.one_of(st.none(), st.sampled_from(["2023-06", *MONTHS, "2025-09"]))


def _window(start: str | None, end: str | None) -> tuple[str | None, str | None]:
    return (end, start) if start is not None and end is not None and start > end else (start, end)


@settings(max_examples=400, deadline=None)
@given(trade(), bound, bound)
def test_a_window_of_the_table_is_a_window_of_the_pairs(
        data: Trade, start: str | None, end: str | None) -> None:
    pairs, totals, books, _ = data
    start, end = _window(start, end)
    table = WindowTable.decode(WindowTable.build(FIRM, pairs, totals, books).encode())
    assert table.amounts(start, end) == window_amounts(pairs, start, end)
    members = set(table.members)
    wanted = {*members, "F99"}  # one that is not a member: not answered
    assert table.spans(wanted, start, end) == {
        f: span for f, t in totals.items() if f in members
        if (span := active_span(t.months, t.sales, t.purchases, start, end)) is not None}
    assert table.last_months(wanted) == {f: t.months[-1] for f, t in totals.items() if f in members and t.months}


@settings(max_examples=400, deadline=None)
@given(trade(), bound, bound, st.sampled_from(["month", "quarter"]))
def test_the_trend_of_the_table_is_the_trend_of_the_pairs(
        data: Trade, start: str | None, end: str | None, freq: str) -> None:
    pairs, totals, books, unnamed_all = data
    start, end = _window(start, end)
    unnamed = {m: v for m, v in unnamed_all.items()
               if (start is None or m >= start) and (end is None or m <= end)}
    table = WindowTable.decode(WindowTable.build(FIRM, pairs, totals, books).encode())
    own = window_monthly(pairs, start, end)
    partners = {b if s == FIRM else s for s, b in own}
    volume = {f: [(m, s + p) for m, s, p in zip(t.months, t.sales, t.purchases, strict=True)
                  if (start is None or m >= start) and (end is None or m <= end)]
              for f, t in totals.items() if f in partners | {FIRM}}
    expected = trend_of_group(FIRM, own, volume, {q: books.get(q) for q in partners}, freq,  # type: ignore[arg-type]
                              start=start, end=end, unnamed=unnamed)
    got = trend_of_table(table, freq, start=start, end=end, unnamed=unnamed)  # type: ignore[arg-type]
    assert orjson.dumps(got.to_dict()) == orjson.dumps(expected.to_dict())


def test_a_firm_without_trade_has_an_empty_table() -> None:
    table = WindowTable.decode(WindowTable.build(FIRM, [], {}, {}).encode())
    assert table.members == (FIRM,) and table.months == ()
    assert table.amounts("2024-04", "2025-03") == []
    assert trend_of_table(table, start="2024-04", end="2025-03").to_dict()["partners"] == []


def test_the_month_axis_is_every_calendar_month_between() -> None:
    pairs = [PairTrade(FIRM, "F1", ("2024-11", "2025-02"), (3, 4), (1, 1), ("C", "C"))]
    table = WindowTable.build(FIRM, pairs, {}, {"F1": True})
    assert table.months == month_range("2024-11", "2025-02")
    assert table.amounts("2024-12", "2025-01") == []  # no month of the pair inside
    assert table.amounts("2024-12", None) == [(FIRM, "F1", 4)]


def test_bytes_that_are_not_a_table_are_refused() -> None:
    import pytest

    data = WindowTable.build(FIRM, [], {}, {}).encode()
    with pytest.raises(ValueError):
        WindowTable.decode(b"XXXX" + data[4:])
    with pytest.raises(ValueError):
        WindowTable.decode(data + b"\0")
