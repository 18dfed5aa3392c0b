"""Where the data lives: the store configuration, read from the environment."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Literal

__all__ = ["StoreConfig"]


@dataclass(frozen=True)
class StoreConfig:
    """Connection settings for either store.

    ``neo4j_uri`` set → Neo4j; unset → the embedded store under ``home``.
    ``purpose`` tunes timeouts: ``api`` fails fast (``connect_timeout``,
    no retries, then a circuit breaker open for ``breaker_seconds``: 503s
    within a second), ``batch`` (ingest, scoring) waits longer for a busy or
    restarting server and retries for ``retry_seconds``.
    """

    home: Path = Path(".torihiki")
    neo4j_uri: str | None = None
    neo4j_username: str = "neo4j"
    neo4j_password: str = ""
    neo4j_database: str = "neo4j"
    purpose: Literal["api", "batch"] = "batch"
    connect_timeout: float = 0.5
    breaker_seconds: float = 2.0
    retry_seconds: float = 120.0

    @property
    def backend(self) -> Literal["neo4j", "embedded"]:
        return "neo4j" if self.neo4j_uri else "embedded"
