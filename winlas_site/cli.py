"""The ``winlas`` console script: Flask's command line on the site's app factory."""

from __future__ import annotations

from flask.cli import FlaskGroup

from . import create_app


def main() -> None:
    """Entry point of the ``winlas`` console script."""
    FlaskGroup(create_app=lambda: create_app(), add_default_commands=True)()
