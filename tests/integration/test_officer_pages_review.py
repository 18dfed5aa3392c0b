"""What a credit officer's review of the firm page, the memo and the network
view asked for, on both stores (the access matrix's region,
``tests/contract/test_access_matrix.py``):

* where the partners that would carry a two-hop exposure cannot be assessed
  (every partner of C1 is under a pseudonym for bank B1), every place says
  "not assessable" (判定不可), never 0 % or 0 firms;
* days carry their unit (13.5日 / 13.5 days), a fiscal year reads 2024年度,
  chart months read 2024年1月, counts in notes have a thousands separator;
* the memo's lineage names the clients whose ledgers record the firm, not
  only their ids, and shows no load hashes.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from api.identity import set_password
from api.settings import Settings
from api.web.i18n import locale_for
from queries.access import SYSTEM, Principal, Role
from queries.scoped import ScopedStore
from queries.store import Store
from tests.conftest import make_tokens
from tests.contract.test_access_matrix import C1, C3, MASTER, build_region
from tests.integration.test_ui_firm import _sign_in

PASSWORD = "correct horse battery staple"


@pytest.fixture
def app(store: Store, tmp_path: Path) -> Iterator[TestClient]:
    build_region(store, tmp_path / "region")
    make_tokens(store)
    for name in ("analyst", "officer_b1"):
        set_password(store, name, PASSWORD, SYSTEM)
    app = create_app(Settings(TORIHIKI_HOME=tmp_path), store=store)  # type: ignore[call-arg]
    with TestClient(app) as client:
        yield client


def _row(html: str, label: str) -> str:
    """The cell after the row head ``label`` (a table's ``th`` or a list's ``dt``)."""
    m = re.search(re.escape(label) + r"</(?:th|dt)>\s*<(?:td|dd)[^>]*>(.*?)</(?:td|dd)>", html, re.S)
    assert m, f"no row {label!r}"
    return re.sub(r"<[^>]+>", "", m.group(1)).strip()


def test_two_hop_exposure_is_not_assessable_where_every_partner_is_masked(app: TestClient, store: Store) -> None:
    from api.web.dossier import build_dossier

    officer = ScopedStore(store, Principal("o1", Role.CREDIT_OFFICER, "B1"))
    d = build_dossier(officer, C1)
    assert d.health.none_assessed and not d.health.two_hop_assessable
    assert d.health.two_hop_exposure is None
    analyst = build_dossier(store, C1)  # the operator sees C1's partners and the firms beyond them
    assert analyst.health.two_hop_assessable and analyst.health.two_hop_exposure is not None

    _sign_in(app, "officer_b1")
    page = app.get(f"/ui/firms/{C1}").text
    assert _row(page, "2次エクスポージャー") == "判定不可"
    assert _row(page, "2次取引先のうち悪化兆候先") == "判定不可"
    assert "エクスポージャーがゼロという意味ではありません" in page
    en = app.get(f"/ui/firms/{C1}", params={"lang": "en"}).text
    assert _row(en, "Two-hop exposure to distress") == "not assessable"
    assert _row(en, "Distressed firms two steps away") == "not assessable"

    memo = app.get(f"/firms/{C1}/report", params={"lang": "ja"}).text
    assert _row(memo, "2次取引先を通じた悪化兆候先へのエクスポージャー") == "判定不可"
    assert _row(memo, "2次取引先のうち悪化兆候先") == "判定不可"
    memo_en = app.get(f"/firms/{C1}/report", params={"lang": "en"}).text
    assert _row(memo_en, "Two-hop exposure to distressed firms") == "not assessable"

    view = app.get(f"/firms/{C1}/view").text
    assert _row(view, "経営悪化の兆候がある取引先") == "判定不可"
    assert "対象月: データの全期間" in view and "最初" not in view

    _sign_in(app, "analyst")  # nothing is masked for the operator: a share, not "not assessable"
    page = app.get(f"/ui/firms/{C1}").text
    assert re.fullmatch(r"\d+\.\d%", _row(page, "2次エクスポージャー"))
    assert "判定不可" not in page
    view = app.get(f"/firms/{C1}/view").text
    assert re.fullmatch(r"\d+", _row(view, "経営悪化の兆候がある取引先"))
    assert "対象月: データの全期間</p>" in view and "（2024年3月 時点）" in view  # distress judged at the last month


def test_peer_rows_of_unassessable_measures_say_so() -> None:
    from api.web.dossier import PeerRow, Peers, _without_distress_values

    def row(name: str) -> PeerRow:
        return PeerRow(name, name, "metric", "share", None, "lower", 0.0, 5, 0.0, 0.1, 0.2, 20.0, "similar",
                       False, None)

    peers = Peers(True, None, rows=[row("two_hop_distress_exposure"), row("partner_churn_rate")])
    out = _without_distress_values(peers, {"two_hop_distress_exposure"})
    gone, kept = out.rows
    assert (gone.assessable, gone.value, gone.percentile, gone.comparison) == (False, None, None, None)
    assert gone.median == 0.1  # the peers' quartiles stay
    assert kept == peers.rows[1]


def test_days_carry_their_unit_and_a_fiscal_year_reads_as_a_reader_writes_it(app: TestClient) -> None:
    ja, en = locale_for("ja"), locale_for("en")
    assert (ja.days(13.46), en.days(41.4), ja.days(None)) == ("13.5日", "41.4 days", "–")
    assert (ja.period("FY2024"), en.period("FY2024")) == ("2024年度", "FY2024")
    assert (ja.period("2023-06"), en.period("2023-06")) == ("2023年6月", "Jun 2023")

    _sign_in(app, "officer_b1")
    page = app.get(f"/ui/firms/{C1}").text
    for label in ("売上債権回転日数", "支払日数"):
        value = _row(page, label)
        assert value == "–" or re.fullmatch(r"[\d,]+\.\d日", value), value
    assert "FY2024" not in page and "2024年度" in page  # the peers' period
    assert "FY2024" in app.get(f"/ui/firms/{C1}", params={"lang": "en"}).text
    memo = app.get(f"/firms/{C1}/report", params={"lang": "ja"}).text
    summary = _row(memo, "回収日数 ／ 支払日数（直近）")
    assert re.fullmatch(r"(–|[\d,]+\.\d日) / (–|[\d,]+\.\d日)", summary), summary
    assert "FY2024" not in memo and "2024年度" in memo
    memo_en = app.get(f"/firms/{C1}/report", params={"lang": "en"}).text
    summary = _row(memo_en, "Receivable days / payable days (latest)")
    assert re.fullmatch(r"(–|[\d,]+\.\d days) / (–|[\d,]+\.\d days)", summary), summary


def test_the_memo_names_the_ledgers_and_shows_no_load_hashes(app: TestClient, store: Store) -> None:
    _sign_in(app, "officer_b1")
    memo = app.get(f"/firms/{C3}/report", params={"lang": "ja"}).text
    ledgers = _row(memo, "取引を記録している帳簿（顧問先）")
    assert MASTER[C3] in ledgers and f"({C3})" in ledgers
    batches = store.list_batches(C3)
    assert batches and not any(b.id in memo for b in batches)
    assert "JST." not in memo and "JST。" in memo


def test_chart_months_and_note_counts_read_as_the_reader_writes_them() -> None:
    from api.web import charts
    from api.web.dossier import _named

    months = [f"{y}-{m:02d}" for y in (2023, 2024) for m in range(1, 13)]
    fig, _ = charts._figure()
    ax = fig.add_subplot()
    ax.plot(range(len(months)), range(len(months)))
    charts._month_axis(ax, months, locale_for("ja"))
    labels = [t.get_text() for t in ax.get_xticklabels()]
    assert labels[-1] == "2024年12月" and len(labels) <= charts.MAX_TICKS
    assert all(re.fullmatch(r"\d{4}年\d{1,2}月", x) for x in labels)

    assert _named({"n": 1593, "total": 12000, "days": 30.5}, "F1", None) == {
        "n": "1,593", "total": "12,000", "days": 30.5}
    assert _named({"firm": "F1", "months": 12}, "F1", "一号商事") == {"firm": "一号商事", "months": "12"}
