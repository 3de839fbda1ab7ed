"""First-party, consent-gated analytics (collector, enrichment, rollups, reports).

It never imports winlas_site: the app hands it the database, the consent check and the current
user through ``init_app``. The collector arrives with the analytics issue.
"""
