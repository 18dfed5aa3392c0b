"""CLI command implementations, one module per area (parser in api.cli)."""
