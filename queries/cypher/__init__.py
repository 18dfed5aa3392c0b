"""Cypher for the Neo4j store, as ``LiteralString`` constants.

Values are always ``$parameters``. Labels and relationship types cannot be
parameters, so they come only from :mod:`queries.cypher.names` (an Enum) and
are written into these constants at import time, never from input.
"""
