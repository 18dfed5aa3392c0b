"""Correlation matrices: hand-checked entries, missing values, BH, the study's table, PNG."""

from __future__ import annotations

import io
import json
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from graph.correlation import NOTE, bh_adjust, correlation, heatmap_png
from graph.frames import parameters_frame, parameters_table
from ingest.readers.parameters import ParameterRecord, read_parameters
from queries.model import ParameterRow
from tests.conftest import SHARED_DATA

SEED = SHARED_DATA / "seed" / "management_parameters_dummy.csv"


def test_hand_checked_pearson_and_spearman() -> None:
    # x = 1..4, y = 2, 4, 5, 9: means 2.5 and 5; Sxy = 1.5*3 + .5*1 + .5*0 + 1.5*4 = 11,
    # Sxx = 5, Syy = 9 + 1 + 0 + 16 = 26 -> r = 11 / sqrt(130).
    df = pd.DataFrame({"x": [1.0, 2.0, 3.0, 4.0], "y": [2.0, 4.0, 5.0, 9.0]})
    assert correlation(df).matrix[0][1] is None  # four firms: fewer than five, not shown by default
    res = correlation(df, min_n=3)
    assert res.matrix[0][1] == pytest.approx(11 / math.sqrt(130))
    assert res.matrix[1][0] == res.matrix[0][1]
    assert res.matrix[0][0] == 1.0 and res.p_values[0][0] is None
    # t = r sqrt(n-2) / sqrt(1-r^2), two-sided with 2 df
    r = 11 / math.sqrt(130)
    t = r * math.sqrt(2) / math.sqrt(1 - r * r)
    assert res.p_values[0][1] == pytest.approx(2 * stats.t.sf(t, 2))
    # one pair only: the BH adjustment leaves it as it is
    assert res.p_adjusted[0][1] == pytest.approx(res.p_values[0][1])
    # monotone -> Spearman 1
    assert correlation(df, "spearman", min_n=3).matrix[0][1] == pytest.approx(1.0)


def test_pairwise_complete_constant_and_too_few() -> None:
    df = pd.DataFrame({
        "a": [1.0, 2.0, 3.0, 4.0, np.nan],
        "b": [1.0, 3.0, 2.0, np.nan, 5.0],
        "c": [7.0, 7.0, 7.0, 7.0, 7.0],  # constant
        "d": [np.nan, np.nan, np.nan, 1.0, 2.0],  # 2 values
    })
    res = correlation(df, min_n=3)
    i = res.columns.index
    # a-b on firms 0..2 only: (1,1), (2,3), (3,2) -> r = 0.5
    assert res.n_pairs[i("a")][i("b")] == 3
    assert res.matrix[i("a")][i("b")] == pytest.approx(0.5)
    assert res.matrix[i("a")][i("c")] is None and res.p_values[i("a")][i("c")] is None
    assert res.matrix[i("c")][i("c")] is None  # no variance
    assert res.n_pairs[i("c")][i("c")] == 5
    assert res.matrix[i("a")][i("d")] is None and res.n_pairs[i("a")][i("d")] == 1
    assert res.matrix[i("d")][i("d")] is None  # two values < 3
    out = res.to_dict()
    assert set(out) == {"method", "n", "columns", "matrix", "n_pairs", "p_values",
                        "p_adjusted", "note"}
    assert out["n"] == 5
    json.dumps(out, allow_nan=False)  # None, never NaN


def test_bh_adjust_by_hand_and_against_scipy() -> None:
    # sorted 0.01, 0.03, 0.04 with m = 3: 0.03, 0.045, 0.04 -> step-up min -> 0.03, 0.04, 0.04
    assert bh_adjust([0.01, 0.04, 0.03]) == pytest.approx([0.03, 0.04, 0.04])
    assert bh_adjust([]) == []
    rng = np.random.default_rng(5)
    p = rng.uniform(0, 0.2, 40)
    assert bh_adjust(list(p)) == pytest.approx(list(stats.false_discovery_control(p, method="bh")))
    with pytest.raises(ValueError):
        bh_adjust([1.5])


def test_bh_spans_all_distinct_pairs() -> None:
    rng = np.random.default_rng(0)
    df = pd.DataFrame(rng.normal(size=(20, 4)), columns=list("abcd"))
    res = correlation(df, "spearman")
    raw = [res.p_values[i][j] for i in range(4) for j in range(i + 1, 4)]
    adj = [res.p_adjusted[i][j] for i in range(4) for j in range(i + 1, 4)]
    assert len(raw) == 6 and None not in raw
    assert adj == pytest.approx(list(stats.false_discovery_control(raw, method="bh")))


def test_parameters_frame_accepts_rows_and_records_latest_period() -> None:
    rows = [
        ParameterRow("A", "FY2023", (("employees", 10.0),)),
        ParameterRow("A", "FY2024", (("employees", 12.0), ("overtime_hours", 5.0))),
        ParameterRow("B", "2025-03", (("employees", 3.0),)),
        ParameterRow("B", "FY2024", (("employees", 4.0),)),  # FY2024 ends 2025-03: FY wins the tie
        ParameterRow("C", "2024-05", (("employees", 8.0),)),
    ]
    f = parameters_frame(rows)
    assert list(f.columns) == ["employees", "overtime_hours"]  # spec order
    assert f["employees"].to_dict() == {"A": 12.0, "B": 4.0, "C": 8.0}
    assert f["overtime_hours"].isna().to_dict() == {"A": False, "B": True, "C": True}
    assert f.attrs["periods"] == {"A": "FY2024", "B": "FY2024", "C": "2024-05"}
    assert parameters_frame(rows, "FY2023")["employees"].to_dict() == {"A": 10.0}
    rec = ParameterRecord("Z", "FY2024", size_class=2, employees=None, overtime_hours=3.5)
    t = parameters_table([rec])
    assert t.loc[0, "size_class"] == 2.0 and "employees" not in t.columns
    with pytest.raises(ValueError):
        parameters_table([rows[0], rows[0]])


def _seed_frame() -> pd.DataFrame:
    recs = [r for r in read_parameters(SEED, period="FY2024") if isinstance(r, ParameterRecord)]
    assert len(recs) == 15  # no rejects
    return parameters_frame(recs, "FY2024")


def test_the_study_matrix_on_the_seed_table(tmp_path: Path) -> None:
    df = _seed_frame()
    assert list(df.columns) == ["size_class", "profitable", "ordinary_margin_pct", "employees",
                                "nonregular_ratio_pct", "overtime_hours", "ar_turnover_days"]
    res = correlation(df)
    with pd.option_context("display.width", 200, "display.max_columns", 20):
        print("\nPearson, study's 15-firm table (FY2024):\n", res.frame().round(3))
        print("BH-adjusted p:\n", pd.DataFrame(res.p_adjusted, index=res.columns,
                                               columns=res.columns).round(4))
    assert res.n == 15 and all(n == 15 for row in res.n_pairs for n in row)
    expected = np.corrcoef(df.to_numpy().T)
    for i in range(7):
        for j in range(7):
            assert res.matrix[i][j] == pytest.approx(expected[i, j])
    c = res.columns.index
    margin_profit = res.matrix[c("ordinary_margin_pct")][c("profitable")]
    assert margin_profit is not None and margin_profit > 0.6
    overtime_profit = res.matrix[c("overtime_hours")][c("profitable")]
    assert overtime_profit is not None and overtime_profit < -0.85
    # hand check of one p-value with scipy directly
    r = stats.pearsonr(df["overtime_hours"], df["ar_turnover_days"])
    assert res.p_values[c("overtime_hours")][c("ar_turnover_days")] == pytest.approx(r.pvalue)
    assert res.note == NOTE and "hypothesis-generating" in res.note.lower()

    sp = correlation(df, "spearman")
    rho = stats.spearmanr(df["size_class"], df["employees"]).statistic
    assert sp.matrix[c("size_class")][c("employees")] == pytest.approx(rho)

    png = tmp_path / "seed_pearson.png"
    heatmap_png(res, png)
    data = png.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    assert 20_000 < len(data) < 2_000_000
    width, height = int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")
    assert 400 < width < 3000 and 400 < height < 3000


def test_heatmap_to_buffer_with_undefined_cells_and_labels() -> None:
    df = pd.DataFrame({"a": [1.0, 2.0, 3.0], "b": [5.0, 5.0, 5.0]})
    buf = io.BytesIO()
    heatmap_png(correlation(df), buf, labels=["A", "B"], title="t")
    assert buf.getvalue()[:4] == b"\x89PNG"
    with pytest.raises(ValueError):
        heatmap_png(correlation(df), io.BytesIO(), labels=["only one"])
