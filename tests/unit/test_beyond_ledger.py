"""The firm page's note on trade with partners beyond what the client's own ledger books (api.web.dossier)."""

from __future__ import annotations

from api.web.dossier import _beyond_ledger


def test_a_third_of_a_percent_of_a_hub_clients_sales_is_said() -> None:
    """¥43.5M (0.34 %) of named sales beyond the ledger's showed beside "100.0 %
    of its ledger's sales" with no word; a few yen of rounding stay unsaid."""
    assert _beyond_ledger(12_810_245_456, 12_766_696_197, 1.0) == 43_549_259
    assert _beyond_ledger(1_000_000, 999_800, 1.0) == 0  # 0.02 %
    assert _beyond_ledger(1_000_000, 2_000_000, 0.5) == 0  # the ledger's named part is the network's
    assert _beyond_ledger(1_000_000, 0, None) == 0  # no own ledger: nothing to compare
