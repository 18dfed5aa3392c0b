"""Where the data lives: the store configuration, read from the environment."""

from __future__ import annotations

import os
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

    @classmethod
    def from_env(cls, purpose: Literal["api", "batch"] = "batch") -> StoreConfig:
        """Read ``NEO4J_URI``, ``NEO4J_USERNAME``, ``NEO4J_PASSWORD``,
        ``NEO4J_DATABASE`` and ``TORIHIKI_HOME``."""
        return cls(
            home=Path(os.environ.get("TORIHIKI_HOME") or ".torihiki"),
            neo4j_uri=os.environ.get("NEO4J_URI") or None,
            neo4j_username=os.environ.get("NEO4J_USERNAME", "neo4j"),
            neo4j_password=os.environ.get("NEO4J_PASSWORD", ""),
            neo4j_database=os.environ.get("NEO4J_DATABASE") or "neo4j",
            purpose=purpose,
        )
