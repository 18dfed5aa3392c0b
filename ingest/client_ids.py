"""Client ids a store does not know: a typo until the user says otherwise.

In a store that has clients, a ledger attributed to an id the firm master
does not know (``--client F00041`` for F000041, a manifest's row, a
``ledgers/<client>`` folder, a row's own ``client_id``) would make a nameless
client of its own, in every table, and a rollback leaves it there. Such a
file is refused with the known ids closest to the one given, unless the user
asks for a new client (``--new-client``). The first load into a store
without clients makes them.
"""

from __future__ import annotations

import difflib
from collections.abc import Collection, Sequence

from queries.store import Store

__all__ = ["LINES_SHOWN", "no_such_client", "rows_naming_unknown_clients", "unknown_client_ids"]

LINES_SHOWN = 10
"""Lines (and ids) a refusal names of the rows that name an unknown client; the rest are counted."""


def unknown_client_ids(store: Store, clients: Collection[str]) -> dict[str, list[str]]:
    """The ``clients`` a store that has clients does not know at all, each
    with the known client ids closest to it (at most three); empty in a store
    without clients."""
    known = store.get_firms(clients) if clients else {}
    unknown = sorted(c for c in clients if c not in known)
    if not unknown:
        return {}
    existing = store.client_ids()
    if not existing:
        return {}
    ids = sorted(existing)
    by_folded: dict[str, list[str]] = {}
    for i in ids:
        by_folded.setdefault(i.casefold(), []).append(i)

    def near(c: str) -> list[str]:  # compared without case: f000119 typed for F000119, u1 for U1
        close = difflib.get_close_matches(c.casefold(), list(by_folded), n=3, cutoff=0.7)
        return [i for folded in close for i in by_folded[folded]][:3]

    return {c: near(c) for c in unknown}


def no_such_client(client: str, near: Sequence[str]) -> str:
    """How a client id the store does not know is said, with the ids close to it."""
    return (f"there is no client {client!r} in the firm master"
            + (f"; did you mean {' or '.join(near)}?" if near else "."))


def rows_naming_unknown_clients(unknown: dict[str, list[str]], rows: dict[str, int],
                                lines: dict[str, list[int]], fmt: str) -> str:
    """Why a file whose rows name their own client is refused: for each id in
    ``unknown`` (id → the ids close to it), the lines that name it (``lines``:
    the first :data:`LINES_SHOWN`; ``rows``: how many in all) and the ids
    close to it; then what the user can do. ``fmt`` is the format it was read as."""
    parts = []
    for client in sorted(unknown)[:LINES_SHOWN]:
        shown, n = lines.get(client, []), rows.get(client, 0)
        where = ", ".join(map(str, shown)) + (f" and {n - len(shown):,} more" if n > len(shown) else "")
        parts.append(f"line{'s' if n > 1 else ''} {where}: {no_such_client(client, unknown[client])}")
    if len(unknown) > LINES_SHOWN:
        parts.append(f"and {len(unknown) - LINES_SHOWN:,} more ids the firm master does not know.")
    return (f"rows name a client the firm master does not know ({' '.join(parts)}) Nothing was loaded: "
            "correct the ids in the file, add the clients to the firm master (torihiki firms import), or give "
            f"--new-client to make them new clients (read as {fmt})")
