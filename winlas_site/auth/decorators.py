"""Access control for views: login and role checks.

The access table (``winlas_site/access.py``) is enforced for every request before any view
runs; these decorators repeat it on the views (defence in depth, and a reader of a view sees who
may call it). They must agree with the table: the generated access test checks every route.
"""

from __future__ import annotations

import functools
import logging

from flask import abort, request
from flask_login import current_user

from ..access import READ_METHODS
from ..extensions import login_manager

log = logging.getLogger("winlas.auth")


def role_required(*roles: str, write: tuple[str, ...] | None = None):
    """Let through users holding one of ``roles`` (admin holds all); others get 403.

    ``write``, when given, are the roles that may send anything but GET, HEAD and OPTIONS
    (a marketer reads a lead, only staff change it). Anonymous visitors are sent to the login
    page, with a safe ``next`` back here.
    """

    def decorator(view):
        @functools.wraps(view)
        def wrapped(*args, **kwargs):
            if not current_user.is_authenticated:
                return login_manager.unauthorized()
            wanted = roles if write is None or request.method in READ_METHODS else write
            if not current_user.has_role(*wanted):
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
