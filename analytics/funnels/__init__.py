"""Funnels: two to five steps a visitor takes in order (a page, a click, a conversion), within
one visit or within 30 days, and how many visitors reach each step of a period (issue 16).

``models`` keeps a funnel's definition, ``report`` counts it from the raw events (the site's
database, or ClickHouse through ``analytics.clickhouse.funnels``), ``chart`` draws it and
``routes`` holds the blueprint at /dashboard/funnels/.
"""
