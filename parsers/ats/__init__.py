"""Public job-board APIs of applicant tracking systems, one module per system (pure parsing).

Each module reads its system's JSON (or XML) as the public API returns it and makes FeedEntry
objects (a posting plus the entry key that identifies the job within its board). Systems whose
job list is paged and whose descriptions live on a detail page (Workday, SmartRecruiters) also
say how to ask for a page and a detail; digest/sources/crawl.py does the asking.
"""
