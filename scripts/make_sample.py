"""Write the small hand-sized sample region shipped in ``sample/``.

A few dozen firms in 山陰 (Tottori, Shimane), one fiscal year of canonical
ledger CSVs for eight BPO clients, deterministic (seeded). The larger,
calibrated generator is ``torihiki generate``; this sample is kept small
so that it can be read by eye and used in tests.

Usage: python scripts/make_sample.py [OUT_DIR]   (default: sample/)
"""

from __future__ import annotations

import csv
import random
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from ingest.corporate_number import check_digit  # noqa: E402

CLIENTS = [
    ("F0001", "株式会社山陰精工", "E"),
    ("F0002", "大山食品株式会社", "E"),
    ("F0003", "有限会社米子運送", "H"),
    ("F0004", "株式会社出雲商事", "I"),
    ("F0005", "松江建設株式会社", "D"),
    ("F0006", "株式会社鳥取ソフト", "G"),
    ("F0007", "境港水産株式会社", "E"),
    ("F0008", "合同会社倉吉デザイン", "L"),
]
OTHERS = [
    "株式会社日野金属", "三朝化成株式会社", "株式会社皆生物流", "有限会社安来鋼材",
    "株式会社浜田包装", "益田電機株式会社", "株式会社大田機械", "有限会社江津木材",
    "株式会社智頭林業", "岩美漁業協同組合", "株式会社湯梨浜フーズ", "株式会社琴浦ファーム",
    "株式会社北栄物産", "有限会社八頭印刷", "株式会社若桜エネルギー", "雲南リース株式会社",
    "株式会社奥出雲テック", "有限会社隠岐海運", "株式会社宍道湖観光", "株式会社山陰銀行サービス",
    "株式会社中海システム", "有限会社弓ヶ浜製作所", "株式会社因幡商会", "株式会社伯耆ホールディングス",
]


def corp_number(rng: random.Random) -> str:
    base = f"{rng.randrange(10**11, 10**12):012d}"
    return f"{check_digit(base)}{base}"


def main(out: Path) -> None:
    rng = random.Random(2025)
    firms = [(fid, name) for fid, name, _ in CLIENTS] + [(None, n) for n in OTHERS]
    numbers = {name: corp_number(rng) for _, name in firms}
    months = [f"{2024 + (m + 3) // 12}-{(m + 3) % 12 + 1:02d}" for m in range(12)]  # FY2024: Apr–Mar
    (out / "ledgers").mkdir(parents=True, exist_ok=True)
    for cid, cname, _ in CLIENTS:
        partners = rng.sample([f for f in firms if f[1] != cname], 7)
        rows: list[list[str]] = []
        for pid, pname in partners:
            direction = rng.choice(["sale", "sale", "purchase"])
            base = rng.randrange(200, 5000) * 1000
            for month in months:
                if rng.random() < 0.15:
                    continue
                amount = int(base * rng.uniform(0.7, 1.3)) // 100 * 100
                day = rng.randrange(1, 28)
                memo = f"T{numbers[pname]} 請求" if rng.random() < 0.3 else ""
                rows.append([f"{month}-{day:02d}", cid, pname, pid or "",
                             numbers[pname] if pid is None and rng.random() < 0.5 else "",
                             direction, f"{amount:,}", memo])
                settle = "receipt" if direction == "sale" else "payment"
                rows.append([f"{month}-{day:02d}", cid, pname, pid or "", "", settle, f"{amount:,}", "振込"])
        rows.sort()
        # One planted bad row per file, so the quarantine is visible in the demo.
        rows.insert(len(rows) // 2, [months[5] + "-31", cid, partners[0][1], "", "", "sale", "12,000", "bad date"])
        path = out / "ledgers" / f"{cid}.csv"
        with path.open("w", encoding="utf-8", newline="") as fh:
            w = csv.writer(fh, lineterminator="\r\n")
            w.writerow(["date", "client_id", "counterparty_name", "counterparty_id",
                        "corporate_number", "direction", "amount", "memo"])
            w.writerows(rows)
    with (out / "firms.csv").open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["firm_id", "name", "corporate_number", "industry", "prefecture", "is_client",
                    "consented_banks"])
        for i, (cid, cname, ind) in enumerate(CLIENTS):
            w.writerow([cid, cname, numbers[cname], ind, "鳥取県" if i % 2 else "島根県", "1",
                        "bank:sanin" if i % 3 else "bank:sanin;bank:tottori-chuo"])


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "sample")
