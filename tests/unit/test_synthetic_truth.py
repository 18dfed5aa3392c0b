"""Ground truth agrees with the ledgers, read back with the project's readers.

* every planted malformed row is rejected, and no other row is;
* every counterparty string a reader finds is in ``truth/counterparties.csv``;
* sales and purchases per (client, counterparty, month) equal the true edges.
"""

from __future__ import annotations

import csv
import datetime as dt
from collections import Counter
from pathlib import Path

import pytest

from ingest.readers.detect import read_ledger
from ingest.records import Direction, LedgerLine, Reject
from synthetic import GenerateConfig, generate


@pytest.fixture(scope="module")
def region(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("truth") / "region"
    generate(GenerateConfig(firms=800, clients=90, months=14, seed=11, out=out, noise="high"))
    return out


@pytest.fixture(scope="module")
def read_back(region: Path) -> tuple[list[tuple[str, LedgerLine]], dict[tuple[str, int], str]]:
    with (region / "manifest.csv").open(encoding="utf-8") as fh:
        manifest = list(csv.DictReader(fh))
    lines: list[tuple[str, LedgerLine]] = []
    rejects: dict[tuple[str, int], str] = {}
    for m in manifest:
        opts: dict[str, dt.date] = {}
        if m["format"] == "zengin":  # the header has MMDD only: the file time gives the year
            opts["today"] = dt.date.fromtimestamp((region / m["path"]).stat().st_mtime)
        for r in read_ledger(region / m["path"], m["format"], **opts):
            if isinstance(r, Reject):
                rejects[(m["path"], r.line)] = r.reason
            elif isinstance(r, LedgerLine):
                lines.append((m["client_id"], r))
    return lines, rejects


def test_readers_reject_exactly_the_planted_rows(
        region: Path, read_back: tuple[list[tuple[str, LedgerLine]], dict[tuple[str, int], str]]
) -> None:
    with (region / "truth" / "malformed.csv").open(encoding="utf-8") as fh:
        planted = {(r["path"], int(r["line"])) for r in csv.DictReader(fh)}
    assert len(planted) > 10
    assert set(read_back[1]) == planted


def test_every_counterparty_string_is_in_truth(
        region: Path, read_back: tuple[list[tuple[str, LedgerLine]], dict[tuple[str, int], str]]
) -> None:
    with (region / "truth" / "counterparties.csv").open(encoding="utf-8") as fh:
        truth = {(r["client_id"], r["raw"]) for r in csv.DictReader(fh)}
    seen = {(cid, ln.counterparty.name) for cid, ln in read_back[0]}
    assert seen - truth == set()


def test_trade_lines_match_true_edges(
        region: Path, read_back: tuple[list[tuple[str, LedgerLine]], dict[tuple[str, int], str]]
) -> None:
    with (region / "truth" / "counterparties.csv").open(encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    truth: dict[tuple[str, str], set[str]] = {}
    for r in rows:
        truth.setdefault((r["client_id"], r["raw"]), set()).add(r["firm_id"])
    clients = {r["client_id"] for r in rows}
    got: Counter[tuple[str, str, str, str]] = Counter()
    for cid, ln in read_back[0]:
        if not ln.direction.is_trade:
            continue
        firms = truth[(cid, ln.counterparty.name)]
        assert len(firms) == 1, (cid, ln.counterparty.name)
        (firm,) = firms
        if ln.direction is Direction.SALE:
            got[(cid, cid, firm, ln.month)] += ln.amount
        else:
            got[(cid, firm, cid, ln.month)] += ln.amount
    expected: Counter[tuple[str, str, str, str]] = Counter()
    with (region / "truth" / "edges.csv").open(encoding="utf-8") as fh:
        for r in csv.DictReader(fh):
            for c in {r["seller_id"], r["buyer_id"]} & clients:
                expected[(c, r["seller_id"], r["buyer_id"], r["month"])] += int(r["amount_yen"])
    assert len(expected) > 1000
    assert got == expected


def test_distress_truth(region: Path) -> None:
    with (region / "truth" / "distress.csv").open(encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    assert rows
    for r in rows:
        assert r["cause"] in {"own", "partner"}
        assert (r["caused_by"] != "") == (r["cause"] == "partner")
        if r["failure_month"]:
            assert r["failure_month"] > r["onset_month"]
