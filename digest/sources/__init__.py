"""Sources pulled over HTTP: the safe fetcher, feeds and job boards with their health, and link enrichment."""
