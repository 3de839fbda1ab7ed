"""The baseline of ``bench/pages.py``: Flask with one view and nothing else.

Served by the same gunicorn command line as the real site, so the difference between the two is
what the site's own code (extensions, hooks, database, templates) costs per request.
"""

from flask import Flask

app = Flask(__name__)


@app.route("/")
def index() -> str:
    """Return a constant: no template, no database, no extension."""
    return "ok"
