"""The store: typed models, the one database seam, migrations, and the member roster's import/export."""
