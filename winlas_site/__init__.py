"""The WinLas website: ``create_app`` wires configuration, database, extensions and features."""

from __future__ import annotations

import logging
import os
from pathlib import Path
from typing import Any

from flask import Flask, Request, abort
from flask.typing import ResponseReturnValue
from flask_login import current_user
from limits import parse as parse_limit
from werkzeug.routing import BaseConverter, IntegerConverter

import analytics

from . import (
    access,
    commands,
    consent,
    db,
    errors,
    i18n,
    mail,
    pagecache,
    profiling,
    ratelimit,
    richtext,
    security,
    templating,
)
from . import config as settings
from .account.routes import bp as account
from .auth.routes import bp as auth
from .consent.routes import bp as consent_pages
from .cookies import registered
from .courses.routes import bp as courses
from .crm.routes import bp as crm
from .customer.routes import bp as customer
from .dashboard_data import site_annotations, site_series
from .digest.routes import bp as digest
from .dsar.routes import bp as dsar
from .editor.routes import bp as editor
from .extensions import babel, csrf, limiter, login_manager
from .leads.attribution import site_leads
from .leads.routes import bp as leads
from .media.models import image_size
from .media.routes import bp as media
from .news.routes import bp as news
from .newsletter.routes import bp as newsletter
from .privacy.routes import bp as privacy
from .products.routes import bp as products
from .public.routes import bp as public

PROJECT_ROOT = settings.PROJECT_ROOT


class SlugConverter(BaseConverter):
    # only slugs reach a query: a NUL byte or other junk in the path is a plain 404.
    regex = r"[a-z0-9]+(?:-[a-z0-9]+)*"


class AsciiIntegerConverter(IntegerConverter):
    # werkzeug's ``\d+`` takes any Unicode digit, so "/funnels/\u0661" reached funnel 1: an id
    # in a path is ASCII digits only, one address per row
    regex = r"[0-9]+"


def create_app(config: dict[str, Any] | None = None) -> Flask:
    """Build the app. ``config`` (tests) overrides every other source of settings."""
    instance_path = Path(
        (config or {}).get("INSTANCE_PATH")
        or os.environ.get("WINLAS_INSTANCE_PATH")
        or PROJECT_ROOT / "instance"
    ).resolve()
    app = Flask(
        __name__,
        instance_path=str(instance_path),
        instance_relative_config=True,
        static_folder=str(PROJECT_ROOT / "static"),
        template_folder=str(PROJECT_ROOT / "templates"),
    )
    configure(app, config or {})
    configure_logging(app)
    pagecache.init_app(app)
    db.init_app(app)
    register_extensions(app)
    register_blueprints(app)
    errors.init_app(app)
    security.init_app(app)
    i18n.init_app(app)
    templating.init_app(app)
    consent.init_app(app)
    profiling.init_app(app)
    mail.init_app(app)
    # Markdown bodies; an uploaded image gets its width and height from the media library
    richtext.init_app(app, image_size=image_size)
    register_analytics(app)
    pagecache.install_fast_path(app)
    security.trust_proxies(app)
    access.init_app(app)
    return app


def configure(app: Flask, overrides: dict[str, Any]) -> None:
    """Defaults, then instance/config.py, then the environment, then ``overrides``."""
    instance_path = Path(app.instance_path)
    instance_path.mkdir(parents=True, exist_ok=True)
    app.config.update(settings.defaults(instance_path))
    app.config.from_pyfile("config.py", silent=True)
    app.config.update(settings.env_settings())
    app.config.update(overrides)
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = settings.secret_key(instance_path)
    settings.finalise(app.config)
    app.url_map.converters["slug"] = SlugConverter
    app.url_map.converters["int"] = AsciiIntegerConverter


def configure_logging(app: Flask) -> None:
    """Send the site's own logs (``winlas.*``: logins, denials, errors) to stderr.

    gunicorn and most process managers collect stderr; without a handler Python would drop
    everything below WARNING, the login records among them.
    """
    logger = logging.getLogger("winlas")
    logger.setLevel(app.config["WINLAS_LOG_LEVEL"].upper())
    if not logger.handlers:
        handler = logging.StreamHandler()
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
        logger.addHandler(handler)


def register_extensions(app: Flask) -> None:
    """Initialise Flask-Babel, CSRF, login and the rate limiter."""
    babel.init_app(app, locale_selector=i18n.select_locale)
    csrf.init_app(app)
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = None
    limiter.init_app(app)
    if "PASSWORD_HASHER" in app.config:
        app.extensions["password_hasher"] = app.config["PASSWORD_HASHER"]


def register_analytics(app: Flask) -> None:
    """Hand the analytics package what it needs of the site, as one ``analytics.Host``."""
    visitor_cookie = registered(app.config["ANALYTICS_VISITOR_COOKIE"])
    app.config["ANALYTICS_VISITOR_MAX_AGE"] = visitor_cookie.max_age()
    # the collector counts in the same store as Flask-Limiter (Redis in production), in steps
    collect_limit = ratelimit.SteppedLimit(
        limiter.storage, parse_limit(app.config["ANALYTICS_RATE_LIMIT"]), "collect"
    )

    def within_rate_limit(req: Request) -> bool:
        return collect_limit.hit(req.remote_addr or "")

    def current_user_id() -> int | None:
        return current_user.id if current_user.is_authenticated else None

    def internal_user(req: Request) -> bool:
        # the site's own people browsing it are not prospects: their visits are left out of
        # the statistics and never profiled (admin holds every role); asked by the collector
        # only when a login cookie made it load the user
        return bool(current_user.is_authenticated and current_user.has_role("staff", "marketer"))

    def dashboard_guard() -> ResponseReturnValue | None:
        # the dashboard and interest profiles: marketers and admins only (P17)
        if not current_user.is_authenticated:
            return login_manager.unauthorized()
        if not current_user.has_role("marketer"):
            abort(403)
        return None

    analytics.init_app(
        app,
        analytics.Host(
            database=app.extensions["database"],
            allows=consent.allows,
            current_user_id=current_user_id,
            rate_limit=within_rate_limit,
            guard=dashboard_guard,
            profiling_allowed=profiling.allows_profiling,
            internal_user=internal_user,
            site_series=site_series,
            site_leads=site_leads,
            site_annotations=site_annotations,
            people=profiling.people,
            # the site's paths as interest-profile topics (the first match wins); the labels
            # of these topics are profiling.People.topic_labels
            topic_rules=(
                (r"^/produkter/(?P<slug>[a-z0-9][a-z0-9-]{0,80})/?$", "produkt:{slug}"),
                (r"^/utbildningar(?:/|$)", "utbildning"),
                (r"^/kontakt/offert/?$", "offert"),
                (r"^/kontakt/visning/?$", "visning"),
                (r"^/kundsidor(?:/|$)", "kundsidor"),
            ),
            # a JSON beacon answer: what matters for it, not the HTML pages' full set
            response_headers={
                "X-Content-Type-Options": "nosniff",
                "Content-Security-Policy": "default-src 'none'; frame-ancestors 'none'",
                "Cross-Origin-Resource-Policy": "same-origin",
                "Cache-Control": "no-store",
            },
        ),
    )


def register_blueprints(app: Flask) -> None:
    """One blueprint per feature folder, then the site's own commands."""
    for blueprint in (
        public,
        products,
        courses,
        news,
        privacy,
        consent_pages,
        leads,
        crm,
        newsletter,
        auth,
        customer,
        account,
        digest,
        dsar,
        editor,
        media,
        commands.bp,
    ):
        app.register_blueprint(blueprint)
