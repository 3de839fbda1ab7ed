"""Access control for views: login and role checks."""

from __future__ import annotations

import functools
import logging

from flask import abort, request
from flask_login import current_user

from ..extensions import login_manager

log = logging.getLogger("winlas.auth")


def role_required(*roles: str):
    """Let through users holding one of ``roles`` (admin holds all); others get 403.

    Anonymous visitors are sent to the login page, with a safe ``next`` back here.
    """

    def decorator(view):
        @functools.wraps(view)
        def wrapped(*args, **kwargs):
            if not current_user.is_authenticated:
                return login_manager.unauthorized()
            if not current_user.has_role(*roles):
                log.warning(
                    "denied user=%s role=%s path=%s client=%s",
                    current_user.id,
                    current_user.role,
                    request.path,
                    request.remote_addr,
                )
                abort(403)
            return view(*args, **kwargs)

        return wrapped

    return decorator
