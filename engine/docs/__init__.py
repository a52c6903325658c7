"""Local documents: ingestion, hybrid retrieval with citations, and grounding.

Import the service from ``engine.docs.service`` (heavy libraries load lazily on first use).
"""
