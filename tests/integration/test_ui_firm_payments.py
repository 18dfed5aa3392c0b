"""A firm known from clients' payments alone, and a firm made of a spelling
that waits in the name review queue, on the firm page of both stores.

Found in the demo: a 全銀 payee in truncated bank kana (ﾜﾀﾅﾍﾞｺｳｻﾝ(ﾕ) that
two registered firms share waits in the review queue as a firm of its own.
Its page said it had no partners, that no client's ledger recorded it, and
nothing of the ¥70M one client paid it over 22 months, nor that a person
should decide whether it is 渡辺興産有限会社. The page now lists the
payments clients' ledgers record with a firm that is not a client, and
(for analysts and admins only) the spellings of it that wait for a review,
with the candidate and the review queue one click away.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from api.identity import set_password
from api.service import ingest_file
from api.settings import Settings
from api.web.dossier import build_dossier
from ingest import review
from queries.access import SYSTEM, Principal, Role
from queries.model import Firm, RegistryRecord
from queries.scoped import ScopedStore
from queries.store import Store
from tests.conftest import make_tokens
from tests.integration.test_ui_analyst import _cn
from tests.integration.test_ui_review_filters import _login

PASSWORD = "correct horse battery staple"
REGISTERED = "株式会社出雲精密工業所"
MISSPELT = "株式会社出雲精蜜工業所"  # a near miss of the registered name: a review item, a firm of its own for now
MONTHS = ["2025-01", "2025-02", "2025-03", "2025-04"]


def _ledger(path: Path, lines: list[tuple[str, str, str, int]]) -> Path:
    path.write_text("date,counterparty_name,direction,amount\n"
                    + "".join(f"{d},{n},{k},{a}\n" for d, n, k, a in lines), encoding="utf-8")
    return path


def _region(store: Store, tmp: Path) -> None:
    """X sells to 株式会社得意先 every month, pays the misspelt firm in three
    months and receives from 株式会社入金元 once; Y pays the misspelt firm
    once. Neither paid firm has any trade."""
    store.upsert_firms([Firm("X", "株式会社エックス商会", is_client=True, consented_banks=("B1",)),
                        Firm("Y", "株式会社ワイ工務店", is_client=True)])
    store.upsert_registry([RegistryRecord(_cn(280001000001), REGISTERED, "301")])
    x = [(f"{m}-10", "株式会社得意先", "sale", 900_000) for m in MONTHS]
    x += [(f"{m}-25", MISSPELT, "payment", 100_000 * (i + 1)) for i, m in enumerate(MONTHS[:3])]
    x += [("2025-02-05", "株式会社入金元", "receipt", 50_000)]
    ingest_file(store, _ledger(tmp / "x.csv", x), "X", None, tmp / "rejects")
    ingest_file(store, _ledger(tmp / "y.csv", [("2025-04-25", MISSPELT, "payment", 70_000)]), "Y", None,
                tmp / "rejects")


@pytest.fixture
def app(store: Store, tmp_path: Path) -> Iterator[TestClient]:
    (tmp_path / "region").mkdir()
    _region(store, tmp_path / "region")
    make_tokens(store)
    for name in ("analyst", "officer_b1"):
        set_password(store, name, PASSWORD, SYSTEM)
    with TestClient(create_app(Settings(TORIHIKI_HOME=tmp_path / "home"), store=store)) as c:  # type: ignore[call-arg]
        yield c


def _firm_of(store: Store, client: str, spelling: str) -> str:
    return next(a.firm_id for a in store.aliases(client).values() if a.raw_name == spelling)


def _text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def test_a_firm_known_from_payments_alone(app: TestClient, store: Store) -> None:
    paid = _firm_of(store, "X", MISSPELT)
    assert _firm_of(store, "Y", MISSPELT) == paid
    spellings = [a for a in store.aliases_of_firm(paid)]
    assert [(a.client_id, a.status) for a in spellings] == [("X", "review"), ("Y", "review")]
    candidate = spellings[0].candidate_id
    assert candidate and candidate != paid

    _login(app, "analyst")
    page = app.get(f"/ui/firms/{paid}")
    assert page.status_code == 200
    text = _text(page.text)
    # the payments, largest first: X paid 100k + 200k + 300k over three months, Y 70k in one
    assert "支払・入金の記録" in text
    rows = re.findall(r"<tr><td><a href=\"/ui/firms/(\w+)\"><bdi>([^<]+)</bdi></a></td>\s*<td>([^<]+)</td>\s*"
                      r"<td>([^<]+)</td>\s*<td class=\"num\">([^<]+)</td></tr>", page.text)
    assert rows == [("X", "株式会社エックス商会", "相手先からこの企業へ", "2025年1月～3月 (3 か月)", "600,000円"),
                    ("Y", "株式会社ワイ工務店", "相手先からこの企業へ", "2025年4月 (1 か月)", "70,000円")]
    assert "合計：入金 670,000円。" in text
    assert "二重に数えられている可能性" not in text
    # no partner: not the green "no partner shows a distress signal"
    assert "判定する取引先はありません" in text and "経営悪化の兆候がある取引先はありません" not in text
    assert "売買の記録がないため、趨勢は示せません" in text and "月数がまだ足りません" not in text
    assert "データ上、この企業との売買の記録はなく、支払・入金の記録だけがあります" in text
    assert re.search(r"この企業との支払・入金を記録した帳簿 顧問先 2 社", text)
    # the spellings waiting for a decision, with the candidate and the queue of each client
    assert "次の表記は名寄せ確認待ちです" in text
    assert f"株式会社エックス商会 の帳簿の「{MISSPELT}」" in text
    # the candidate is the registry's entry, which no ledger names yet: named as registered, no dead link
    assert store.get_firm(candidate) is None
    assert f"候補： <bdi>{REGISTERED}</bdi> <span class=\"hint\">(法人番号の登録にある企業。まだどの帳簿にも現れていません)" \
        in page.text
    assert f'href="/ui/firms/{candidate}"' not in page.text
    assert 'href="/ui/review?client=X" class="pending-review-link"' in page.text
    assert 'href="/ui/review?client=Y" class="pending-review-link"' in page.text
    english = _text(app.get(f"/ui/firms/{paid}?lang=en").text)
    assert "In all: received ¥670,000." in english and "paid this firm" in english
    assert f"“{MISSPELT}” in the ledger of 株式会社エックス商会" in english
    queue = app.get("/ui/review?client=X").text
    assert f"{REGISTERED}<br><span class=\"hint registered-only\">" in queue
    assert f'href="/ui/firms/{candidate}"' not in queue

    # the firm X received from: paid by it, no review
    payer = _text(app.get(f"/ui/firms/{_firm_of(store, 'X', '株式会社入金元')}").text)
    assert "この企業から相手先へ" in payer and "合計：支払 50,000円。" in payer
    assert "名寄せ確認待ち" not in payer
    # a firm with trade and no payments: neither
    customer = _text(app.get(f"/ui/firms/{_firm_of(store, 'X', '株式会社得意先')}").text)
    assert "支払・入金の記録" not in customer and "名寄せ確認待ち" not in customer
    # a client's own settlements are in its terms, not listed as payments
    assert "支払・入金の記録" not in _text(app.get("/ui/firms/X").text)


def test_a_credit_officer_sees_no_review_queue_nor_other_banks_firms(app: TestClient, store: Store) -> None:
    paid = _firm_of(store, "X", MISSPELT)
    _login(app, "officer_b1")
    assert app.get(f"/ui/firms/{paid}").status_code == 404  # not a client: not the bank's to see
    own = app.get("/ui/firms/X")
    assert own.status_code == 200 and "名寄せ確認" not in own.text
    officer = ScopedStore(store, Principal("officer_b1", Role.CREDIT_OFFICER, "B1"))
    assert build_dossier(officer, "X").coverage.pending_spellings is None
    assert build_dossier(store, paid).coverage.pending_spellings is not None  # the operator's


def test_accepting_a_registry_candidate_makes_the_registered_firm(store: Store, tmp_path: Path) -> None:
    """Accepting a spelling into a candidate that is a registry entry no
    ledger named yet made a firm named with the accepted (misspelt)
    spelling and no 法人番号; it is now the registry's firm, which later
    ledgers that spell it right resolve to, and undoing the merge removes it."""
    (tmp_path / "region").mkdir()
    _region(store, tmp_path / "region")
    item = next(i for i in review.review_queue(store) if i.client_id == "X")
    assert item.candidate_name == REGISTERED  # the queue names the registry entry (the CLI and the API too)
    merge = review.accept(store, item.id)
    firm = store.get_firm(merge.to_firm)
    assert firm is not None
    assert (firm.name, firm.corporate_number) == (REGISTERED, _cn(280001000001))
    assert [p.amount for p in store.payments([firm.id], None, None)] == [100_000, 200_000, 300_000]
    ingest_file(store, _ledger(tmp_path / "x2.csv", [("2025-05-25", REGISTERED, "payment", 400_000)]), "X", None,
                tmp_path / "rejects")
    assert _firm_of(store, "X", REGISTERED) == firm.id
    review.undo_merge(store, merge.id)
    assert [p.amount for p in store.payments([firm.id], None, None)] == [400_000]
    assert store.get_firm(firm.id) is not None  # still named by the later ledger


def test_undoing_a_registry_merge_nothing_else_names_removes_the_firm(store: Store, tmp_path: Path) -> None:
    (tmp_path / "region").mkdir()
    _region(store, tmp_path / "region")
    item = next(i for i in review.review_queue(store) if i.client_id == "X")
    merge = review.accept(store, item.id)
    assert store.get_firm(merge.to_firm) is not None
    review.undo_merge(store, merge.id)
    assert store.get_firm(merge.to_firm) is None  # no trade, no spelling: gone, as before the merge
    assert store.get_firm(item.firm_id) is not None and item.candidate_id  # the spelling's own firm is back
    assert store.firm_by_corporate_number(_cn(280001000001)) is None
    assert [i.candidate_id for i in review.review_queue(store) if i.client_id == "Y"] == [item.candidate_id]


def test_a_registry_candidate_given_to_a_firm_since_is_that_firm(store: Store, tmp_path: Path) -> None:
    """The firm master gave the registry entry's 法人番号 to a firm of its own
    id after the spelling was queued: the queue names and links that firm,
    and accepting merges into it (it made a second firm, named with the
    misspelling, without the 法人番号)."""
    (tmp_path / "region").mkdir()
    _region(store, tmp_path / "region")
    store.upsert_firms([Firm("F9", REGISTERED, corporate_number=_cn(280001000001))])
    item = next(i for i in review.review_queue(store) if i.client_id == "X")
    assert (item.candidate_id, item.candidate_name) == ("F9", REGISTERED)
    assert review.registered_only(store, [item.candidate_id]) == set()
    merge = review.accept(store, item.id)
    assert merge.to_firm == "F9" and store.get_firm(f"C{_cn(280001000001)}") is None
    assert [p.amount for p in store.payments(["F9"], None, None)] == [100_000, 200_000, 300_000]


def test_payments_a_clients_journal_and_bank_file_both_hold_are_flagged(store: Store, tmp_path: Path) -> None:
    """X's journal and its bank statement both hold the March payment to the
    paid firm: the row says those months may count twice. A former client's
    own ledger is no "client's ledger" of its payments."""
    (tmp_path / "region").mkdir()
    _region(store, tmp_path / "region")
    bank = ("日付,摘要,支払い金額,預かり金額,差引残高\n"
            "2025/03/25,振込 株式会社出雲精蜜工業所,300000,,700000\n").encode("cp932")
    (tmp_path / "bank.csv").write_bytes(bank)
    ingest_file(store, tmp_path / "bank.csv", "X", "bank", tmp_path / "rejects")
    paid = _firm_of(store, "X", MISSPELT)
    rows = build_dossier(store, paid).coverage.payments
    assert rows is not None
    x = next(r for r in rows.rows if r.id == "X")
    assert x.yen == 900_000 and x.doubled_months == ["2025-03"]
    assert next(r for r in rows.rows if r.id == "Y").doubled_months == []
    assert build_dossier(store, paid).coverage.latest_month == "2025-04"  # the payments' months count
    # X no longer a client: its own settlements are not listed as "recorded by clients' ledgers"
    store.end_clients(["X"])
    own = build_dossier(store, "X").coverage.payments
    assert own is None or all(r.id != "X" for r in own.rows)


def test_a_firm_paid_by_many_clients_lists_them_all(app: TestClient, store: Store, tmp_path: Path) -> None:
    """The first ten counterparties shown, the others folded under ほか N 社 (an analyst could not see
    28 of a supplier's 38 payers)."""
    store.upsert_firms([Firm(f"K{i:02d}", f"株式会社顧問{i:02d}", is_client=True) for i in range(12)])
    for i in range(12):
        ingest_file(store, _ledger(tmp_path / f"k{i}.csv", [("2025-02-25", "株式会社大口先", "payment", 10_000 * (i + 1))]),
                    f"K{i:02d}", None, tmp_path / "rejects")
    big = _firm_of(store, "K00", "株式会社大口先")
    _login(app, "analyst")
    page = app.get(f"/ui/firms/{big}").text
    folded = page.split('<details class="more-payments">')[1].split("</details>")[0]
    assert "ほか 2 社" in folded and "株式会社顧問01" in folded and "株式会社顧問00" in folded
    assert "株式会社顧問11" not in folded and "株式会社顧問11" in page  # the largest payer leads
    assert "合計：入金 780,000円。" in _text(page)
