"""Writers: one module per file format, each writing exactly the layout in formats.md.

Every ledger writer returns the number of data rows written and records the
malformed rows it planted (path relative to the output folder, 1-based
physical line, reason) so the ground truth can list them.
"""

from synthetic.writers.common import Malformed, RowWriter

__all__ = ["Malformed", "RowWriter"]
