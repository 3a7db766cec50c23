"""Ingest: recording stored mail and feed entries as postings (dedup, merge, credits).

record: the one writer of a stored mail's outcome (MailBatch), parse attempts and retries;
verdict: what a parsed mail is (status, reason, whose, unsubscribe, reply); parallel: parsing
on every core; failures: listing and reprocessing what was set aside.
"""
