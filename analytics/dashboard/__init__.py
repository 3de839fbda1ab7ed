"""The marketers' dashboard at /dashboard/: reports read from rollups, drawn as SVG and tables.

Access is decided by the app: its ``Host.guard`` answers a response (login page, 403) for
anyone who may not see it, and None for marketers and admins. The blueprint and its routes
live in ``views``; this package only names it.
"""

from .views import bp

__all__ = ["bp"]
