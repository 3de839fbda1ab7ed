"""The baseline of ``bench/ingest.py``: a collect endpoint that only parses the JSON body.

Served by the same gunicorn command line as the real site and loaded with the same requests
(headers, cookies, bodies), so the difference between the two is what the real endpoint's checks,
enrichment, spool and background writer cost per request. It stores nothing.
"""

import json

from flask import Flask, Response, jsonify, request

app = Flask(__name__)


@app.post("/api/collect")
def collect() -> tuple[Response, int]:
    """Parse the body and answer 202 with the number of events, like the real endpoint."""
    events = json.loads(request.get_data())["events"]
    return jsonify(accepted=len(events)), 202
