"""Trend, correlation and what-if through the API on both stores."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from api.settings import Settings
from ingest.imports import import_parameters
from queries.store import Store
from tests.conftest import SHARED_DATA
from tests.contract.test_store_contract import load_sample

SEED = SHARED_DATA / "seed" / "management_parameters_dummy.csv"


@pytest.fixture
def client(store: Store, tmp_path: Path, tokens: dict[str, dict[str, str]]) -> Iterator[TestClient]:
    load_sample(store, tmp_path)
    import_parameters(store, SEED, tmp_path, period="FY2024")
    with TestClient(create_app(Settings(TORIHIKI_HOME=tmp_path), store=store), headers=tokens["analyst"]) as c:
        yield c


def test_trend(client: TestClient) -> None:
    r = client.get("/firms/F0001/trend", params={"freq": "quarter"})
    assert r.status_code == 200
    t = r.json()
    assert [s["period"] for s in t["series"]] == ["FY2024Q1", "FY2024Q2", "FY2024Q3", "FY2024Q4"]
    first = t["series"][0]
    assert first["firm_volume"] == first["firm_sales"] + first["firm_purchases"]
    assert first["group_volume"] >= first["firm_volume"]
    a = t["attribution"]
    assert a["gap_pp"] == pytest.approx(a["firm_growth_pct"] - a["group_growth_pct"], abs=1e-6)
    assert client.get("/firms/NOPE/trend").status_code == 404


def test_correlation_of_the_study_table(client: TestClient) -> None:
    r = client.get("/analytics/correlation", params={"method": "pearson", "period": "FY2024"})
    assert r.status_code == 200
    c = r.json()
    assert c["method"] == "pearson" and c["n"] == 15 and len(c["matrix"]) == len(c["columns"]) == 7
    i, j = c["columns"].index("profitable"), c["columns"].index("overtime_hours")
    assert c["matrix"][i][j] == pytest.approx(-0.918, abs=0.001)  # the study table's strongest pair
    assert c["matrix"][i][j] == c["matrix"][j][i] and c["matrix"][i][i] == 1.0
    assert c["p_adjusted"][i][j] < 0.05
    png = client.get("/analytics/correlation.png", params={"method": "spearman"})
    assert png.status_code == 200 and png.content[:8] == b"\x89PNG\r\n\x1a\n"
    assert client.get("/analytics/correlation", params={"method": "kendall"}).status_code == 422
    # a period without parameters says so, rather than a matrix of gaps that reads as "no correlation"
    empty = client.get("/analytics/correlation", params={"period": "FY2019"})
    assert empty.status_code == 422 and "no firm has management parameters for the period 'FY2019'" in \
        empty.json()["detail"] and "FY2024" in empty.json()["detail"]


def test_whatif_ranges(client: TestClient) -> None:
    r = client.get("/firms/F0001/whatif", params={"fails": "F0003"})  # F0003 supplies F0001
    assert r.status_code == 200, r.text
    w = r.json()
    lo, hi = w["focal"]["distress"]
    assert 0 <= lo <= hi <= 1 and w["focal"]["band"]
    assert w["direct"]["supply_share"] > 0 and len(w["scenarios"]) == 9
    assert client.get("/firms/F0001/whatif", params={"fails": "NOPE"}).status_code == 404
    assert client.get("/firms/F0001/whatif", params={"fails": "F0001"}).status_code == 422
