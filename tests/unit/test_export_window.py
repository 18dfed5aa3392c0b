"""The last month of a research export asked for without one (api.research_zip.default_month_to)."""

from __future__ import annotations

from api.research_zip import default_month_to


def test_an_export_without_a_last_month_ends_at_the_regions_month() -> None:
    """A researcher's export ended a year past the month half the clients
    reach, its later months one client's trade each: it ends at the region's
    month unless the first month asked for is later (then the data's last)."""
    assert default_month_to("", "2025-03") == "2025-03"
    assert default_month_to("2024-04", "2025-03") == "2025-03"
    assert default_month_to("2025-03", "2025-03") == "2025-03"
    assert default_month_to("2025-07", "2025-03") == ""
    assert default_month_to("", None) == ""
