"""SQL for the embedded (SQLite) store, as constants. Values are always
bound parameters (``?``); no SQL text is ever built from input."""
