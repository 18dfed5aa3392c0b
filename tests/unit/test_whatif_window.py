"""The months the firm page ranks its largest exposures over are the
what-if's (``api.web.dossier._whatif_window``, the rule of
``api.analytics.whatif_of``): to the region's month when the trade goes past
it, unless the firm's own trade all comes later (a new client)."""

from __future__ import annotations

from api.web.dossier import _whatif_window


def test_the_window_ends_where_the_whatif_does() -> None:
    assert _whatif_window(None, "2025-03") is None  # no trade
    assert _whatif_window("2025-03", "2025-03", "2023-04") == ("2024-04", "2025-03")
    assert _whatif_window("2025-05", "2025-03", "2023-04") == ("2024-04", "2025-03")  # cut at the region's month
    assert _whatif_window("2025-05", None, "2023-04") == ("2024-06", "2025-05")  # no region's month: no cut
    # a new client whose trade starts after the region's month: not cut (nothing before it)
    assert _whatif_window("2025-05", "2025-03", "2025-04") == ("2024-06", "2025-05")
