"""Network analytics with networkx, on data handed in by the caller.

This package never imports the Neo4j driver, FastAPI or the stores: it
works on plain records (anything with ``seller``, ``buyer``, ``month``,
``amount`` and ``lines`` attributes) so that it is testable by itself.
"""
