"""Job Lead Digest: the service (config, database, sources, ingest, tagging, digests, web, CLI)."""

__version__ = "0.1.0"
