"""From spooled lines to rows: visits by the 30-minute rule, events stored once, bots counted."""

from __future__ import annotations

import datetime
import json
import logging
from collections import Counter
from pathlib import Path

import peewee

from .db import database
from .models import DroppedCount, Event, Visit

log = logging.getLogger("analytics.store")

VISIT_GAP = datetime.timedelta(minutes=30)
EXTERNAL_SOURCES = ("search", "social", "referral", "campaign")
INSERT_CHUNK = 200


def _moment(ms: int) -> datetime.datetime:
    return datetime.datetime.fromtimestamp(ms / 1000, datetime.UTC).replace(tzinfo=None)


def starts_new_visit(visit: Visit | None, event: dict, when: datetime.datetime) -> bool:
    """DESIGN.md's visit: a gap of 30 minutes, a new campaign or a new external referrer."""
    if visit is None or when - visit.last_seen_at >= VISIT_GAP:
        return True
    if event["type"] != "pageview":
        return False
    utm = event.get("utm", {})
    if utm.get("utm_campaign") and utm["utm_campaign"] != visit.utm_campaign:
        return True
    return event["ref"][0] in EXTERNAL_SOURCES and event["ref"][1] != visit.referrer_host


def _new_visit(line: dict, event: dict, when: datetime.datetime) -> Visit:
    utm = event.get("utm", {})
    source, host = event["ref"] if event["type"] == "pageview" else ("direct", "")
    browser, browser_version, os_family, os_version, device = line["ua"]
    country, region, city = line["geo"]
    return Visit.create(
        visitor_id=line["v"],
        user_id=line["u"],
        started_at=when,
        last_seen_at=when,
        entry_path=event["path"],
        exit_path=event["path"],
        referrer_source=source,
        referrer_host=host,
        ip_anonymised=line["ip"],
        country=country,
        region=region,
        city=city,
        browser=browser,
        browser_version=browser_version,
        os=os_family,
        os_version=os_version,
        device=device,
        screen=event.get("screen", ""),
        language=event.get("lang", ""),
        timezone=event.get("tz", ""),
        platform=event.get("platform", ""),
        **{
            key: utm.get(key, "")
            for key in ("utm_source", "utm_medium", "utm_campaign", "utm_term", "utm_content")
        },
    )


def write_lines(lines: list[dict]) -> int:
    """Store spooled request lines in one transaction; returns the number of events offered."""
    bots: Counter = Counter()
    requests = []
    for line in lines:
        if "bot" in line:
            bots[line["bot"]] += 1
        else:
            requests.append(line)
    rows: list[dict] = []
    with database.atomic():
        for day, count in bots.items():
            DroppedCount.add(datetime.date.fromisoformat(day), "bot", count)
        current = Visit.latest_of(sorted({line["v"] for line in requests}))
        touched: dict[int, Visit] = {}
        for line in requests:
            received = _moment(line["r"])
            for event in sorted(line["events"], key=lambda e: e["ts"]):
                when = _moment(event["ts"])
                visit = current.get(line["v"])
                if starts_new_visit(visit, event, when):
                    visit = current[line["v"]] = _new_visit(line, event, when)
                else:
                    if when >= visit.last_seen_at:
                        visit.last_seen_at = when
                        if event["type"] == "pageview":
                            visit.exit_path = event["path"]
                    if visit.user_id is None and line["u"] is not None:
                        visit.user_id = line["u"]
                    touched[visit.id] = visit
                rows.append(
                    {
                        "event_id": event["id"],
                        "visit": visit.id,
                        "visitor_id": line["v"],
                        "user_id": line["u"],
                        "type": event["type"],
                        "occurred_at": when,
                        "received_at": received,
                        "path": event["path"],
                        "target": event.get("target", ""),
                        "name": event.get("name", ""),
                        "engaged_ms": event.get("ms", 0),
                        "viewport": event.get("viewport", ""),
                    }
                )
        for visit in touched.values():
            visit.save(only=[Visit.last_seen_at, Visit.exit_path, Visit.user_id])
        for start in range(0, len(rows), INSERT_CHUNK):
            # a resent batch carries the same event ids: stored once
            Event.insert_many(rows[start : start + INSERT_CHUNK]).on_conflict_ignore().execute()
    return len(rows)


def read_segment(path: Path) -> list[dict]:
    """The lines of a segment; a torn last line (a crash mid-write) is logged and skipped."""
    lines = []
    with open(path, "rb") as handle:
        for number, raw in enumerate(handle, 1):
            if not raw.strip():
                continue
            try:
                lines.append(json.loads(raw))
            except ValueError:
                log.warning("skipping unreadable line %d of %s", number, path.name)
    return lines


def drain(spool, include_abandoned: bool = False) -> int:
    """Move every claimable segment into the database; returns events offered."""
    total = 0
    for path in spool.claim(include_abandoned=include_abandoned):
        try:
            total += write_lines(read_segment(path))
        except peewee.PeeweeException as exc:
            log.warning("database refused %s, kept for later: %s", path.name, exc)
            spool.give_back(path)
            continue
        spool.done(path)
    return total


def purge(cutoff: datetime.datetime) -> tuple[int, int]:
    """Delete raw events, and visits, last seen before ``cutoff``; returns (events, visits)."""
    with database.atomic():
        events = Event.older_than(cutoff).execute()
        visits = Visit.delete().where(Visit.last_seen_at < cutoff).execute()
    return events, visits
