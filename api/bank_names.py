"""Banks' names as the pages and the memo show them (``Store.bank_names``):
``bank:sanin`` reads 山陰合同銀行 once an administrator named it
(``torihiki banks name``, the consent page), and stays its id until then.

Read at most every :data:`REREAD_SECONDS` per store and process (a page
shows the bank in its header: one read per page would be a round trip to
Neo4j each), and at once in the process that changed a name (:func:`forget`).
"""

from __future__ import annotations

import threading
import time
from typing import Any

__all__ = ["bank_names", "bank_label", "forget", "REREAD_SECONDS"]

REREAD_SECONDS = 10.0
"""How long a process shows the names it read before it reads them again (seconds)."""

_LOCK = threading.Lock()
_READ: dict[int, tuple[float, dict[str, str]]] = {}  # id(raw store) -> (monotonic time read, names)


def _raw(store: Any) -> Any:
    """The store itself (a scoped store reads names from the one it wraps: a name says nothing of a firm)."""
    return getattr(store, "store", store)


def bank_names(store: Any) -> dict[str, str]:
    """Every bank's name, by bank id, as read within the last :data:`REREAD_SECONDS`."""
    raw = _raw(store)
    now = time.monotonic()
    with _LOCK:
        kept = _READ.get(id(raw))
    if kept is not None and now - kept[0] < REREAD_SECONDS:
        return kept[1]
    names = dict(raw.bank_names())
    with _LOCK:
        _READ[id(raw)] = (now, names)
    return names


def bank_label(store: Any, bank: str | None) -> str | None:
    """The name of ``bank``, or its id when it has none (``None`` stays ``None``)."""
    if not bank:
        return bank
    return bank_names(store).get(bank, bank)


def forget(store: Any) -> None:
    """Read the names again at the next call (after this process changed one)."""
    with _LOCK:
        _READ.pop(id(_raw(store)), None)
