"""Entity resolution on both stores: accuracy on a ledger set with known
truth, the review queue, recorded merges and their undo, and the privacy
rule for sole proprietors."""

from __future__ import annotations

import csv
import itertools
from pathlib import Path

from api.service import ingest_file
from ingest import review
from ingest.corporate_number import check_digit
from queries.model import RegistryRecord
from queries.store import Store


def cn(base: int) -> str:
    b = f"{base:012d}"
    return f"{check_digit(b)}{b}"


# truth id -> (registry name, furigana, 法人番号 or None when not in the registry)
FIRMS = {
    "yamada": ("株式会社山田商事", "ヤマダショウジ", cn(280001000001)),
    "toyo": ("東洋精機株式会社", "トウヨウセイキ", cn(280001000002)),
    "izumo": ("株式会社出雲テクノロジーサービス", "イズモテクノロジーサービス", cn(280001000003)),
    "yuugen_yamada": ("有限会社山田", "ヤマダ", cn(280001000004)),
    "kabu_yamada": ("株式会社山田", "ヤマダ", cn(280001000005)),
    "shokai": ("山田商会株式会社", "ヤマダショウカイ", cn(280001000006)),
    "yamaguchi": ("山口商事株式会社", "ヤマグチショウジ", cn(280001000007)),
    "daisen": ("大山フーズ株式会社", "ダイセンフーズ", None),
    "matsue": ("合同会社松江デザイン", "マツエデザイン", None),
}

# (client, spelling as written, truth id, extra memo)
SPELLINGS = [
    ("A", "株式会社山田商事", "yamada", ""), ("B", "(株)山田商事", "yamada", ""),
    ("C", "㈱山田商事", "yamada", ""), ("A", "山田商事株式会社", "yamada", ""),
    ("B", "ﾔﾏﾀﾞｼﾖｳｼﾞ(ｶ", "yamada", ""), ("C", "ヤマダ商事", "yamada", f"請求 T{FIRMS['yamada'][2]}"),
    ("A", "東洋精機(株)", "toyo", ""), ("B", "ﾄｳﾖｳｾｲｷ(ｶ", "toyo", ""), ("C", "東洋精機　株式会社", "toyo", ""),
    ("A", "株式会社出雲テクノロジーサービス", "izumo", ""), ("C", "(株)出雲テクノロジーサービス", "izumo", ""),
    ("A", "有限会社山田", "yuugen_yamada", ""), ("B", "(有)山田", "yuugen_yamada", ""),
    ("C", "株式会社山田", "kabu_yamada", ""), ("A", "山田商会株式会社", "shokai", ""),
    ("B", "山口商事株式会社", "yamaguchi", ""), ("A", "大山フーズ株式会社", "daisen", ""),
    ("B", "大山フーズ(株)", "daisen", ""), ("C", "大山フーズ　株式会社", "daisen", ""),
    ("A", "合同会社松江デザイン", "matsue", ""), ("C", "松江デザイン合同会社", "matsue", ""),
]
PERSON = "山田 太郎"  # a sole proprietor in two clients' ledgers: never linked


def _write_ledgers(tmp: Path) -> dict[str, Path]:
    files = {}
    for client in "ABC":
        path = tmp / f"{client}.csv"
        with path.open("w", encoding="utf-8", newline="") as fh:
            w = csv.writer(fh)
            w.writerow(["date", "counterparty_name", "direction", "amount", "memo"])
            for i, (c, name, _, memo) in enumerate(SPELLINGS):
                if c == client:
                    w.writerow([f"2025-0{1 + i % 9}-15", name, "sale", 100_000 + i, memo])
            if client in "AB":
                w.writerow(["2025-03-01", PERSON, "purchase", 50_000, "外注"])
        files[client] = path
    return files


def _load(store: Store, tmp: Path) -> dict[tuple[str, str], str]:
    store.upsert_registry([RegistryRecord(n, name, "301", "島根県", "松江市", kana)
                           for name, kana, n in FIRMS.values() if n])
    files = _write_ledgers(tmp)
    for client, path in files.items():
        ingest_file(store, path, client, None, tmp / "rejects")
    resolved = {}
    for client in "ABC":
        for a in store.aliases(client).values():
            resolved[(client, a.raw_name)] = a.firm_id
    return resolved


def test_precision_and_recall_on_known_truth(store: Store, tmp_path: Path) -> None:
    resolved = _load(store, tmp_path)
    items = [((c, n), t) for c, n, t, _ in SPELLINGS]
    tp = fp = fn = 0
    for (ka, ta), (kb, tb) in itertools.combinations(items, 2):
        same_pred = resolved[ka] == resolved[kb]
        same_true = ta == tb
        tp += same_pred and same_true
        fp += same_pred and not same_true
        fn += same_true and not same_pred
    precision = tp / (tp + fp) if tp + fp else 1.0
    recall = tp / (tp + fn) if tp + fn else 1.0
    print(f"\n[{store.backend}] pairwise resolution: precision={precision:.3f} recall={recall:.3f} "
          f"(tp={tp} fp={fp} fn={fn}; {len(items)} spellings, {len(set(resolved.values()))} firms)")
    assert precision >= 0.99 and recall >= 0.95
    # strong keys: registry firms carry their 法人番号 and official name
    yamada = store.get_firm(resolved[("A", "株式会社山田商事")])
    assert yamada is not None and yamada.corporate_number == FIRMS["yamada"][2]
    assert yamada.name == "株式会社山田商事"
    # the privacy rule: the same person's name in two clients' ledgers stays two firms
    assert resolved[("A", PERSON)] != resolved[("B", PERSON)]
    assert resolved[("A", PERSON)].startswith("P")


def test_review_accept_and_undo_move_rows(store: Store, tmp_path: Path) -> None:
    store.upsert_registry([RegistryRecord(cn(280001000001), "株式会社出雲精密工業所", "301", "島根県", None,
                                          "イズモセイミツコウギョウショ")])
    path = tmp_path / "X.csv"
    path.write_text("date,counterparty_name,direction,amount\n"
                    "2025-04-01,株式会社出雲精蜜工業所,sale,300000\n"  # one wrong character
                    "2025-04-02,株式会社出雲精密工業所,sale,200000\n", encoding="utf-8")
    summary = ingest_file(store, path, "X", None, tmp_path)
    assert summary.review_queued == 1
    (item,) = review.review_queue(store)
    assert item.raw_name == "株式会社出雲精蜜工業所" and item.candidate_id == f"C{cn(280001000001)}"
    assert 0.80 <= item.score < 0.92

    def sales_to(firm: str) -> int:
        return sum(e.amount for e in store.trade_edges(["X"], None, None) if e.buyer == firm)

    assert sales_to(item.candidate_id) == 200_000 and sales_to(item.firm_id) == 300_000
    merge = review.accept(store, item.id, "same firm, typo")
    assert sales_to(item.candidate_id) == 500_000 and store.get_firm(item.firm_id) is None
    assert review.review_queue(store) == []
    (recorded,) = [m for m in store.list_merges() if m.id == merge.id]
    assert "typo" in recorded.reason and recorded.from_firm == item.firm_id

    review.undo_merge(store, merge.id)
    assert sales_to(item.candidate_id) == 200_000 and sales_to(item.firm_id) == 300_000
    assert store.get_merge(merge.id).undone_at  # type: ignore[union-attr]
    # the decision sticks: loading the same rows again (new file) keeps them apart
    again = tmp_path / "X2.csv"
    again.write_text("date,counterparty_name,direction,amount\n2025-05-01,株式会社出雲精蜜工業所,sale,1000\n",
                     encoding="utf-8")
    ingest_file(store, again, "X", None, tmp_path)
    assert sales_to(item.firm_id) == 301_000


def test_reject_keeps_apart(store: Store, tmp_path: Path) -> None:
    store.upsert_registry([RegistryRecord(cn(280001000009), "株式会社米子運送サービス", "301")])
    path = tmp_path / "Y.csv"
    path.write_text("date,counterparty_name,direction,amount\n2025-04-01,株式会社米子運送サービ,purchase,1000\n",
                    encoding="utf-8")
    ingest_file(store, path, "Y", None, tmp_path)
    (item,) = review.review_queue(store)
    kept = review.reject(store, item.id)
    assert kept.status == "rejected" and review.review_queue(store) == []
