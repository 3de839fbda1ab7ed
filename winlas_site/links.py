"""Absolute links to the site's own pages, for email and other places without a request."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from flask import current_app


def external_url(endpoint: str, **values: Any) -> str:
    """An absolute link to a page of the site at ``WINLAS_SITE_URL``.

    Built without a request, so it is the public address even when the mail is rendered by a
    request that arrived under another host name (or by a worker).
    """
    site = urlsplit(current_app.config["WINLAS_SITE_URL"])
    adapter = current_app.url_map.bind(
        site.netloc, script_name=site.path or "/", url_scheme=site.scheme or "https"
    )
    return adapter.build(endpoint, values, force_external=True)
