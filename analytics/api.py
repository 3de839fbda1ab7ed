"""The front door: everything a host application may call, re-exported by ``analytics``.

The site imports ``analytics`` and nothing below it (an import-linter contract checks this):
what it needs of a submodule is offered here, as a function or a name, so the inside of the
package can change without the site noticing.
"""

from __future__ import annotations

import datetime
import hashlib
from collections.abc import Iterable
from typing import cast

import peewee
from flask import Flask, current_app

from . import cli, collector, db, profiles, progress, rollups, settings, subjects, synthetic
from .attribution import bp as attribution_bp
from .attribution import report as attribution_report
from .attribution import touches as attribution_touches
from .clickhouse import client as clickhouse_client
from .clickhouse import people as clickhouse_people
from .clickhouse import schema as clickhouse_schema
from .conversions import CONVERSIONS, record_conversion
from .csvexport import FORMULA_STARTS, neutralise, to_csv
from .dashboard import bp as dashboard_bp
from .dashboard import pages as dashboard_pages
from .dashboard_models import Annotation, authored, forget_author
from .digest import WeeklyFigures, checked_week, last_complete_week, weekly_figures
from .funnels import models as funnel_models
from .funnels.routes import bp as funnels_bp
from .host import Host, People, SiteAnnotation, SiteLead, SiteSeries, TopicRules, Touch
from .line import VISITOR_COOKIE, VISITOR_ID, is_visitor_id
from .models import MODELS, ErasureTombstone, Event, Visit
from .profile_models import ProfileOptOut
from .profile_views import bp as profiles_bp
from .progress import Progress
from .requestcount import count as count_request
from .requestcount import counter as request_counter
from .requestcount import synthetic as synthetic_request_count
from .settings import SETTINGS
from .state import Analytics, internal_networks
from .store import purge
from .useragent import is_bot

# ---------------------------------------------------------------------------- wiring


def init_app(app: Flask, host: Host) -> Analytics:
    """Wire the collector, the dashboard, the profile views and the ``analytics`` commands
    into ``app``; ``host`` is everything analytics needs of the app (``analytics.host``)."""
    for key, value in settings.defaults().items():
        app.config.setdefault(key, value)
    db.database.initialize(host.database)
    # a wrong ANALYTICS_STORE stops the app here, with the reason, not at the first event
    clickhouse_client.configure(str(app.config["ANALYTICS_STORE"] or ""))
    # tombstones hold a keyed digest of erased ids; every process of the site has this key
    ErasureTombstone.key = hashlib.sha256(
        b"winlas analytics erasure tombstone\0" + str(app.config.get("SECRET_KEY") or "").encode()
    ).digest()
    state = Analytics(app, host)
    app.extensions["analytics"] = state
    # compression for the statistics pages only (``dashboard.pages.COMPRESS`` says why)
    app.config.setdefault("COMPRESS_REGISTER", False)
    app.config.setdefault("COMPRESS_MIMETYPES", ["text/html"])
    dashboard_pages.COMPRESS.init_app(app)
    app.register_blueprint(collector.blueprint())
    app.register_blueprint(dashboard_bp)
    app.register_blueprint(profiles_bp)
    # issue 16: each part registers its blueprint on its own line below
    app.register_blueprint(attribution_bp)
    app.register_blueprint(funnels_bp)
    app.wsgi_app = collector.FastPath(app.wsgi_app, app, dict(host.response_headers))  # type: ignore[method-assign]
    app.cli.add_command(cli.group)
    return state


def migrate(database: peewee.Database) -> list[str]:
    """Apply pending analytics migrations (history in ``analytics_migrations``); their names.
    With ``ANALYTICS_STORE`` naming ClickHouse, its tables too (idempotent)."""
    applied = db.migrate(database)
    if clickhouse_client.active():
        applied += clickhouse_schema.migrate(int(settings.setting("ANALYTICS_RAW_RETENTION_DAYS")))
    return applied


# ---------------------------------------------------------------------------- periodic work


def roll_up_and_profile(now: datetime.datetime | None = None) -> None:
    """Fold the events stored since the last run into the rollups and the interest profiles
    (both incremental and idempotent: a missed or doubled run moves work to the next one).
    ClickHouse keeps no rollups: it aggregates the raw events of any period itself."""
    if not clickhouse_client.active():
        rollups.run(now)
    profiles.update(now)


def purge_raw_events(before: datetime.datetime) -> tuple[int, int]:
    """Delete raw events and visits last seen before ``before`` (naive UTC) and expired
    erasure tombstones; returns (events, visits). The writer's maintenance calls the same."""
    return purge(before)


def synthetic_traffic(events: int, days: int, seed: int = 1, *, roll_up: bool = True) -> int:
    """Store ``events`` synthetic events with a real site's shape over the last ``days`` days
    (the same seed gives the same traffic), then roll them up (not on ClickHouse, which needs
    no rollups); returns the events stored."""
    stored = synthetic.write(events, days, seed)
    if roll_up and not clickhouse_client.active():
        db.analyze((Visit, Event))
        rollups.run()
    return stored


def sent_conversions(names: Iterable[str]) -> list[tuple[str, datetime.datetime]]:
    """(name, when) of every stored conversion event called one of ``names``, oldest first."""
    if clickhouse_client.active():
        return clickhouse_people.sent_conversions(names)
    query = (
        Event.select(Event.name, Event.occurred_at)
        .where((Event.type == "conversion") & Event.name.in_(list(names)))
        .order_by(Event.occurred_at, Event.id)
        .tuples()
    )
    # peewee's stubs type a ``.tuples()`` query as rows of models
    return list(cast(Iterable[tuple[str, datetime.datetime]], query))


# ---------------------------------------------------------------------------- a person's data


def personal_data(user_id: int) -> dict[str, object]:
    """Everything analytics holds linked to the user, JSON-ready (their visits with events,
    their interest profile)."""
    return subjects.personal_data(user_id)


def erase_user(user_id: int, visitor_ids: Iterable[str] = ()) -> dict[str, int]:
    """Erase what analytics holds about the user (and those browsers); counts of rows."""
    return subjects.erase_user(user_id, visitor_ids)


def browser_visits(visitor_ids: Iterable[str]) -> list[dict[str, object]]:
    """Every visit of these browsers with its events, JSON-ready (a person's export)."""
    return subjects.browser_visits(visitor_ids)


def erase_browsers(visitor_ids: Iterable[str]) -> dict[str, int]:
    """Erase what analytics holds about these browsers (a person without an account)."""
    return subjects.erase_browsers(visitor_ids)


def profile_for_user(user_id: int, now: datetime.datetime | None = None) -> list[dict[str, object]]:
    """The user's interests in plain language (topic, label, score, reasons)."""
    return subjects.profile_for_user(user_id, now)


def profile_opt_outs(visitor_ids: Iterable[str]) -> list[dict[str, object]]:
    """The objections to profiling kept for these browsers: ``visitor_id``, ``created_at``."""
    wanted = sorted({visitor for visitor in visitor_ids if visitor})
    if not wanted:
        return []
    query = (
        ProfileOptOut.select(ProfileOptOut.visitor_id, ProfileOptOut.created_at)
        .where(ProfileOptOut.visitor_id.in_(wanted))
        .order_by(ProfileOptOut.visitor_id)
        .tuples()
    )
    rows = cast(Iterable[tuple[str, datetime.datetime]], query)
    return [{"visitor_id": visitor, "created_at": created} for visitor, created in rows]


def forget_profile(
    user_id: int | None = None, visitor_ids: Iterable[str] = (), opt_out: bool = True
) -> dict[str, int]:
    """Delete the interest profile of a user and/or browsers and stop profiling them; with
    ``opt_out`` the browsers are recorded as opted out (an objection, P19)."""
    return profiles.forget(user_id=user_id, visitor_ids=visitor_ids, opt_out=opt_out)


def resume_profile(visitor_ids: Iterable[str]) -> int:
    """Lift these browsers' opt-out (the objection was withdrawn); returns how many."""
    return profiles.allow_again(visitor_ids)


# ---------------------------------------------------------------------------- issue 16
# each part adds its front-door functions in its own block below

# -- campaign to customer (analytics/attribution/)

Touches = attribution_touches.Touches
JourneyVisit = attribution_touches.JourneyVisit
CampaignSummary = attribution_report.CampaignSummary
ATTRIBUTION_LOOKBACK_DAYS = attribution_touches.LOOKBACK_DAYS


def touches_of(conversion_ids: Iterable[object]) -> dict[str, Touches]:
    """First and last touch of each stored conversion event among ``conversion_ids`` (ids
    ``record_conversion`` returned); an id missing from the answer is not stored, yet (the
    writer has not caught up) or any more (erased, past the raw retention)."""
    return attribution_touches.touches_of(conversion_ids)


def conversion_browsers(conversion_ids: Iterable[object]) -> set[str]:
    """The browsers (visitor ids) that sent these stored conversions: a lead's sender's."""
    return attribution_touches.browsers_of(conversion_ids)


def journey(conversion_id: object) -> list[JourneyVisit]:
    """The visits that led to one conversion, oldest first, for the CRM's lead page."""
    return attribution_touches.journey(conversion_id)


def conversion_events(names: Iterable[str]) -> list[tuple[str, str, datetime.datetime]]:
    """(event id, name, when) of every stored conversion event called one of ``names``, oldest
    first (the demo data links its leads to them)."""
    return attribution_touches.conversion_events(names)


def top_campaigns(leads: list[SiteLead], limit: int = 5) -> list[CampaignSummary]:
    """The campaigns whose leads were won most often (first and last touch), for a short list
    (the dashboard's overview includes ``analytics/attribution/_summary.html``)."""
    return attribution_report.top_campaigns(leads, None, limit)


# -- how much the statistics see (analytics/requestcount.py)


def count_page_request(path: str, user_agent: str, app: Flask | None = None) -> bool:
    """Count a request for the public page at ``path`` (the WSGI path: SCRIPT_NAME +
    PATH_INFO) in ``app`` (the current one by default), unless ``user_agent`` is a robot's;
    whether it counted. The caller has checked that it was a GET answered 200 with a page the
    tracker may run on. Only the UTC day, the page path and a number are kept, in memory,
    written in batches: about a microsecond, no I/O."""
    # the proxy's object once: each attribute read through ``current_app`` costs microseconds
    found = app or current_app._get_current_object()  # type: ignore[attr-defined]
    return count_request(found, path, user_agent)


def synthetic_request_counts(days: int, share: float = 0.6, seed: int = 1) -> int:
    """Demo data: request counts for the last ``days`` days as if the stored page views were
    about ``share`` of all (after ``synthetic_traffic``); returns the requests written."""
    return synthetic_request_count(days, share, seed)


def flush_request_counts() -> int:
    """Write the current app's page request counts now (tests, scripts; otherwise a batch
    is written within seconds and at exit); returns the requests written."""
    return request_counter(current_app).flush()


# -- the weekly digest: analytics counts the week (``weekly_figures``, ``checked_week``,
# ``last_complete_week``); the site, which knows the readers and the outbox, hangs
# ``winlas analytics digest`` on this group
command_group = cli.group

# -- funnels (analytics/funnels/)


def demo_funnels() -> int:
    """Store the demo site's funnels (fitted to ``synthetic_traffic``) that are not there yet,
    by name; returns how many were added. For the demo loader, after the synthetic traffic."""
    return funnel_models.demo()


# -- annotations and saved views (analytics/dashboard_models.py)


def dashboard_authored(user_id: int) -> dict[str, list[dict[str, object]]]:
    """The notes and saved views a user wrote on the dashboard, for their data export."""
    return cast(dict[str, list[dict[str, object]]], authored(user_id))


def forget_dashboard_author(user_id: int) -> dict[str, int]:
    """Erasure: blank the user's id on their notes and saved views (the team keeps them,
    without saying who wrote them); ``{"annotations": n, "saved_views": n}``."""
    return forget_author(user_id)


def demo_annotations(today: datetime.date, created_by: int | None = None) -> int:
    """A few believable notes on the charts of the demo site ("Kampanj skolbibliotek startar"
    and others, dated back from ``today``); idempotent, returns how many were added."""
    return Annotation.demo(today, created_by)


# ---------------------------------------------------------------------------- the progress bar

with_progress_bar = progress.with_bar

__all__ = [
    "ATTRIBUTION_LOOKBACK_DAYS",
    "CONVERSIONS",
    "FORMULA_STARTS",
    "MODELS",
    "SETTINGS",
    "VISITOR_COOKIE",
    "VISITOR_ID",
    "Analytics",
    "CampaignSummary",
    "Host",
    "JourneyVisit",
    "People",
    "Progress",
    "SiteAnnotation",
    "SiteLead",
    "SiteSeries",
    "TopicRules",
    "Touch",
    "Touches",
    "WeeklyFigures",
    "checked_week",
    "command_group",
    "conversion_events",
    "count_page_request",
    "dashboard_authored",
    "demo_annotations",
    "demo_funnels",
    "erase_user",
    "erase_browsers",
    "browser_visits",
    "conversion_browsers",
    "flush_request_counts",
    "forget_dashboard_author",
    "forget_profile",
    "init_app",
    "internal_networks",
    "is_bot",
    "is_visitor_id",
    "journey",
    "last_complete_week",
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
    "synthetic_request_counts",
    "synthetic_traffic",
    "to_csv",
    "top_campaigns",
    "touches_of",
    "weekly_figures",
    "with_progress_bar",
]
