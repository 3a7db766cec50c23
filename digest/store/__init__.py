"""The store: typed models, the one database seam (engines, sessions, migrations), and member lookup
by address that every stage shares."""
