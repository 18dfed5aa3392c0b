"""The busiest firms' window tables, made by the refresh after a load, on both
real stores: the ego, the network view and the trend over any window answer
the same with them as from the pairs; only who may read the whole network
reads them; and a write makes them stale."""

from __future__ import annotations

from pathlib import Path

import orjson
import pytest

from api import analytics, network_view, service, window_tables
from api.precompute import precompute_answers
from api.service import ego_as_dict
from api.settings import Settings
from api.web.i18n import DEFAULT_LANG
from queries.access import Principal, Role
from queries.model import Firm
from queries.scoped import ScopedStore
from queries.store import Store
from tests.contract.test_store_contract import load_sample

WINDOWS = [(None, None), ("2024-04", "2024-09"), ("2024-06", None), (None, "2024-05"), ("2030-01", "2030-12")]


@pytest.fixture
def loaded(store: Store, tmp_path: Path) -> Store:
    load_sample(store, tmp_path)
    return store


def _answers(store: Store, firm_id: str) -> list[bytes]:
    out: list[bytes] = []
    for start, end in WINDOWS:
        for hops in (1, 2):
            firm, net, firms = service.ego(store, firm_id, hops, start, end, max_nodes=5)
            out.append(orjson.dumps(ego_as_dict(firm, net, firms, start, end)))
            view = network_view.view_model(store, firm_id, hops, start, end, DEFAULT_LANG, cap=4)
            out.append(orjson.dumps(view))
        for node in view["graph"]["nodes"]:  # a drawn partner's own partners, opened from the view
            if node["kind"] == "partner":
                out.append(orjson.dumps(network_view.expansion(store, firm_id, node["ref"], start, end,
                                                               DEFAULT_LANG, cap=4)))
        for freq in ("month", "quarter"):
            out.append(orjson.dumps(analytics.trend_of(store, firm_id, freq, start, end)))
    return out


def test_answers_over_any_window_are_the_same_with_the_tables(loaded: Store, tmp_path: Path) -> None:
    busiest = [f for f, _ in loaded.busiest_firms(2)]
    assert all(window_tables.read_table(loaded, f) is None for f in busiest)
    before = {f: _answers(loaded, f) for f in busiest}
    info = precompute_answers(loaded, Settings(TORIHIKI_HOME=tmp_path), firms=2)  # type: ignore[call-arg]
    assert info["window_tables"] == 2 and info["window_table_bytes"] > 0
    for f in busiest:
        table = window_tables.read_table(loaded, f)
        assert table is not None and table.firm == f and len(table.members) > 1
        assert _answers(loaded, f) == before[f]


def test_only_whoever_sees_the_whole_network_reads_a_table(loaded: Store, tmp_path: Path) -> None:
    (busiest, _), = loaded.busiest_firms(1)
    precompute_answers(loaded, Settings(TORIHIKI_HOME=tmp_path), firms=1)  # type: ignore[call-arg]
    analyst = ScopedStore(loaded, Principal("ana", Role.ANALYST))
    officer = ScopedStore(loaded, Principal("off", Role.CREDIT_OFFICER, bank="B1"))
    assert window_tables.read_table(analyst, busiest) is not None
    assert officer.get_analytics(window_tables.table_key(busiest)) is None
    assert window_tables.read_table(officer, busiest) is None


def test_a_write_after_the_refresh_makes_the_tables_stale(loaded: Store, tmp_path: Path) -> None:
    (busiest, _), = loaded.busiest_firms(1)
    precompute_answers(loaded, Settings(TORIHIKI_HOME=tmp_path), firms=1)  # type: ignore[call-arg]
    assert window_tables.read_table(loaded, busiest) is not None
    loaded.upsert_firms([Firm("NEW", name="新しい会社")])  # any write but a consent change
    assert window_tables.read_table(loaded, busiest) is None


def _request(store: Store, principal: Principal) -> ScopedStore:
    """A request's scope, with the data version its token read (as the API makes one)."""
    return ScopedStore(store, principal, store.data_version())


def test_a_table_is_remembered_per_version_and_scope(loaded: Store, tmp_path: Path) -> None:
    """What a scope read is remembered in the process while the data version
    holds, per scope: an officer's request after an analyst's still gets no
    table; a firm without a table is asked again (the refresh writes the
    tables at the load's data version); a write starts the memo again."""
    (busiest, _), = loaded.busiest_firms(1)
    analyst, officer = Principal("ana", Role.ANALYST), Principal("off", Role.CREDIT_OFFICER, bank="B1")
    assert window_tables.read_table(_request(loaded, analyst), busiest) is None  # none yet
    precompute_answers(loaded, Settings(TORIHIKI_HOME=tmp_path), firms=1)  # type: ignore[call-arg]
    table = window_tables.read_table(_request(loaded, analyst), busiest)  # written at the same version
    assert table is not None and table.firm == busiest
    assert window_tables.read_table(_request(loaded, officer), busiest) is None
    # Remembered: the entry is not read again at this version (written over with other bytes,
    # which no write of torihiki does without moving the version).
    version, created, payload = loaded.get_analytics(window_tables.table_key(busiest)) or (0, "", b"")
    loaded.put_analytics(window_tables.table_key(busiest), b"not a table", version, created)
    again = window_tables.read_table(_request(loaded, analyst), busiest)
    assert again is table
    loaded.put_analytics(window_tables.table_key(busiest), payload, version, created)
    loaded.upsert_firms([Firm("NEW", name="新しい会社")])  # a write: the version moves, the table is stale
    assert window_tables.read_table(_request(loaded, analyst), busiest) is None
