"""A load that dies midway resumes to the same end state, with no duplicates.

The failure is injected into the real store (it raises after some chunks
have committed, as a killed process or a lost server would leave it); the
resumed load then runs on the same real store. A SIGKILL of a real Neo4j
mid-load is tested in tests/integration/test_neo4j_kill.py.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from ingest.load import load_file
from ingest.readers.detect import read_ledger
from queries.model import LoadWrite
from queries.store import Store, StoreUnavailable

SAMPLE = Path(__file__).resolve().parents[2] / "sample" / "ledgers" / "F0001.csv"


class Crash(StoreUnavailable):
    pass


def _load(store: Store, tmp_path: Path, chunk_rows: int = 7) -> None:
    load_file(store, SAMPLE, None, fmt="canonical", reader=lambda p: read_ledger(p, "canonical"),
              rejects_dir=tmp_path, chunk_rows=chunk_rows)


def test_resume_after_crash_mid_load(store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    real_write = store.write_load
    calls = {"n": 0}

    def dying_write(load: LoadWrite) -> None:
        calls["n"] += 1
        if calls["n"] == 4:
            raise Crash("connection lost")
        real_write(load)

    monkeypatch.setattr(store, "write_load", dying_write)
    with pytest.raises(Crash):
        _load(store, tmp_path)
    (batch,) = store.list_batches()
    assert batch.status == "loading" and store.chunks_done(batch.id) == {0, 1, 2}
    monkeypatch.setattr(store, "write_load", real_write)

    _load(store, tmp_path)  # resume
    (batch,) = store.list_batches()
    assert batch.status == "done"
    edges = store.trade_edges(["F0001"], None, None)
    counts = store.counts()

    # Same end state as one clean load into a fresh store of the same kind.
    store.rollback_batch(batch.id)
    assert store.counts()["trades"] == 0
    _load(store, tmp_path)
    assert store.trade_edges(["F0001"], None, None) == edges
    assert store.counts() == counts
