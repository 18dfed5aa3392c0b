"""Which earlier loads of a client a load repeats months of (api.load_checks)."""

from __future__ import annotations

from api.load_checks import repeated_months
from queries.model import BatchInfo


def _batch(batch_id: str, fmt: str) -> BatchInfo:
    return BatchInfo(id=batch_id, client_id="C1", file=f"{batch_id}.txt", format=fmt, status="done", sha256="0" * 64)


def test_a_journal_repeating_months_is_named_transfer_files_are_not() -> None:
    """A journal's quarter, then its year: the months are counted twice.
    Two 全銀 files of one month (transfers on the 12th and the 25th) are
    two transfer days, each the client's own: not named."""
    months = {"j1": {"2025-01", "2025-02", "2025-03"}, "j2": {"2025-01", "2025-02"},
              "z1": {"2025-03"}, "z2": {"2025-03"}}
    formats = {"j1": "yayoi", "j2": "yayoi", "z1": "zengin", "z2": "zengin"}
    batches = {b: _batch(b, f) for b, f in formats.items()}
    assert repeated_months("j2", "yayoi", months, batches.get) == [
        {"batch_id": "j1", "file": "j1.txt", "months": ["2025-01", "2025-02"]}]
    assert repeated_months("z2", "zengin", months, batches.get) == []
