"""First-party, consent-gated analytics: the collect endpoint, enrichment, visits and events,
rollups and reports, the dashboard, interest profiles.

It never imports winlas_site. The app hands it what it needs as one ``Host`` in
``init_app(app, host)``. This package is the one module a host imports: ``analytics.api``
holds the front door and everything in ``__all__`` is re-exported here; the submodules are
the package's own business.
"""

from __future__ import annotations

# the front door is api.py's __all__: listed once, there
from .api import *  # noqa: F403
from .api import __all__  # noqa: F401
