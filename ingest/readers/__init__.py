"""Readers: one module per input format, each yielding LedgerLine or Reject."""
