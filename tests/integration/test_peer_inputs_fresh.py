"""The peer inputs served by the API follow master data and parameters at once.

The stored table (``torihiki refresh``) keeps network metrics; industry,
prefecture and size class come from the store as it is now, so a firm
master or parameter import moves a client into its new peer group on the
next request (metrics are marked stale until the next refresh).
"""

from __future__ import annotations

from pathlib import Path

from api.portfolio import SnapshotCache, refresh_peer_inputs
from queries.embedded_store import EmbeddedStore
from queries.model import Firm, ParameterRow
from tests.contract.test_store_contract import load_sample


def test_snapshot_cache_notices_master_data_and_parameters(tmp_path: Path) -> None:
    store = EmbeddedStore(tmp_path / "home")
    store.ensure_schema()
    try:
        load_sample(store, tmp_path / "rejects")
        store.upsert_firms([Firm("F0001", industry="E", prefecture="鳥取県", is_client=True)])
        refresh_peer_inputs(store)
        cache = SnapshotCache()
        before = cache.get(store)
        assert before.firms.loc["F0001", "industry"] == "E" and not before.stale
        assert cache.get(store) is before  # nothing changed: the same inputs

        store.upsert_firms([Firm("F0001", industry="K", prefecture="島根県")])
        after = cache.get(store)
        assert after.firms.loc["F0001", "industry"] == "K"
        assert after.firms.loc["F0001", "prefecture"] == "島根県"
        assert after.stale  # the network metrics predate the write

        store.upsert_parameters([ParameterRow("F0001", "FY2024", (("size_class", 3.0),))])
        sized = cache.get(store)
        assert sized.firms.loc["F0001", "size_class"] == 3
        assert not sized.params.empty
    finally:
        store.close()
