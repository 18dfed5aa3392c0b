"""Ingest: read ledger files, normalise values and names, validate, resolve, write.

Each stage is a plain function that can be tested alone:
``readers`` turn bytes into :class:`~ingest.records.LedgerLine` or
:class:`~ingest.records.Reject`; ``values`` parses dates and yen amounts;
``aggregate`` folds lines into monthly trade rows; ``load`` writes them
through a :class:`queries.store.Store`.
"""
