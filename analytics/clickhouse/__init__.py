"""ClickHouse as the event store (``ANALYTICS_STORE``): raw visits and events live there, read
by the dashboard's reports, the person export and erasure, retention and the interest profiles.

``client`` owns the one connection (clickhouse-connect to a server, or chDB embedded in the
process), ``schema`` the tables, ``writer`` what the spool writer persists, ``reports`` the
dashboard's figures, ``people`` a person's export and erasure, ``transfer`` the moving of
events between stores. Everything else -- consent, tombstones, dropped counts, rollups,
profiles -- stays in the site's SQL database.
"""
