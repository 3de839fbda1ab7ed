"""Mitt konto (/konto/): a person sees, edits, downloads and erases their own data.

The blueprint also carries the ``winlas retention`` command group (``winlas_site/retention.py``
adds ``run`` to it): retention is the same feature seen from the site's side.
"""

from flask import Blueprint

bp = Blueprint("account", __name__, url_prefix="/konto", cli_group="retention")

from .. import retention  # noqa: E402,F401  (registers `winlas retention run` and its task)
from . import routes  # noqa: E402,F401
