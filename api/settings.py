"""Settings from the environment (one object, cached, overridable in tests)."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from queries.config import StoreConfig

__all__ = ["Settings", "get_settings"]

_RATE = r"^\d+\s*(/|per)\s*(\d+\s*)?(second|minute|hour|day)s?$"  # a `limits` rate: "10/minute"


class Settings(BaseSettings):
    """torihiki configuration. Environment variables (no prefix for Neo4j,
    as the Neo4j tools name them; ``TORIHIKI_`` for the rest)."""

    model_config = SettingsConfigDict(extra="ignore")

    neo4j_uri: str | None = Field(default=None, validation_alias="NEO4J_URI")
    neo4j_username: str = Field(default="neo4j", validation_alias="NEO4J_USERNAME")
    neo4j_password: SecretStr = Field(default=SecretStr(""), validation_alias="NEO4J_PASSWORD")
    neo4j_database: str = Field(default="neo4j", validation_alias="NEO4J_DATABASE")
    home: Path = Field(default=Path(".torihiki"), validation_alias="TORIHIKI_HOME")
    environment: Literal["development", "production"] = Field(
        default="development", validation_alias="TORIHIKI_ENV"
    )
    max_upload_bytes: int = Field(default=200 * 1024 * 1024, validation_alias="TORIHIKI_MAX_UPLOAD_BYTES")
    # 200: a readable view of a busy firm (its largest partners), and an
    # answer of ~0.2 MB rather than ~1.4 MB at 500 nodes and ~2,000 edges.
    max_ego_nodes: int = Field(default=200, ge=2, validation_alias="TORIHIKI_MAX_EGO_NODES")
    export_key: SecretStr = Field(default=SecretStr(""), validation_alias="TORIHIKI_EXPORT_KEY")
    cache_mib: int = Field(default=32, ge=0, validation_alias="TORIHIKI_CACHE_MIB")
    threads: int = Field(default=16, ge=1, validation_alias="TORIHIKI_THREADS")
    # Answers computed at once per server process, the others queued (api.render_gate); 0: no
    # limit; unset: 1 on the embedded store and a Neo4j on this machine, 2 on a Neo4j elsewhere (api.app.render_slots).
    render_slots: int | None = Field(default=None, ge=0, validation_alias="TORIHIKI_RENDER_SLOTS")
    cache_version_seconds: float = Field(default=0.5, ge=0, validation_alias="TORIHIKI_CACHE_VERSION_SECONDS")
    precompute_firms: int = Field(default=50, ge=0, validation_alias="TORIHIKI_PRECOMPUTE_FIRMS")
    # Every client firm's default ego network rendered after each load (api.precompute).
    precompute_clients: bool = Field(default=True, validation_alias="TORIHIKI_PRECOMPUTE_CLIENTS")
    # … and their two-hop networks too; unset: on Neo4j (a two-hop answer costs ~40 ms of the two
    # cores there, against a read of its ~60 kB stored), off on the embedded store (computed in
    # ~20 ms; rendering 10,000 of them would add minutes to its refresh).
    precompute_two_hop: bool | None = Field(default=None, validation_alias="TORIHIKI_PRECOMPUTE_TWO_HOP")
    # … and, for each bank, the one-hop network of every client that consented to share with it,
    # as the bank's credit officers see it (masked by consent; api.precompute).
    precompute_officers: bool = Field(default=True, validation_alias="TORIHIKI_PRECOMPUTE_OFFICERS")
    # Off: the server computes every answer, even one stored at load time (benchmarks, debugging).
    serve_precomputed: bool = Field(default=True, validation_alias="TORIHIKI_SERVE_PRECOMPUTED")
    # ingest.load.CHUNK_ROWS (not imported: it would load the ingest stack into every CLI
    # start; tests/unit/test_start_imports.py checks the two agree)
    chunk_rows: int = Field(default=20_000, ge=1, validation_alias="TORIHIKI_CHUNK_ROWS")
    # The API's Neo4j connection attempt gives up after this many seconds (then 503) …
    neo4j_connect_timeout: float = Field(default=0.5, gt=0, le=30,
                                         validation_alias="TORIHIKI_NEO4J_CONNECT_TIMEOUT")
    # … and later requests answer 503 at once for this long (circuit breaker), then try again.
    neo4j_breaker_seconds: float = Field(default=2.0, ge=0, validation_alias="TORIHIKI_NEO4J_BREAKER_SECONDS")
    # How long batch work (ingest, refresh) keeps retrying a lost server before it stops to be resumed.
    neo4j_retry_seconds: float = Field(default=120.0, ge=0, validation_alias="TORIHIKI_NEO4J_RETRY_SECONDS")
    # Failed token checks (and logins) allowed per moving window before 429, per client
    # address and per user (``limits`` notation: "20/minute", "100/hour").
    auth_failures_per_address: str = Field(
        default="20/minute", pattern=_RATE, validation_alias="TORIHIKI_AUTH_FAILURES_PER_ADDRESS")
    auth_failures_per_user: str = Field(
        default="10/minute", pattern=_RATE, validation_alias="TORIHIKI_AUTH_FAILURES_PER_USER")

    # Signs the web UI's session cookies; unset, a random key is kept in
    # TORIHIKI_HOME/session.key (shared by the server's worker processes).
    session_secret: SecretStr = Field(default=SecretStr(""), validation_alias="TORIHIKI_SESSION_SECRET")
    session_hours: float = Field(default=8.0, gt=0, le=24 * 30, validation_alias="TORIHIKI_SESSION_HOURS")

    @model_validator(mode="after")
    def _no_default_secrets_in_production(self) -> Settings:
        if self.environment == "production" and self.neo4j_uri and not self.neo4j_password.get_secret_value():
            raise ValueError("NEO4J_PASSWORD must be set when TORIHIKI_ENV=production")
        return self

    def store_config(self, purpose: Literal["api", "batch"]) -> StoreConfig:
        return StoreConfig(
            home=self.home,
            neo4j_uri=self.neo4j_uri,
            neo4j_username=self.neo4j_username,
            neo4j_password=self.neo4j_password.get_secret_value(),
            neo4j_database=self.neo4j_database,
            purpose=purpose,
            connect_timeout=self.neo4j_connect_timeout,
            breaker_seconds=self.neo4j_breaker_seconds,
            retry_seconds=self.neo4j_retry_seconds,
        )


@lru_cache
def get_settings() -> Settings:
    return Settings()
