"""Definitions shared by every layer and depending on none (the management parameters).

``graph/`` (analytics) and ``ingest/`` (readers) both need to know what a
management parameter is; keeping the table here lets neither import the other.
"""
