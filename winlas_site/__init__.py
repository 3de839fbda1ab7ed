"""The WinLas website: ``create_app`` wires configuration, database, extensions and features."""

from __future__ import annotations

import logging
import os
from pathlib import Path
from typing import Any

from flask import Flask
from werkzeug.routing import BaseConverter

from . import access, consent, db, errors, i18n, mail, pagecache, security
from . import config as settings
from .extensions import babel, csrf, limiter, login_manager

PROJECT_ROOT = settings.PROJECT_ROOT


class SlugConverter(BaseConverter):
    # only slugs reach a query: a NUL byte or other junk in the path is a plain 404.
    regex = r"[a-z0-9]+(?:-[a-z0-9]+)*"


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
    consent.init_app(app)
    mail.init_app(app)
    register_analytics(app)
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
    """Hand the analytics package the database, the consent gate, the user and a rate limit."""
    from flask import abort
    from flask_login import current_user
    from limits import parse
    from limits.strategies import FixedWindowRateLimiter

    import analytics

    from . import dashboard_data, profiling
    from .cookies import declared

    app.config.setdefault("ANALYTICS_VISITOR_COOKIE", "winlas_vid")
    visitor_cookie = declared(app.config["ANALYTICS_VISITOR_COOKIE"])
    app.config["ANALYTICS_VISITOR_MAX_AGE"] = visitor_cookie.max_age()
    # the collector counts in the same store as Flask-Limiter (Redis in production)
    window = FixedWindowRateLimiter(limiter.storage)

    limit = parse(app.config.get("ANALYTICS_RATE_LIMIT", "240 per minute"))

    def within_rate_limit(req) -> bool:
        return window.hit(limit, "collect", req.remote_addr or "")

    def current_user_id() -> int | None:
        return current_user.id if current_user.is_authenticated else None

    def internal_user(req) -> bool:
        # the site's own people browsing it are not prospects: their visits are left out of
        # the statistics and never profiled (admin holds every role); asked by the collector
        # only when a login cookie made it load the user
        return current_user.is_authenticated and current_user.has_role("staff", "marketer")

    def dashboard_guard():
        # the dashboard and interest profiles: marketers and admins only (P17)
        if not current_user.is_authenticated:
            return login_manager.unauthorized()
        if not current_user.has_role("marketer"):
            abort(403)
        return None

    analytics.init_app(
        app,
        app.extensions["database"],
        allows=consent.allows,
        current_user_id=current_user_id,
        rate_limit=within_rate_limit,
        guard=dashboard_guard,
        profiling_allowed=profiling.allows_profiling,
        internal_user=internal_user,
        site_series=dashboard_data.site_series,
        people=profiling.people,
        # a JSON beacon answer: what matters for it, not the HTML pages' full set
        response_headers={
            "X-Content-Type-Options": "nosniff",
            "Content-Security-Policy": "default-src 'none'; frame-ancestors 'none'",
            "Cross-Origin-Resource-Policy": "same-origin",
            "Cache-Control": "no-store",
        },
    )


def register_blueprints(app: Flask) -> None:
    """One blueprint per feature folder."""
    from .account import bp as account_bp
    from .auth import bp as auth_bp
    from .cli import bp as cli_bp
    from .consent import bp as consent_bp
    from .courses import bp as courses_bp
    from .crm import bp as crm_bp
    from .customer import bp as customer_bp
    from .dsar import bp as dsar_bp
    from .leads import bp as leads_bp
    from .news import bp as news_bp
    from .newsletter import bp as newsletter_bp
    from .privacy import bp as privacy_bp
    from .products import bp as products_bp
    from .public import bp as public_bp

    for blueprint in (
        public_bp,
        products_bp,
        courses_bp,
        news_bp,
        privacy_bp,
        consent_bp,
        leads_bp,
        crm_bp,
        newsletter_bp,
        auth_bp,
        customer_bp,
        account_bp,
        dsar_bp,
        cli_bp,
    ):
        app.register_blueprint(blueprint)
