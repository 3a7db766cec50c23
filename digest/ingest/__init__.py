"""Ingest: recording stored mail and feed entries as postings (dedup, merge, credits)."""
