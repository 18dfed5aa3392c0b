"""Research-export helpers: keyed pseudonyms, k-anonymity, formula escaping, data dictionary."""

from __future__ import annotations

import hashlib
import hmac
import io

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from graph.anonymise import (
    PREFECTURE_REGION,
    REGIONS,
    SUBREGIONS,
    ColumnSpec,
    coarsen,
    data_dictionary,
    escape_formula,
    escape_frame,
    pseudonymise,
)

KEY = bytes(range(32))
OTHER_KEY = bytes(range(1, 33))
QIS = ["industry", "prefecture", "size_class"]

# --------------------------------------------------------------------------- pseudonyms


def test_pseudonym_is_keyed_hmac_and_stable() -> None:
    cn = "1234567890123"  # a 13-digit 法人番号
    p = pseudonymise(cn, KEY)
    assert p == pseudonymise(cn, KEY)  # stable for a key
    assert p != pseudonymise(cn, OTHER_KEY)  # depends on the key
    assert p != pseudonymise("1234567890124", KEY)
    assert p == "f_" + hmac.new(KEY, cn.encode(), hashlib.sha256).hexdigest()[:16]
    # Not the plain hash that could be brute-forced over all 10^13 numbers.
    plain = hashlib.sha256(cn.encode()).hexdigest()
    assert p[2:] != plain[:16] and plain[:16] not in p
    assert len(pseudonymise(cn, KEY, prefix="", length=32)) == 32


def test_pseudonym_refuses_weak_keys_and_bad_ids() -> None:
    with pytest.raises(ValueError, match="key"):
        pseudonymise("x", b"short")
    with pytest.raises(ValueError, match="firm_id"):
        pseudonymise("", KEY)
    with pytest.raises(ValueError, match="length"):
        pseudonymise("x", KEY, length=4)


# --------------------------------------------------------------------------- coarsening


def test_regions_cover_47_prefectures_once() -> None:
    assert len(PREFECTURE_REGION) == 47
    assert sum(len(v) for v in REGIONS.values()) == 47
    assert sum(len(v) for v in SUBREGIONS.values()) == 47
    assert PREFECTURE_REGION["鳥取県"] == "中国" and PREFECTURE_REGION["沖縄県"] == "九州・沖縄"
    for sub, prefs in SUBREGIONS.items():  # each sub-region lies in exactly one region
        assert len({PREFECTURE_REGION[p] for p in prefs}) == 1, sub


def test_coarsen_stops_at_the_first_sufficient_step() -> None:
    # 3 firms in 鳥取, 2 in 島根 (short name), same industry and size: no cell of 5 until
    # prefectures become the sub-region 山陰.
    df = pd.DataFrame({"industry": ["E"] * 5, "prefecture": ["鳥取県"] * 3 + ["島根"] * 2,
                       "size_class": [2] * 5, "sales": [1, 2, 3, 4, 5]})
    res = coarsen(df, k=5)
    assert res.steps == ["prefecture → subregion"]
    assert list(res.frame["prefecture"]) == ["山陰"] * 5
    assert list(res.frame["size_class"]) == [2] * 5 and list(res.frame["sales"]) == [1, 2, 3, 4, 5]
    assert (res.suppressed_rows, res.dropped_rows, res.smallest_cell) == (0, 0, 5)
    assert list(df["prefecture"]) == ["鳥取県"] * 3 + ["島根"] * 2  # input untouched


def test_coarsen_climbs_every_step_then_suppresses() -> None:
    # 5 manufacturers (E) and 5 builders (D) in 山陰/山陽, mixed sizes: needs region, size group
    # and sector (D, E → 第2次産業); one retailer in 東京 stays alone and is suppressed, then
    # dropped because a suppressed group of one is still a cell of one.
    rows = [("E", "鳥取県", 1), ("E", "島根県", 2), ("E", "岡山県", 1), ("E", "広島県", 2),
            ("E", "山口県", 1), ("D", "鳥取県", 3), ("D", "島根県", 4), ("D", "岡山県", 3),
            ("D", "広島県", 4), ("D", "山口県", 3), ("I", "東京都", 1)]
    df = pd.DataFrame(rows, columns=QIS)
    res = coarsen(df, k=5)
    assert res.steps == ["prefecture → subregion", "prefecture → region", "size_class → size_group",
                         "industry → sector", "suppressed 1 row(s) in cells below k",
                         "dropped 1 suppressed row(s): fewer than k"]
    assert len(res.frame) == 10 and set(res.frame["prefecture"]) == {"中国"}
    assert set(res.frame["industry"]) == {"第2次産業"}
    assert sorted(res.frame["size_class"].value_counts().to_dict().items()) == [("large", 5), ("small", 5)]
    assert res.to_dict()["dropped_rows"] == 1 and res.smallest_cell == 5


def test_coarsen_suppresses_a_few_rows_rather_than_coarsen_every_row() -> None:
    """One retailer of a division nobody else is in: with a suppression
    share, it alone loses its description and the twenty manufacturers keep
    their prefecture, size class and JSIC division; without, every row is
    generalised."""
    df = pd.DataFrame([("E", "鳥取県", 2)] * 20 + [("I", "東京都", 1)], columns=QIS)
    kept = coarsen(df, k=5, max_suppressed=0.05)
    assert kept.steps == ["suppressed 1 row(s) in cells below k", "dropped 1 suppressed row(s): fewer than k"]
    assert set(kept.frame["industry"]) == {"E"} and set(kept.frame["prefecture"]) == {"鳥取県"}
    assert coarsen(df, k=5).steps[0] == "prefecture → subregion"  # the default: generalise first
    assert coarsen(df, k=5, max_suppressed=0.01).steps[0] == "prefecture → subregion"  # 1 of 21 is over 1 %


def test_coarsen_counts_distinct_firms_with_id_column() -> None:
    # Five monthly rows of one firm are one firm, not five.
    df = pd.DataFrame({"firm": ["a"] * 5, "industry": ["E"] * 5, "prefecture": ["鳥取県"] * 5,
                       "size_class": [1] * 5})
    assert coarsen(df, k=5).steps == []
    res = coarsen(df, k=5, id_column="firm")
    assert res.frame.empty and res.dropped_rows == 5


def test_coarsen_rejects_unknown_values() -> None:
    df = pd.DataFrame({"industry": ["E"], "prefecture": ["Atlantis"], "size_class": [1]})
    with pytest.raises(ValueError, match="Atlantis"):
        coarsen(df, k=2)
    with pytest.raises(ValueError, match="columns"):
        coarsen(df.drop(columns="industry"), k=2)


PREFS = ["鳥取県", "島根県", "鳥取", "岡山県", "東京都", "北海道", "沖縄県", "大阪府", None]
row = st.tuples(st.sampled_from(list("ADEIPRT") + [None]), st.sampled_from(PREFS),
                st.sampled_from([1, 2, 3, 4, None]))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(rows=st.lists(row, max_size=80), k=st.integers(1, 6), share=st.sampled_from([0.0, 0.02, 0.2]))
def test_k_anonymity_holds_after_coarsening(rows: list[tuple], k: int, share: float) -> None:
    df = pd.DataFrame(rows, columns=QIS)
    df["payload"] = range(len(df))
    res = coarsen(df, k=k, max_suppressed=share)
    out = res.frame
    assert len(out) == len(df) - res.dropped_rows
    if not out.empty:
        cells = out.groupby(QIS, dropna=False).size()
        assert cells.min() >= k and res.smallest_cell == cells.min()
    # Rows keep their index and non-identifying columns.
    assert list(out["payload"]) == list(df.loc[out.index, "payload"])


# --------------------------------------------------------------------------- formula escaping


@pytest.mark.parametrize(("value", "expected"), [
    ("=1+1", "'=1+1"), ("+81", "'+81"), ("-5", "'-5"), ("@SUM(A1)", "'@SUM(A1)"),
    ("\tx", "'\tx"), ("\rx", "'\rx"), ("株式会社=", "株式会社="), ("", ""), ("a-b", "a-b"),
])
def test_escape_formula_text(value: str, expected: str) -> None:
    assert escape_formula(value) == expected


@pytest.mark.parametrize("value", [-5, -5.5, 0, True, None])
def test_escape_formula_leaves_non_text(value: object) -> None:
    assert escape_formula(value) is value


def test_escape_frame_keeps_numbers_numeric() -> None:
    df = pd.DataFrame({
        "name": ["=cmd|' /C calc'!A0", "-株式会社", "普通", None],
        "balance": [-5, -1_000_000, 0, 3],
        "ratio": [-0.5, 0.1, None, 1.0],
        "mixed": pd.Series([-5, "-5", "@x", None], dtype=object),
        "kind": pd.Categorical(["+a", "b", "+a", "b"]),
    })
    out = escape_frame(df)
    assert list(out["name"].iloc[:3]) == ["'=cmd|' /C calc'!A0", "'-株式会社", "普通"]
    assert pd.isna(out["name"].iloc[3])
    assert out["balance"].dtype == df["balance"].dtype and list(out["balance"]) == [-5, -1_000_000, 0, 3]
    assert out["ratio"].dtype == df["ratio"].dtype
    assert list(out["mixed"].iloc[:3]) == [-5, "'-5", "'@x"]  # a real int stays an int
    assert list(out["kind"].cat.categories) == ["'+a", "b"]
    assert out["name"].dtype == df["name"].dtype
    assert list(df["name"].iloc[:1]) == ["=cmd|' /C calc'!A0"]  # input untouched
    # Round trip through CSV: negative numbers come back as numbers.
    back = pd.read_csv(io.StringIO(out.to_csv(index=False)))
    assert back["balance"].tolist() == [-5, -1_000_000, 0, 3]
    assert pd.api.types.is_integer_dtype(back["balance"].dtype)


def test_escape_frame_headers_and_index() -> None:
    df = pd.DataFrame({"=evil": [1]}, index=pd.Index(["+x"], name="id"))
    out = escape_frame(df)
    assert list(out.columns) == ["'=evil"] and list(out.index) == ["'+x"]
    kept = escape_frame(df, header=False, index=False)
    assert list(kept.columns) == ["=evil"] and list(kept.index) == ["+x"]


# --------------------------------------------------------------------------- data dictionary

SPECS = [
    ColumnSpec("firm", "string", "", "Pseudonymous firm id", "pseudonym (HMAC-SHA256)"),
    ColumnSpec("sales", "integer", "yen", "Annual sales"),
]


def test_data_dictionary_follows_the_frame() -> None:
    frame = pd.DataFrame({"sales": [1], "firm": ["f_x"]})
    d = data_dictionary(SPECS, frame)
    assert list(d.columns) == ["name", "type", "unit", "description", "privacy"]
    assert d["name"].tolist() == ["sales", "firm"]
    assert d.loc[1, "privacy"] == "pseudonym (HMAC-SHA256)"
    assert data_dictionary(SPECS)["name"].tolist() == ["firm", "sales"]


def test_data_dictionary_refuses_gaps() -> None:
    with pytest.raises(ValueError, match="undescribed"):
        data_dictionary(SPECS, pd.DataFrame({"firm": [], "sales": [], "extra": []}))
    with pytest.raises(ValueError, match="not in the frame"):
        data_dictionary(SPECS, pd.DataFrame({"firm": []}))
    with pytest.raises(ValueError, match="description"):
        data_dictionary([ColumnSpec("x", "integer")])
    with pytest.raises(ValueError, match="duplicate"):
        data_dictionary([SPECS[0], SPECS[0]])
