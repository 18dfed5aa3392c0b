"""docker-compose.yml cannot run here (no Docker engine): check it parses and
says what users need — services, ports, healthcheck, no default password."""

from __future__ import annotations

from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parents[2]


def test_compose_services_ports_and_health() -> None:
    doc = yaml.safe_load((REPO / "docker-compose.yml").read_text(encoding="utf-8"))
    services = doc["services"]
    assert set(services) == {"neo4j", "api"}
    neo = services["neo4j"]
    assert neo["image"].startswith("neo4j:5.26") and "community" in neo["image"]
    assert "127.0.0.1:7687:7687" in neo["ports"]
    assert "cypher-shell" in " ".join(neo["healthcheck"]["test"])
    assert "neo4j-data:/data" in neo["volumes"] and "neo4j-data" in doc["volumes"]
    api = services["api"]
    assert api["build"] == "." and "127.0.0.1:8000:8000" in api["ports"]
    assert api["depends_on"]["neo4j"]["condition"] == "service_healthy"
    assert api["environment"]["NEO4J_URI"] == "bolt://neo4j:7687"
    # Secrets come from the environment and are required (":?"), never defaulted.
    assert "${NEO4J_PASSWORD:?" in neo["environment"]["NEO4J_AUTH"]
    assert "${NEO4J_PASSWORD:?" in api["environment"]["NEO4J_PASSWORD"]
    assert (REPO / "Dockerfile").read_text(encoding="utf-8").count("torihiki") >= 1
