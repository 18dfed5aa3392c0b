"""bench/bench_ab.py's pure parts: the ABBA order and the summary of the pairs."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))
import bench_ab  # noqa: E402


def test_pairs_alternate_which_variant_goes_first() -> None:
    assert bench_ab.order(3) == [(0, "A"), (0, "B"), (1, "B"), (1, "A"), (2, "A"), (2, "B")]


def row(pair: int, variant: str, per_s: float, p99: float) -> dict[str, object]:
    return {"pair": pair, "variant": variant, "kind": "ego2-computed", "per_s": per_s, "p50_ms": 100.0,
            "p99_ms": p99, "server_ms": 17.0}


def test_the_summary_gives_ratios_by_pair_and_how_often_b_was_better() -> None:
    rows = [row(0, "A", 70, 300), row(0, "B", 77, 240), row(1, "B", 70, 280), row(1, "A", 70, 250),
            row(2, "A", 60, 400), row(2, "B", 66, 300), row(3, "A", 80, 200)]  # pair 3 lacks B: left out
    summary = {s["figure"]: s for s in bench_ab.summarise(rows, ["ego2-computed"])}
    assert set(summary) == {"per_s", "p50_ms", "p99_ms", "server_ms"}  # no Neo4j CPU measured
    assert summary["p99_ms"]["a"] == [300, 250, 400] and summary["p99_ms"]["b"] == [240, 280, 300]
    assert summary["p99_ms"]["median_ratio"] == 0.8 and summary["p99_ms"]["ratio_range"] == [0.75, 1.12]
    assert summary["p99_ms"]["b_better"] == "2 of 3"  # fewer milliseconds is better
    assert summary["per_s"]["b_better"] == "2 of 3"  # more requests/s is better; a tie is not
    assert summary["p50_ms"]["b_better"] == "0 of 3" and summary["p50_ms"]["median_ratio"] == 1.0


def test_the_markdown_names_both_commits_and_every_figure() -> None:
    rows = [row(0, "A", 70, 300), row(0, "B", 77, 240)]
    result = {"a": {"commit": "a" * 40}, "b": {"commit": "bbbbbbb+dirty", "env": {}}, "store": "neo4j",
              "pairs": 1, "seconds": 20.0, "workers": 2, "machine": {"cpu_model": "x", "cpus": 2},
              "summary": bench_ab.summarise(rows, ["ego2-computed"])}
    text = bench_ab.markdown(result)
    assert "aaaaaaaaaaaa (A) against bbbbbbb+dirty (B)" in text and "| ego2-computed | p99_ms | 300 | 240 | 0.8 (0.8–0.8) | 1 of 1 |" in text
