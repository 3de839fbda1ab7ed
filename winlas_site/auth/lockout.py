"""Per-address lockout after repeated failed logins.

Counted per typed address, whether or not an account has it, so the lockout message tells a
stranger nothing about which addresses are registered. The counters live in the rate limiter's
store (Redis in production, shared by every worker; memory in development), keyed by a digest
of the address, never the address. A successful login or a password reset lifts the lock.
"""

from __future__ import annotations

import hashlib
import logging

from flask import current_app

from ..extensions import limiter
from .models import normalise_email

log = logging.getLogger("winlas.auth")


def attempts() -> int:
    """Failed logins in a row (within the window) that lock the address."""
    return max(1, int(current_app.config["WINLAS_LOCKOUT_ATTEMPTS"]))


def minutes() -> int:
    """How long a lock lasts, and the window the failures are counted in."""
    return max(1, int(current_app.config["WINLAS_LOCKOUT_MINUTES"]))


def _keys(email: str) -> tuple[str, str]:
    digest = hashlib.sha256(normalise_email(email)[:254].encode()).hexdigest()[:32]
    return f"lockout-failures:{digest}", f"lockout:{digest}"


def is_locked(email: str) -> bool:
    """True while logins to this address are refused."""
    _failures, lock = _keys(email)
    return limiter.storage.get(lock) > 0


def record_failure(email: str) -> bool:
    """Count one failed login; True when this one locked the address."""
    failures, lock = _keys(email)
    seconds = minutes() * 60
    if limiter.storage.incr(failures, seconds) < attempts():
        return False
    limiter.storage.incr(lock, seconds)
    limiter.storage.clear(failures)
    log.warning("lockout account=%s minutes=%s", failures.rpartition(":")[2][:12], minutes())
    return True


def clear(email: str) -> None:
    """Forget the failures and lift the lock (after a login or a password reset)."""
    for key in _keys(email):
        limiter.storage.clear(key)
