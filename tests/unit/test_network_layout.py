"""The network view's geometry (:mod:`graph.layout`) and its labels
(:func:`api.network_view.clean_label`): pure functions, no store."""

from __future__ import annotations

import math
import time

import pytest

from api.network_view import clean_label
from graph.layout import (
    MIN_RADIUS,
    SPACING,
    cluster_points,
    cluster_radius,
    ring_layout,
    summary_point,
)


def _dist(a: tuple[float, float], b: tuple[float, float]) -> float:
    return math.hypot(a[0] - b[0], a[1] - b[1])


def test_customers_right_suppliers_left_both_between() -> None:
    slots = [(f"c{i}", "customer") for i in range(7)] + [(f"s{i}", "supplier") for i in range(7)]
    slots += [("b0", "both"), ("b1", "both")]
    ring = ring_layout(slots)
    xs = {s.key: s.x for s in ring.slots}
    assert all(xs[f"c{i}"] > 0 for i in range(7)) and all(xs[f"s{i}"] < 0 for i in range(7))
    bottom = [s for s in ring.slots if s.side == "both"]
    assert all(s.y > 0 for s in bottom)  # y grows downwards: "both" sits at the bottom, between the two
    assert all(math.isclose(math.hypot(s.x, s.y), ring.radius) for s in ring.slots)
    assert ring.radius == MIN_RADIUS  # few partners: the smallest ring


def test_largest_customer_is_in_the_middle_of_its_block_order_kept() -> None:
    ring = ring_layout([("a", "customer"), ("b", "customer"), ("c", "customer")])
    angles = [s.angle for s in ring.slots]
    assert [s.key for s in ring.slots] == ["a", "b", "c"] and angles == sorted(angles)
    assert math.isclose(ring.slot("b").angle, 0.0, abs_tol=1e-9)  # type: ignore[union-attr]


def test_only_suppliers_centre_on_the_left() -> None:
    ring = ring_layout([("s", "supplier")])
    (s,) = ring.slots
    assert math.isclose(s.x, -ring.radius) and math.isclose(s.y, 0.0, abs_tol=1e-9)


def test_the_ring_grows_so_neighbours_keep_their_spacing() -> None:
    ring = ring_layout([(f"p{i}", "customer") for i in range(43)])
    assert ring.radius > MIN_RADIUS
    pts = [(s.x, s.y) for s in ring.slots]
    gaps = [_dist(pts[i], pts[(i + 1) % len(pts)]) for i in range(len(pts))]
    assert min(gaps) == pytest.approx(max(gaps)) and min(gaps) >= SPACING * 0.99


def test_no_slots_and_a_bad_side() -> None:
    assert ring_layout([]).slots == ()
    with pytest.raises(ValueError):
        ring_layout([("x", "sibling")])


def test_summaries_and_clusters_lie_beyond_their_partner() -> None:
    ring = ring_layout([(f"p{i}", "customer" if i % 2 else "supplier") for i in range(20)])
    for slot in ring.slots:
        sx, sy = summary_point(ring, slot)
        assert math.hypot(sx, sy) > ring.radius
        assert math.isclose(math.atan2(sy, sx) % (2 * math.pi), slot.angle % (2 * math.pi), abs_tol=1e-9)
        pts = cluster_points(ring, slot, 30)
        assert len(pts) == 30 and all(math.hypot(x, y) > ring.radius + 20 for x, y in pts)
        # nearer to its own partner than to the firm at the centre
        assert all(_dist((x, y), (slot.x, slot.y)) < math.hypot(x, y) for x, y in pts)
    assert cluster_points(ring, ring.slots[0], 0) == []


def test_a_cluster_does_not_pile_nodes_on_each_other() -> None:
    ring = ring_layout([("p", "customer")])
    pts = cluster_points(ring, ring.slots[0], 400)
    nearest = min(_dist(a, b) for i, a in enumerate(pts) for b in pts[i + 1:])
    assert nearest > 12  # pixels: second-hop dots are 5–14 px
    centre = (sum(x for x, _ in pts) / len(pts), sum(y for _, y in pts) / len(pts))
    assert max(_dist(p, centre) for p in pts) <= cluster_radius(400) * 1.05


def test_a_1500_node_ego_is_laid_out_at_once() -> None:
    """40 partners on the ring, each expanded to 37 second-hop firms: 1,521
    positions, all distinct, computed far below the 3 s the browser is given
    (timed, not asserted: bench/bench_network_view.py reports figures)."""
    started = time.perf_counter()
    ring = ring_layout([(f"p{i}", ("customer", "supplier", "both")[i % 3]) for i in range(40)])
    points = [(0.0, 0.0)] + [(s.x, s.y) for s in ring.slots]
    for slot in ring.slots:
        points += cluster_points(ring, slot, 37)
    elapsed = time.perf_counter() - started
    assert len(points) == 1 + 40 + 40 * 37 == 1521
    assert len({(round(x, 1), round(y, 1)) for x, y in points}) == len(points)
    clusters = [cluster_points(ring, s, 37) for s in ring.slots]  # every other one further out:
    apart = min(_dist(a, b) for i, c in enumerate(clusters) for d in clusters[i + 1:] for a in c for b in d)
    assert apart > 12  # no two partners' second-hop firms drawn on each other
    print(f"layout of {len(points)} nodes: {elapsed * 1000:.2f} ms")


@pytest.mark.parametrize(("raw", "expected"), [
    ("株式会社山陰商事", "株式会社山陰商事"),
    ("\u202e悪意商事\u202c", "悪意商事"),  # right-to-left override removed
    ("\u2066名前\u2069\u200f", "名前"),  # isolates and marks removed
    ("ベル\u0007改行\n\tタブ", "ベル 改行 タブ"),  # C0 controls become spaces
    ("C1\u0085\u009b制御", "C1 制御"),  # C1 controls too
    ("<img src=x onerror=alert(1)>", "<img src=x onerro…"),  # text, cut at 18 characters
    ("", ""),
    (None, ""),
])
def test_labels_are_cleaned_and_cut(raw: str | None, expected: str) -> None:
    assert clean_label(raw) == expected
    assert len(clean_label(raw)) <= 18


def test_a_long_name_ends_with_an_ellipsis() -> None:
    name = "株式会社" + "とても長い名前" * 10
    assert clean_label(name, 24) == name[:23] + "…"
