"""First-party, consent-gated analytics: the collect endpoint, enrichment, visits and events,
rollups and reports, the dashboard, interest profiles.

It never imports winlas_site. The app hands it what it needs as one ``Host`` in
``init_app(app, host)``. This package is the one module a host imports: ``analytics.api``
holds the front door and everything in ``__all__`` is re-exported here; the submodules are
the package's own business.
"""

from __future__ import annotations

from .api import (
    CONVERSIONS,
    FORMULA_STARTS,
    MODELS,
    SETTINGS,
    VISITOR_COOKIE,
    VISITOR_ID,
    Analytics,
    Host,
    People,
    Progress,
    SiteSeries,
    TopicRules,
    erase_user,
    forget_profile,
    init_app,
    internal_networks,
    is_bot,
    is_visitor_id,
    migrate,
    neutralise,
    personal_data,
    profile_for_user,
    profile_opt_outs,
    purge_raw_events,
    record_conversion,
    resume_profile,
    roll_up_and_profile,
    sent_conversions,
    synthetic_traffic,
    to_csv,
    with_progress_bar,
)

__all__ = [
    "CONVERSIONS",
    "FORMULA_STARTS",
    "MODELS",
    "SETTINGS",
    "VISITOR_COOKIE",
    "VISITOR_ID",
    "Analytics",
    "Host",
    "People",
    "Progress",
    "SiteSeries",
    "TopicRules",
    "erase_user",
    "forget_profile",
    "init_app",
    "internal_networks",
    "is_bot",
    "is_visitor_id",
    "migrate",
    "neutralise",
    "personal_data",
    "profile_for_user",
    "profile_opt_outs",
    "purge_raw_events",
    "record_conversion",
    "resume_profile",
    "roll_up_and_profile",
    "sent_conversions",
    "synthetic_traffic",
    "to_csv",
    "with_progress_bar",
]
