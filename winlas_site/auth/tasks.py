"""The account tasks on the site's queue: the work behind "forgot password"."""

from __future__ import annotations

from ..queue import task
from . import registration


@task()
def send_reset_link(email: str, language: str) -> None:
    """Look the address up and mail a reset link if it has an active account.

    The form only enqueues this, with the same arguments whatever the address, so its answer
    costs the same for every address; in immediate mode (development, tests) it runs at once.
    """
    registration.request_password_reset(email, language)
