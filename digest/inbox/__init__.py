"""The group inbox: the IMAP connection, polling and IDLE, mbox/Maildir backfill, and bounce reports read from the inbox."""
