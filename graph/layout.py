"""Positions for network views: the firm at the centre, its partners on a ring.

A force-directed layout of a two-hop network puts the firm wherever the
largest partner's own partners push it (a hairball with the firm in a
corner), and it runs in the browser: seconds for a thousand nodes. The
views instead place every node here, once, by plain geometry, and draw with
physics off:

* the firm at (0, 0);
* its first-hop partners on one ring, in blocks by role — customers centred
  on the right (angle 0), suppliers centred on the left, partners that are
  both in between at the bottom — each block largest first; the radius grows
  with the number of slots so that neighbours stay ``spacing`` pixels apart;
* next to each partner, further out on its ray, the summary of its own
  partners (:func:`summary_point`);
* a partner's second-hop firms, when expanded, as a sunflower (Vogel's
  spiral: even density, no overlaps) just beyond the partner, every other
  one further out on a dense ring (:func:`cluster_points`).

Coordinates are vis-network canvas pixels (x right, y down); angles are
radians, 0 to the right, growing clockwise on screen. Everything is O(n):
1,500 nodes take well under a millisecond per hundred.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

__all__ = ["SIDES", "Slot", "Ring", "ring_layout", "summary_point", "cluster_points", "cluster_radius",
           "SPACING", "MIN_RADIUS", "SUMMARY_GAP", "CLUSTER_SPACING"]

SIDES: tuple[str, ...] = ("customer", "both", "supplier")
"""The blocks of the ring, in their order clockwise from the right."""
SPACING = 72.0
"""Pixels between neighbouring first-hop partners on the ring."""
MIN_RADIUS = 260.0
"""Pixels from the firm to its first-hop ring, however few partners."""
SUMMARY_GAP = 120.0
"""Pixels from a partner to the summary of its own partners, outwards."""
CLUSTER_SPACING = 26.0
"""Pixels between neighbouring second-hop firms of an expanded partner."""
_GOLDEN = math.pi * (3.0 - math.sqrt(5.0))  # Vogel's golden angle, radians


@dataclass(frozen=True, slots=True)
class Slot:
    """One place on the first-hop ring: ``x``, ``y`` (pixels), ``angle`` (radians)."""

    key: str
    side: str
    x: float
    y: float
    angle: float


@dataclass(frozen=True, slots=True)
class Ring:
    """The first-hop ring: its radius (pixels) and slots, in the order given."""

    radius: float
    slots: tuple[Slot, ...]

    def slot(self, key: str) -> Slot | None:
        for s in self.slots:
            if s.key == key:
                return s
        return None


def _start_angle(counts: dict[str, int], step: float) -> float:
    """Angle of the first slot so that customers centre on 0 (the right),
    or, without customers, suppliers on π (the left)."""
    c, b, s = (counts.get(side, 0) for side in SIDES)
    if c:
        return -(c - 1) / 2 * step
    if s:
        return math.pi - (b + (s - 1) / 2) * step
    return math.pi / 2 - (b - 1) / 2 * step


def ring_layout(slots: Sequence[tuple[str, str]], *, spacing: float = SPACING,
                min_radius: float = MIN_RADIUS) -> Ring:
    """Places ``slots`` — (key, side) with side one of :data:`SIDES` — on one
    ring around (0, 0). Slots are regrouped by side (customer, both,
    supplier), keeping their order inside each side (give them largest
    first); one slot per ``2π/n`` radians.

    >>> r = ring_layout([("a", "customer"), ("b", "supplier")])
    >>> (round(r.slot("a").x), round(r.slot("b").x)) == (round(r.radius), -round(r.radius))
    True
    """
    for _, side in slots:
        if side not in SIDES:
            raise ValueError(f"side must be one of {SIDES}: {side!r}")
    ordered = [s for side in SIDES for s in slots if s[1] == side]
    n = len(ordered)
    radius = max(min_radius, n * spacing / (2 * math.pi))
    if n == 0:
        return Ring(radius, ())
    step = 2 * math.pi / n
    counts = {side: sum(1 for _, s in ordered if s == side) for side in SIDES}
    start = _start_angle(counts, step)
    out = []
    for i, (key, side) in enumerate(ordered):
        a = start + i * step
        out.append(Slot(key, side, radius * math.cos(a), radius * math.sin(a), a))
    return Ring(radius, tuple(out))


def summary_point(ring: Ring, slot: Slot, gap: float = SUMMARY_GAP) -> tuple[float, float]:
    """Where the summary of ``slot``'s own partners goes: ``gap`` pixels
    further out on the slot's ray."""
    r = ring.radius + gap
    return r * math.cos(slot.angle), r * math.sin(slot.angle)


def cluster_radius(n: int, spacing: float = CLUSTER_SPACING) -> float:
    """Radius (pixels) of a sunflower of ``n`` points ``spacing`` apart."""
    return spacing * math.sqrt(max(n, 1)) * 0.6


def cluster_points(ring: Ring, slot: Slot, n: int, spacing: float = CLUSTER_SPACING,
                   gap: float = SUMMARY_GAP) -> list[tuple[float, float]]:
    """``n`` positions for the second-hop firms of ``slot``'s partner: a
    sunflower (point ``k`` at distance ``∝ √k``, turned by the golden angle)
    centred on the slot's ray just beyond the ring, largest first nearest the
    centre of the sunflower. Where the sunflowers of neighbouring slots
    would overlap (a dense ring), every other slot's lies one sunflower
    further out, so that all partners can be expanded at once."""
    if n <= 0:
        return []
    size = cluster_radius(n, spacing)
    d = ring.radius + gap * 0.6 + size
    slots = len(ring.slots)
    if slots > 1 and d * 2 * math.pi / slots < 2 * size and ring.slots.index(slot) % 2:
        d += 2 * size
    cx, cy = d * math.cos(slot.angle), d * math.sin(slot.angle)
    c = size / math.sqrt(n)
    out = []
    for k in range(n):
        r = c * math.sqrt(k + 0.5)
        a = slot.angle + k * _GOLDEN
        out.append((cx + r * math.cos(a), cy + r * math.sin(a)))
    return out
