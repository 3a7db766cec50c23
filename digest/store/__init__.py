"""The store: typed models, the one database seam, migrations, and the member roster's import/export.

Also what every writer shares: clean (text made storable on every backend) and retry
(transient database errors told apart from real ones, and retried).
"""
