"""The firm page of the web UI (``/ui/firms/{id}``) on both stores, signed in
with a name and password as each role.

The region is the access matrix's (``tests/contract/test_access_matrix.py``):
C1 ``F1001`` consents to bank B1 and sells to C2 ``F2002`` (consents to B2
only) and to the non-client N1 ``F4004``; C3 ``F3003`` consents to B1. N1's
name in the firm master is made hostile markup here.
"""

from __future__ import annotations

import base64
import re
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from api.identity import set_password
from api.settings import Settings
from ingest.load import load_file
from ingest.readers.detect import read_ledger
from queries.access import SYSTEM
from queries.model import Firm
from queries.store import Store
from tests.conftest import make_tokens, without_csrf
from tests.contract.test_access_matrix import (
    C1,
    C2,
    C3,
    HIDDEN_TOKENS,
    LEDGERS,
    MASTER,
    N1,
    N3,
    build_region,
)

PASSWORD = "correct horse battery staple"
HOSTILE = "<img src=x onerror=alert(1)>"
DATA_URI = re.compile(r"data:image/svg\+xml;base64,[A-Za-z0-9+/=]+")


@pytest.fixture
def app(store: Store, tmp_path: Path) -> Iterator[TestClient]:
    build_region(store, tmp_path / "region")
    store.upsert_firms([Firm(N1, name=HOSTILE)])
    make_tokens(store)
    for name in ("admin", "analyst", "researcher", "officer_b1", "officer_b2"):
        set_password(store, name, PASSWORD, SYSTEM)
    app = create_app(Settings(TORIHIKI_HOME=tmp_path), store=store)  # type: ignore[call-arg]
    with TestClient(app) as client:
        yield client


def _sign_in(client: TestClient, name: str) -> None:
    client.cookies.clear()
    page = client.get("/login")
    csrf = re.search(r'name="csrf" value="([^"]+)"', page.text)
    assert csrf
    r = client.post("/login", data={"name": name, "password": PASSWORD, "csrf": csrf.group(1)},
                    follow_redirects=False)
    assert r.status_code == 303, r.text


def _charts(html: str) -> list[str]:
    """The SVG documents of the page's charts."""
    return [base64.b64decode(u.split(",", 1)[1]).decode("utf-8") for u in DATA_URI.findall(html)]


def test_a_page_wants_a_session(app: TestClient) -> None:
    r = app.get(f"/ui/firms/{C1}", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == f"/login?next=/ui/firms/{C1}"


def test_an_analyst_sees_the_firm_page_in_japanese_and_english(app: TestClient, store: Store) -> None:
    _sign_in(app, "analyst")
    r = app.get(f"/ui/firms/{C1}")
    assert r.status_code == 200, r.text
    html = r.text
    assert "frame-src 'self'" in r.headers["content-security-policy"]
    assert "script-src 'self'" in r.headers["content-security-policy"]
    assert '<html lang="ja">' in html
    assert MASTER[C1] in html and MASTER[C2] in html  # the firm and its partners by name
    assert f'href="/ui/firms/{C2}"' in html  # a partner opens its own page
    for section in ("データの範囲", "取引ネットワーク", "取引グループ", "集中度", "支払条件", "取引先の状況",
                    "同業比較", "取引先が破綻した場合"):
        assert section in html, section
    assert "HHI" in html and "74.7%" in html  # C2's share of C1's sales: 390,033 / 522,096
    assert "390,033円" in html  # yen in the Japanese format
    assert f'<iframe class="egoview" src="/firms/{C1}/view?embed=1"' in html
    assert f'href="/firms/{C1}/view"' in html
    assert f'href="/firms/{C1}/report?lang=ja"' in html and f"/firms/{C1}/report?lang=ja&amp;format=pdf" in html
    assert "F1001.csv" in html and "/region/" not in html  # a ledger's file name, never a server path
    # an analyst opens a ledger's load, or loads another file of the firm (the form for this client)
    assert '<a href="/ui/loads/b' in html and f'href="/ui/loads?client={C1}"' in html
    assert f'value="{C1}"' in app.get(f"/ui/loads?client={C1}").text
    svgs = _charts(html)
    assert len(svgs) == 3 and all(s.lstrip().startswith("<?xml") and "<svg" in s for s in svgs)
    assert 'class="chart"' in html
    # suppressed peer statistics are said to be suppressed (three clients in division E)
    assert "抑制" in html
    # the partners moving the group, the rest and the firm itself add up to the group's growth
    drivers = html.split("取引グループの伸びを動かした主な取引先")[1].split("</table>")[0]
    body, foot = drivers.split('<tfoot class="contribution-sum">')
    points = [float(v.replace("+", "")) for v in re.findall(r'<td class="num">([+-]?[\d.]+)</td></tr>', body + foot)]
    assert "この企業自身（取引グループの一員として）" in foot and "取引グループの伸び率（％）" in foot
    assert len(points) >= 3 and abs(sum(points[:-1]) - points[-1]) <= 0.05 * len(points), points
    # English
    en = app.get(f"/ui/firms/{C1}?lang=en")
    assert en.status_code == 200
    for section in ("Data coverage", "Trading network", "Trend against the trading group", "Concentration",
                    "Payment terms", "Partner health", "Peer comparison", "What-if: a partner fails",
                    "suppressed (fewer than 5 firms)"):
        assert section in en.text, section
    assert "¥390,033" in en.text and '<html lang="en">' in en.text
    assert "集中度" not in en.text
    # another client, and a firm that is not one: no own ledger, no peers, still a page
    c2 = app.get(f"/ui/firms/{C2}?lang=en")
    assert c2.status_code == 200 and MASTER[C2] in c2.text
    n1 = app.get(f"/ui/firms/{N1}?lang=en")
    assert n1.status_code == 200 and "its partners' ledgers only" in n1.text
    assert "not a BPO client: peer baselines compare clients" in n1.text
    # unknown firm: 404 page, all in the page's language
    missing = app.get("/ui/firms/F9999")
    assert missing.status_code == 404
    assert "企業 F9999 は見つかりません。" in missing.text and "no firm" not in missing.text
    missing_en = app.get("/ui/firms/F9999?lang=en")
    assert missing_en.status_code == 404 and "No firm F9999." in missing_en.text
    # an address no page has, and a value a page cannot read: pages too, in Japanese
    for path in ("/ui/nothing", "/ui/firms/"):
        page = app.get(path)
        assert page.status_code == 404 and "<title>見つかりません" in page.text and '"type"' not in page.text
    # a question that cannot be answered as asked (InputError, no field list): the page, not a 500
    for path, params, headers in ((f"/ui/firms/{C1}", {"fails": C1}, {}),
                                  (f"/ui/firms/{C1}/whatif", {"fails": C1}, {"HX-Request": "true"}),
                                  (f"/firms/{N1}/peers", {}, {"Accept": "text/html"})):
        answer = app.get(path, params=params, headers=headers)
        assert answer.status_code == 422 and "<title>入力内容を処理できません" in answer.text, (path, answer.status_code)
    bad = app.get("/ui/alerts", params={"month": "2025-13"})
    assert bad.status_code == 422 and "このページで読み取れない値があります（month）" in bad.text
    assert "<title>入力内容を処理できません" in bad.text
    # a browser following a mistyped link to a view; a program still gets its problem JSON
    view = app.get("/firms/F9999/view", headers={"Accept": "text/html,application/xhtml+xml"})
    assert view.status_code == 404 and "企業 F9999 は見つかりません。" in view.text
    api = app.get("/firms/F9999", headers={"Accept": "application/json"})
    assert api.status_code in (401, 404) and api.headers["content-type"].startswith("application/")


def test_the_page_is_audited(store: Store, tmp_path: Path) -> None:
    build_region(store, tmp_path / "region")
    make_tokens(store)
    set_password(store, "analyst", PASSWORD, SYSTEM)
    with TestClient(create_app(Settings(TORIHIKI_HOME=tmp_path), store=store)) as client:  # type: ignore[call-arg]
        _sign_in(client, "analyst")
        assert client.get(f"/ui/firms/{C1}").status_code == 200
        assert client.get("/ui/firms/F9999").status_code == 404
    entries, _ = store.audit_log(action="ui.firm")
    got = {(e.user, e.firm_id, e.outcome) for e in entries}
    assert ("analyst", C1, "ok") in got and ("analyst", "F9999", "not_found") in got


def test_a_credit_officer_sees_partners_masked(app: TestClient) -> None:
    _sign_in(app, "officer_b1")
    r = app.get(f"/ui/firms/{C1}")
    assert r.status_code == 200, r.text
    html = r.text
    text = without_csrf(DATA_URI.sub("data:", html))
    for token in HIDDEN_TOKENS["officer_b1"] | {HOSTILE, "&lt;img"}:
        assert token not in text, f"hidden {token!r} on the officer's page"
    # C1's own ledger spellings of its partners, under pseudonyms, and the notice
    for _, spelling, _, _ in LEDGERS[C1]:
        assert spelling in html
    assert "貴行に対して伏せている情報" in html
    assert "/ui/loads" not in html  # the loads are the operator's
    pseudonyms = set(re.findall(r"p-[a-z2-7]{10,}", html))
    assert len(pseudonyms) == 2
    assert "300,009円" in html  # C1's own figure for its sales to C2 (not C2's 390,033)
    # the charts draw glyph outlines: no text, so no hidden name either
    for svg in _charts(html):
        assert "<text" not in svg
        for token in HIDDEN_TOKENS["officer_b1"]:
            assert token not in svg
    # a firm that did not consent to B1 is an unknown firm
    hidden, unknown = app.get(f"/ui/firms/{C2}"), app.get("/ui/firms/F9999")
    assert hidden.status_code == unknown.status_code == 404
    assert hidden.text.replace(C2, "X") == unknown.text.replace("F9999", "X")
    assert app.get(f"/ui/firms/{C2}/whatif", params={"fails": C1}).status_code == 404
    assert app.get(f"/ui/firms/{C3}").status_code == 200


def test_masked_partners_are_not_assessed_anywhere_on_the_page(app: TestClient, store: Store,
                                                               tmp_path: Path) -> None:
    """Every partner of C1 is masked for bank B1. C3's ledger runs six months
    longer, so in B1's view C1's partners look as if they had stopped trading:
    they are not counted as distressed, neither in the partner health box nor
    in the peer measures (which once said 100 % where the box said 0 %, then
    0 %, which counted them healthy in other firms' peer quartiles), and
    the page says that none can be assessed rather than that none shows a signal."""
    from api.portfolio import Snapshot
    from queries.access import Principal, Role
    from queries.scoped import ScopedStore, is_pseudonym

    later = tmp_path / "c3-later.csv"
    later.write_text("date,client_id,counterparty_name,counterparty_id,direction,amount\n" + "".join(
        f"2026-{m:02d}-15,{C3},ナンヨウシザイ,F6006,purchase,66031\n" for m in range(1, 7)), encoding="utf-8")
    load_file(store, later, C3, fmt="canonical", reader=lambda p: read_ledger(p, "canonical"),
              rejects_dir=tmp_path / "rejects")
    snap = Snapshot.load(ScopedStore(store, Principal("o1", Role.CREDIT_OFFICER, "B1")))
    assert not any(is_pseudonym(f) for f in snap.distress)
    # not 100 % (its partners seem to stop) nor 0 % (healthy): missing, so that C1 is no peer value of it
    assert pd.isna(snap.metrics.loc[C1, "partner_distress_share"])
    assert pd.isna(snap.metrics.loc[C1, "two_hop_distress_exposure"])
    _sign_in(app, "officer_b1")
    html = app.get(f"/ui/firms/{C1}").text
    assert "判定できる取引先がありません" in html and "判定対象外の取引先（仮名で表示）" in html
    # and the trend says the group can say little beside the firm (found by a credit officer)
    assert "この企業の取引先はいずれも貴行への情報提供に同意していません" in html
    assert "経営悪化の兆候がある取引先はありません" not in html
    _sign_in(app, "analyst")  # the operator sees every partner: nothing is left unassessed
    html = app.get(f"/ui/firms/{C1}").text
    assert "判定対象外の取引先" not in html and "判定できる取引先がありません" not in html
    assert "貴行への情報提供に同意していません" not in html


def test_a_researcher_may_not_open_firm_pages(app: TestClient) -> None:
    _sign_in(app, "researcher")
    r = app.get(f"/ui/firms/{C1}")
    assert r.status_code == 403 and MASTER[C1] not in r.text and "text/html" in r.headers["content-type"]


def test_the_whatif_picker_returns_a_result(app: TestClient) -> None:
    _sign_in(app, "analyst")
    page = app.get(f"/ui/firms/{C1}?lang=en")
    assert f'<option value="{C2}"' in page.text and 'hx-get="/ui/firms/F1001/whatif"' in page.text
    assert 'id="whatif-result"' in page.text and "If " not in page.text.split('id="whatif-result"')[1][:200]
    full = app.get(f"/ui/firms/{C1}", params={"fails": C2, "lang": "en"})
    assert full.status_code == 200
    result = full.text.split('id="whatif-result"', 1)[1]
    assert f"If {MASTER[C2]} fails" in result
    assert re.search(r"¥[\d,]+ – ¥[\d,]+", result)  # the loss as a range
    assert "Band" in result and ("moderate" in result or "high" in result or "low" in result)
    part = app.get(f"/ui/firms/{C1}/whatif", params={"fails": C2, "lang": "en"}, headers={"HX-Request": "true"})
    assert part.status_code == 200 and part.text.lstrip().startswith("<div id=\"whatif-result\"")
    assert "<html" not in part.text and f"If {MASTER[C2]} fails" in part.text
    # the same address opened as a page (a copied link): the firm page with the result, not a fragment
    own = app.get(f"/ui/firms/{C1}/whatif", params={"fails": C2, "lang": "en"}, follow_redirects=False)
    assert own.status_code == 303 and own.headers["location"] == f"/ui/firms/{C1}?fails={C2}&lang=en#whatif"
    unknown = app.get(f"/ui/firms/{C1}/whatif", params={"fails": "F9999", "lang": "en"})
    assert unknown.status_code == 200 and "no such partner" in unknown.text
    # a credit officer picks a pseudonymous partner; a hidden firm's id is an unknown partner
    _sign_in(app, "officer_b1")
    page = app.get(f"/ui/firms/{C1}?lang=en")
    options = re.findall(r'<option value="(p-[a-z2-7]+)"', page.text)
    assert len(options) == 2
    r = app.get(f"/ui/firms/{C1}/whatif", params={"fails": options[0], "lang": "en"})
    assert r.status_code == 200 and "Two-hop propagation" in r.text
    hidden = app.get(f"/ui/firms/{C1}/whatif", params={"fails": C2, "lang": "en"})
    unknown = app.get(f"/ui/firms/{C1}/whatif", params={"fails": "F9999", "lang": "en"})
    assert hidden.text.replace(C2, "X") == unknown.text.replace("F9999", "X")
    assert "no such partner" in hidden.text


def test_a_partner_of_earlier_months_is_no_error_in_the_whatif_or_the_memo(app: TestClient, store: Store,
                                                                         tmp_path: Path) -> None:
    """C1's largest customer over all months bought two years before the
    what-if's 12 months. It is not named among the largest exposures, on
    the page or in the memo (they rank the shares of the what-if's 12 months,
    which the page and the memo name), and the list one picks a partner
    from starts at the largest of them; picked from the list, the page's
    what-if says there is nothing to compute (it answered 422 for a credit
    officer, 500 for the operator)."""
    old = tmp_path / "old.csv"
    old.write_text("date,client_id,counterparty_name,counterparty_id,direction,amount\n"
                   f"2022-01-15,{C1},旧得意先商事,F7007,sale,9000000\n", encoding="utf-8")
    load_file(store, old, C1, fmt="canonical", reader=lambda p: read_ledger(p, "canonical"),
              rejects_dir=tmp_path / "rejects")
    for who in ("analyst", "officer_b1"):
        _sign_in(app, who)
        memo = app.get(f"/firms/{C1}/report", params={"lang": "en"})
        assert memo.status_code == 200, (who, memo.text[:300])
        whatif = memo.text.split('<section id="whatif">', 1)[1].split("</section>", 1)[0]
        assert "旧得意先商事" not in whatif and "nothing to compute" not in whatif, who
        assert re.search(r"in Apr 2023\W+Mar 2024, the 12 months the what-if counts", whatif)
        assert "of sales" in whatif and "No trade in the last 12 months" not in whatif  # computed rows
        page = app.get(f"/ui/firms/{C1}", params={"lang": "en"})
        exposures = page.text.split('id="whatif-h"', 1)[1].split("<form", 1)[0]
        assert "旧得意先商事" not in exposures and re.search(r"of Apr 2023\W+Mar 2024, the 12 months", exposures)
        fails = re.findall(r'<option value="([^"]+)"', page.text)[0]  # the largest partner of all months
        picked = re.search(r'<option value="([^"]+)" selected', page.text)  # the largest exposure
        assert picked and picked.group(1) != fails and picked.group(1) in exposures, who
        part = app.get(f"/ui/firms/{C1}/whatif", params={"fails": fails, "lang": "en"},
                       headers={"HX-Request": "true"})
        assert part.status_code == 200 and "Nothing to compute" in part.text and "2023-04" not in part.text
        ja = app.get(f"/ui/firms/{C1}", params={"fails": fails})
        assert ja.status_code == 200 and "計算する取引がありません" in ja.text
        assert "いま想定を計算すると対象になる12か月（2023年4月～2024年3月）" in ja.text


def test_a_firm_never_near_is_said_so_not_called_a_partner_of_other_months(app: TestClient) -> None:
    """N3 (C3's supplier) is three steps from C1 in every month: its what-if
    says it never traded with C1 directly or through one firm — not that it
    is a partner of other months, nor (API) that it has no trade."""
    _sign_in(app, "analyst")
    part = app.get(f"/ui/firms/{C1}/whatif", params={"fails": N3}, headers={"HX-Request": "true"})
    assert part.status_code == 200 and "閲覧できる取引のどの月にも、この企業はその会社と直接にも1社を介しても" in part.text
    assert "月の取引先です" not in part.text
    api = app.get(f"/firms/{C1}/whatif", params={"fails": N3})
    assert api.status_code == 422 and "never traded" in api.text and "no trades" not in api.text


def test_the_largest_exposures_show_the_whatifs_shares(app: TestClient) -> None:
    """A highlighted partner's share of sales on the page is the one its
    what-if computes (both over the what-if's 12 months)."""
    _sign_in(app, "analyst")
    page = app.get(f"/ui/firms/{C1}", params={"lang": "en"}).text
    exposures = page.split('id="whatif-h"', 1)[1].split("<form", 1)[0]
    assert MASTER[C2] in exposures and "74.7%" in exposures
    api = app.get(f"/firms/{C1}/whatif", params={"fails": C2}).json()
    assert round(api["direct"]["sales_share"] * 100, 1) == 74.7


def test_the_whatif_notes_are_in_the_readers_language(app: TestClient) -> None:
    """What a what-if answer rests on (graph.contagion.WHATIF_NOTES) is shown
    in Japanese by default and in English on request, the same notes as the API's;
    the page names the failing firm where the API gives its id."""
    from graph.contagion import WHATIF_NOTES

    _sign_in(app, "analyst")
    api = app.get(f"/firms/{C1}/whatif", params={"fails": C2})
    assert api.status_code == 200
    items, english = api.json()["note_items"], api.json()["notes"]
    assert items and len(items) == len(english)
    ja = app.get(f"/ui/firms/{C1}/whatif", params={"fails": C2}).text
    en = app.get(f"/ui/firms/{C1}/whatif", params={"fails": C2, "lang": "en"}).text
    assert "モデルの注記" in ja and "Model notes" in en
    assert "receivable_estimated" in [i["key"] for i in items]
    for item, text in zip(items, english, strict=True):
        assert text == WHATIF_NOTES[item["key"]] % item["values"]
        shown = text.replace(f"on {C2} ", "on 株式会社二号物産 ")
        assert shown in en and shown not in ja
    assert "株式会社二号物産 に対する売掛金は、直近" in ja


def test_a_hostile_name_stays_text(app: TestClient) -> None:
    _sign_in(app, "analyst")
    for path in (f"/ui/firms/{C1}", f"/ui/firms/{N1}", f"/ui/firms/{C1}?fails={N1}"):
        html = app.get(path).text
        assert HOSTILE not in html, path
        assert "&lt;img src=x onerror=alert(1)&gt;" in html, path


def test_a_firm_with_1500_partners_renders_with_capped_tables(store: Store, tmp_path: Path) -> None:
    """One client selling to 1,000 customers and buying from 500 suppliers
    (three months): the page renders as analyst and as credit officer
    (partners under pseudonyms), every partner table shows ten rows and says
    how many more there are, the picker offers the 300 largest. (How long it
    takes is measured by bench/bench_dossier.py, not asserted here.)"""
    from ingest.load import load_file
    from ingest.readers.detect import read_ledger

    store.upsert_firms([Firm("F0001", name="株式会社大口", is_client=True, industry="E", consented_banks=("B1",))])
    rows = ["date,client_id,counterparty_name,counterparty_id,direction,amount"]
    for month in ("2024-01", "2024-02", "2024-03"):
        rows += [f"{month}-15,F0001,取引先{i:04d},P{i:05d},{'sale' if i % 3 else 'purchase'},{10_000 + 7 * i}"
                 for i in range(1500)]
    ledger = tmp_path / "big.csv"
    ledger.write_text("\n".join(rows) + "\n", encoding="utf-8")
    load_file(store, ledger, "F0001", fmt="canonical", reader=lambda p: read_ledger(p, "canonical"),
              rejects_dir=tmp_path / "rejects")
    make_tokens(store)
    for name in ("analyst", "officer_b1"):
        set_password(store, name, PASSWORD, SYSTEM)
    with TestClient(create_app(Settings(TORIHIKI_HOME=tmp_path), store=store)) as client:  # type: ignore[call-arg]
        for user in ("analyst", "officer_b1"):
            _sign_in(client, user)
            r = client.get("/ui/firms/F0001?lang=en")
            assert r.status_code == 200, r.text
            conc = r.text.split('id="concentration"', 1)[1].split("</section>", 1)[0]
            assert "and 990 more" in conc and "and 490 more" in conc  # 1,000 customers, 500 suppliers
            assert conc.count("<tr>") == 2 + 10 + 10  # two header rows, ten rows each
            assert r.text.count("<option ") == 300 and "The 300 largest partners are offered." in r.text
            if user == "officer_b1":
                assert "P00001" not in r.text and "and 1,490 more" in r.text  # pseudonyms, ten listed
                assert "The credit-memo supplement lists them all." in r.text
                # the memo an officer files lists them all, up to 200, and says how many more
                memo = client.get("/firms/F0001/report?lang=en").text
                masked = memo.split('id="masked"', 1)[1].split("</section>", 1)[0]
                assert masked.count("<tr>") == 1 + 200 and "And 1,300 more." in masked
