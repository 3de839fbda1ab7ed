"""Settings: safe defaults for development, overridden by an instance file and the environment.

Layering follows flaskbb: the defaults below and analytics' own (``analytics.SETTINGS``), then
``instance/config.py`` when present, then environment variables (``DATABASE_URL``,
``SECRET_KEY``, ``REDIS_URL``, ``WINLAS_*``, ``ANALYTICS_*`` and ``GEOIP_DATABASE``), then the
mapping handed to ``create_app`` (tests).
"""

from __future__ import annotations

import copy
import os
import secrets
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import analytics

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def _bool(value: str) -> bool:
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _list(value: str) -> list[str]:
    return [item.strip() for item in value.split(",") if item.strip()]


# name -> (default, parser). Every setting an operator can change is listed here, and the
# README's configuration table is checked against this mapping by a test.
SETTINGS: dict[str, tuple[Any, Any]] = {
    "WINLAS_ENV": ("development", str),
    "WINLAS_SITE_URL": ("http://127.0.0.1:5000", str),
    "WINLAS_TRUSTED_HOSTS": (["127.0.0.1", "localhost"], _list),
    "WINLAS_TRUSTED_PROXIES": ([], _list),
    "WINLAS_MAX_CONTENT_LENGTH": (1024 * 1024, int),
    "WINLAS_SESSION_IDLE_MINUTES": (30, int),
    "WINLAS_SESSION_ABSOLUTE_HOURS": (12, int),
    "WINLAS_REMEMBER_DAYS": (14, int),
    "WINLAS_LOGIN_LIMIT": ("10 per 15 minutes", str),
    "WINLAS_LOGIN_ACCOUNT_LIMIT": ("20 per hour", str),
    "WINLAS_PASSWORD_MAX_LENGTH": (1024, int),
    "WINLAS_DEMO_PASSWORD": ("demo-lösenord-2026", str),
    "WINLAS_PAGE_CACHE_SECONDS": (10, int),
    "WINLAS_LOG_LEVEL": ("INFO", str),
    "WINLAS_CONSENT_MONTHS": (6, int),
    "WINLAS_CONSENT_RECORD_MONTHS": (24, int),
    "WINLAS_COOKIE_DOMAIN": ("", str),
    "WINLAS_FORM_LIMIT": ("10 per hour", str),
    "WINLAS_FORM_EMAIL_LIMIT": ("5 per hour", str),
    "WINLAS_COURSE_SIGNUP_LIMIT": ("30 per hour", str),
    "WINLAS_MIN_FILL_SECONDS": (3, int),
    "WINLAS_FORM_TOKEN_HOURS": (4, int),
    "WINLAS_STAFF_EMAIL": ("salj@winlas.se", str),
    # Reply-To of each kind of email (the From address, noreply@, reads nothing)
    "WINLAS_SUPPORT_EMAIL": ("support@winlas.se", str),
    "WINLAS_COURSE_EMAIL": ("utbildning@winlas.se", str),
    # the programme reminder goes out this many days before a session starts
    "WINLAS_COURSE_REMINDER_DAYS": (3, int),
    # the largest image an editor may upload (bytes), and the widest it is stored
    "WINLAS_MEDIA_MAX_BYTES": (5_000_000, int),
    "WINLAS_MEDIA_MAX_WIDTH": (1600, int),
    "WINLAS_MARKETING_EMAIL": ("marknad@winlas.se", str),
    "WINLAS_MAIL_FROM": ("WinLas <noreply@winlas.se>", str),
    "WINLAS_SMTP_HOST": ("", str),
    "WINLAS_SMTP_PORT": (587, int),
    "WINLAS_SMTP_USER": ("", str),
    "WINLAS_SMTP_PASSWORD": ("", str),
    "WINLAS_SMTP_STARTTLS": (True, _bool),
    "WINLAS_SMTP_TIMEOUT": (10, int),
    "WINLAS_MAIL_MAX_ATTEMPTS": (10, int),
    "WINLAS_MAIL_RETENTION_DAYS": (90, int),
    "WINLAS_NEWSLETTER_UNSUBSCRIBE_MAILTO": ("dataskydd@winlas.se", str),
    "WINLAS_LOCKOUT_ATTEMPTS": (10, int),
    "WINLAS_LOCKOUT_MINUTES": (15, int),
    "WINLAS_CONFIRM_HOURS": (72, int),
    "WINLAS_PASSWORD_RESET_MINUTES": (60, int),
    "WINLAS_REGISTER_LIMIT": ("10 per hour", str),
    "WINLAS_PASSWORD_RESET_LIMIT": ("5 per hour", str),
    "WINLAS_ACCOUNT_REQUEST_EMAIL": ("", str),
    "WINLAS_INACTIVE_DAYS": (730, int),
    "WINLAS_INACTIVITY_REMINDER_DAYS": (30, int),
    "WINLAS_LEAD_RETENTION_DAYS": (730, int),
    "WINLAS_REGISTRATION_RETENTION_DAYS": (730, int),
}


def env_settings(environ: Mapping[str, str] | None = None) -> dict[str, Any]:
    """Return the settings the environment overrides, parsed."""
    env = os.environ if environ is None else environ
    found: dict[str, Any] = {}
    for name, (_default, parse) in SETTINGS.items():
        if name in env:
            found[name] = parse(env[name])
    # analytics' settings: an empty value leaves the default; some are not read from here
    for name, (_default, analytics_parse) in analytics.SETTINGS.items():
        if analytics_parse is not None and env.get(name):
            found[name] = analytics_parse(env[name])
    for name in ("DATABASE_URL", "SECRET_KEY", "REDIS_URL"):
        if env.get(name):
            found[name] = env[name]
    return found


def defaults(instance_path: Path) -> dict[str, Any]:
    """Development defaults: SQLite in the instance folder, debug off, strict limits."""
    config = {name: default for name, (default, _parse) in SETTINGS.items()}
    # analytics' defaults too, so the app's config holds every setting before init_app
    config.update(
        {name: copy.deepcopy(default) for name, (default, _parse) in analytics.SETTINGS.items()}
    )
    config.update(
        DATABASE_URL=f"sqlite:///{instance_path / 'winlas.db'}",
        REDIS_URL="",
        # Flask leaves the body size open: a 20 MB POST is read by default.
        MAX_FORM_MEMORY_SIZE=500 * 1024,
        MAX_FORM_PARTS=1000,
        SESSION_COOKIE_NAME="winlas_session",
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        REMEMBER_COOKIE_NAME="winlas_remember",
        REMEMBER_COOKIE_HTTPONLY=True,
        REMEMBER_COOKIE_SAMESITE="Lax",
        WTF_CSRF_TIME_LIMIT=3600 * 8,
        BABEL_DEFAULT_LOCALE="sv",
        BABEL_TRANSLATION_DIRECTORIES=str(PROJECT_ROOT / "translations"),
        RATELIMIT_HEADERS_ENABLED=True,
    )
    return config


def finalise(config: dict[str, Any]) -> None:
    """Derive the settings that follow from others (cookie security, Flask's own names)."""
    config["MAX_CONTENT_LENGTH"] = config["WINLAS_MAX_CONTENT_LENGTH"]
    config["TRUSTED_HOSTS"] = config["WINLAS_TRUSTED_HOSTS"] or None
    https = config["WINLAS_SITE_URL"].startswith("https://")
    config["PREFERRED_URL_SCHEME"] = "https" if https else "http"
    config["SESSION_COOKIE_SECURE"] = https
    config["REMEMBER_COOKIE_SECURE"] = https
    config["DEBUG"] = config["WINLAS_ENV"] == "development" and config.get("DEBUG", False)
    config.setdefault("RATELIMIT_STORAGE_URI", config["REDIS_URL"] or "memory://")
    # EDPB and CNIL practice: ask again at the latest after 13 months; proof outlives the consent.
    if not 1 <= config["WINLAS_CONSENT_MONTHS"] <= 13:
        raise ValueError("WINLAS_CONSENT_MONTHS must be between 1 and 13")
    if config["WINLAS_CONSENT_RECORD_MONTHS"] < config["WINLAS_CONSENT_MONTHS"]:
        raise ValueError("WINLAS_CONSENT_RECORD_MONTHS must be at least WINLAS_CONSENT_MONTHS")
    if not 1 <= config["WINLAS_FORM_TOKEN_HOURS"] <= 24:
        raise ValueError("WINLAS_FORM_TOKEN_HOURS must be between 1 and 24")
    if not 1 <= config["WINLAS_INACTIVITY_REMINDER_DAYS"] < config["WINLAS_INACTIVE_DAYS"]:
        raise ValueError(
            "WINLAS_INACTIVITY_REMINDER_DAYS must be at least 1 and below WINLAS_INACTIVE_DAYS"
        )


def secret_key(instance_path: Path) -> str:
    """Return the generated secret key of this instance, creating it once."""
    path = instance_path / "secret_key"
    if path.exists():
        return path.read_text().strip()
    key = secrets.token_hex(32)
    # O_EXCL: two workers starting together must not write two different keys.
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return path.read_text().strip()
    with os.fdopen(fd, "w") as handle:
        handle.write(key)
    return key
