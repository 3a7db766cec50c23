"""The store: typed models, the one database seam (engines, sessions, migrations), member lookup
by address, and what every writer shares: clean (text made storable on every backend) and retry
(transient database errors told apart from real ones, and retried)."""
