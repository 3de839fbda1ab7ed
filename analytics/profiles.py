"""Interest profiles (P17): a decayed score per topic from the page views and clicks of visits
made with marketing consent and without an objection (P19).

score(t) = Σ weight(type) · 0.5 ** ((t − t_event) / half_life)

Topics come from paths through a list of (regex, template) rules: the host's
(``Host.topic_rules``, the site knows its own paths), or ANALYTICS_PROFILE_TOPICS; weights per
event type and the half-life are settings. ``update()`` folds new raw events into the tables
incrementally (an event id cursor); ``forget()`` deletes a profile and stops it.

With ClickHouse as the event store (``ANALYTICS_STORE``) the events are read from there and the
cursor is the writer's sequence number (``analytics.clickhouse.writer``: ClickHouse has no
auto-increment); the profiles themselves stay in the SQL database.
"""

from __future__ import annotations

import datetime
import math
import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, TypeVar

import click
import peewee
from flask import current_app, has_app_context
from flask.cli import with_appcontext

from . import clock
from . import progress as progress_bar
from .clickhouse import client as clickhouse_client
from .clickhouse import people as clickhouse_people
from .db import database, named_rows
from .db import rows as db_rows
from .host import TopicRules
from .models import Event, Visit
from .profile_models import (
    EPOCH,
    InterestProfile,
    InterestScore,
    ProfileOptOut,
    ProfileState,
)
from .settings import SETTINGS, setting
from .state import Analytics

T = TypeVar("T")
BATCH = 20_000  # event ids per transaction
# scores are stored relative to an epoch (profile_models.py); move it before 2 ** x overflows
MAX_HALF_LIVES = 500.0


@dataclass(frozen=True)
class Settings:
    # (regex on the path, topic template filled with the regex's named groups); first wins
    topics: TopicRules = ()
    weights: tuple[tuple[str, float], ...] = tuple(SETTINGS["ANALYTICS_PROFILE_WEIGHTS"][0].items())
    half_life_days: float = SETTINGS["ANALYTICS_PROFILE_HALF_LIFE_DAYS"][0]

    @classmethod
    def from_config(cls, config: Mapping[str, Any], topics: TopicRules = ()) -> Settings:
        """The settings of ``config``, every ANALYTICS_PROFILE_* setting in it (``topics``: the
        host's rules, unless ANALYTICS_PROFILE_TOPICS is set); bad values raise ValueError at
        the first use."""
        configured = config["ANALYTICS_PROFILE_TOPICS"]
        topics = tuple(
            (str(pattern), str(template))
            for pattern, template in (topics if configured is None else configured)
        )
        weights = config["ANALYTICS_PROFILE_WEIGHTS"]
        half_life = float(config["ANALYTICS_PROFILE_HALF_LIFE_DAYS"])
        if not half_life > 0 or math.isinf(half_life):
            raise ValueError("ANALYTICS_PROFILE_HALF_LIFE_DAYS must be a positive number of days")
        for pattern, _template in topics:
            try:
                re.compile(pattern)
            except re.error as error:
                raise ValueError(f"ANALYTICS_PROFILE_TOPICS: {pattern!r}: {error}") from None
        return cls(
            topics,
            tuple((str(kind), float(weight)) for kind, weight in dict(weights).items()),
            half_life,
        )

    @property
    def weight_of(self) -> dict[str, float]:
        return dict(self.weights)

    @property
    def half_life_seconds(self) -> float:
        return self.half_life_days * 86400.0


def settings() -> Settings:
    """The current app's settings (the defaults, without topics, outside an app)."""
    if not has_app_context():
        return Settings()
    state = current_app.extensions.get("analytics")
    topics = state.host.topic_rules if isinstance(state, Analytics) else ()
    return Settings.from_config(current_app.config, topics)


@lru_cache(maxsize=32)
def _compiled(topics: TopicRules) -> tuple[tuple[re.Pattern[str], str], ...]:
    return tuple((re.compile(pattern), template) for pattern, template in topics)


def topic_of(path: str, topics: TopicRules) -> str:
    """The topic a path is about, or "" (the first matching rule wins)."""
    for pattern, template in _compiled(topics):
        match = pattern.match(path)
        if match:
            return template.format(**match.groupdict())[:120]
    return ""


def event_topic(kind: str, path: str, target: str, topics: TopicRules) -> str:
    """A click is about where it leads when that is a topic, else about the page it was on."""
    if kind == "click" and target.startswith("/"):
        topic = topic_of(target, topics)
        if topic:
            return topic
    return topic_of(path, topics)


def contribution(
    weight: float, when: datetime.datetime, epoch: datetime.datetime, half_life_seconds: float
) -> float:
    """An event's weight expressed at the epoch (see profile_models.py)."""
    value: float = weight * 2.0 ** ((when - epoch).total_seconds() / half_life_seconds)
    return value


def decay_factor(
    now: datetime.datetime, epoch: datetime.datetime, half_life_seconds: float
) -> float:
    """What a stored score is multiplied by to give its value at ``now``."""
    value: float = 2.0 ** (-(now - epoch).total_seconds() / half_life_seconds)
    return value


def score_at(
    events: Iterable[tuple[str, datetime.datetime]], now: datetime.datetime, config: Settings
) -> float:
    """The definition, straight: Σ weight · 0.5 ** ((now − t) / half_life) (tests, reasons)."""
    weights = config.weight_of
    value: float = sum(
        weights.get(kind, 0.0) * 0.5 ** ((now - when).total_seconds() / config.half_life_seconds)
        for kind, when in events
    )
    return value


# the state row ---------------------------------------------------------------------------


def _locked_state(config: Settings, now: datetime.datetime) -> ProfileState:
    """The state row, locked for this transaction (PostgreSQL; SQLite's write lock serialises)."""
    query = ProfileState.select().order_by(ProfileState.id)
    if not isinstance(database.obj, peewee.SqliteDatabase):
        query = query.for_update()
    state: ProfileState | None = query.first()
    if state is None:
        state = ProfileState.create(
            last_event_id=0, half_life_days=config.half_life_days, epoch=EPOCH
        )
    if state.half_life_days != config.half_life_days:
        # stored scores are in the old scale: start again from the raw events still kept
        InterestScore.delete().execute()
        InterestProfile.delete().execute()
        state.last_event_id = 0
        state.half_life_days = config.half_life_days
        state.epoch = EPOCH
        state.save()
    if (now - state.epoch).total_seconds() / config.half_life_seconds > MAX_HALF_LIVES:
        factor = decay_factor(now, state.epoch, config.half_life_seconds)
        InterestScore.update(score=InterestScore.score * factor).execute()
        state.epoch = now
        state.save()
    return state


def _transaction() -> peewee._atomic:
    if isinstance(database.obj, peewee.SqliteDatabase):
        return database.obj.atomic("IMMEDIATE")
    return database.atomic()


def current_state() -> tuple[datetime.datetime, float]:
    """(epoch, half-life in seconds) the stored scores are expressed in."""
    config = settings()
    state = ProfileState.select().order_by(ProfileState.id).first()
    if state is None or state.half_life_days != config.half_life_days:
        return EPOCH, config.half_life_seconds
    return state.epoch, config.half_life_seconds


# update -------------------------------------------------------------------------------------


def settle_seconds() -> float:
    """How old a seen event id must be before it is folded in (see ``update``)."""
    configured = setting("ANALYTICS_PROFILE_SETTLE_SECONDS")
    if configured is None:
        if clickhouse_client.active():
            # chDB: one process, whose writers number and insert their events under one
            # lock (clickhouse.writer), so a number seen has no gap below it
            return 0.0 if clickhouse_client.embedded() else 120.0
        return 0.0 if isinstance(database.obj, peewee.SqliteDatabase) else 120.0
    return float(configured)


def _ceiling(state: ProfileState, newest: int, seen: datetime.datetime, settle: float) -> int:
    """The highest event id safe to fold now, moving the "seen" mark.

    On PostgreSQL several writers insert at once, and an id can become visible after a higher
    one: a cursor that passed it would never read it. So an update folds only up to the
    highest id it saw at least ``settle`` seconds before (a write transaction is long
    committed by then), and marks the current highest for a later run. On ClickHouse the
    "ids" are the writers' sequence numbers, taken from each writer's clock just before its
    insert: a number below one already seen becomes visible only while that insert runs, so
    the same wait covers it (with the writers' clocks within seconds of each other: NTP).
    SQLite has one writer at a time, ids commit in order, and the default there is 0:
    everything at once.
    """
    if settle <= 0:
        return newest
    ceiling = state.last_event_id
    if state.seen_at is not None and (seen - state.seen_at).total_seconds() >= settle:
        ceiling = max(ceiling, state.seen_event_id)
    if state.seen_at is None or ceiling >= state.seen_event_id:
        state.seen_event_id, state.seen_at = newest, seen
    return ceiling


def update(
    now: datetime.datetime | None = None,
    batch: int = BATCH,
    progress: Callable[[int, int], None] | None = None,
) -> int:
    """Fold events stored since the last run into the profiles; returns events folded in.

    Only events of visits flagged for profiling count, never those of an opted-out browser.
    Idempotent: each event id is read once (the cursor moves in the same transaction).
    ``now`` is the moment for the purge of idle profiles (default: the clock).
    ``progress(ids read, ids to read)`` is called after each batch (``analytics.progress``).
    """
    config = settings()
    started = clock.now()
    now = now or started
    folded = 0
    newest = _newest()
    with _transaction():
        state = _locked_state(config, now)
        ceiling = _ceiling(state, newest, started, settle_seconds())
        first = state.last_event_id
        state.save()
    while True:
        with _transaction():
            state = _locked_state(config, now)
            low = state.last_event_id
            if low >= ceiling:
                purge(now)
                state.updated_at = now
                state.save()
                return folded
            high = _batch_end(low, batch, ceiling)
            folded += _fold(low, high, state.epoch, config)
            state.last_event_id = high
            state.updated_at = now
            state.save()
        if progress is not None:
            progress(high - first, ceiling - first)


def _newest() -> int:
    """The highest event id (on ClickHouse: sequence number) stored."""
    if clickhouse_client.active():
        return clickhouse_people.newest_seq()
    return int(Event.select(peewee.fn.MAX(Event.id)).scalar() or 0)


def _batch_end(low: int, batch: int, ceiling: int) -> int:
    """Where a batch of about ``batch`` events after ``low`` ends (at most ``ceiling``)."""
    if clickhouse_client.active():
        # sequence numbers are far apart (the writer's clock): count the events instead
        return clickhouse_people.seq_after(low, batch, ceiling)
    return min(low + batch, ceiling)


def _profiled(
    low: int, high: int
) -> Iterable[tuple[str, int | None, str, datetime.datetime, str, str]]:
    """(visitor, user id, type, when, path, target) of the events in (low, high] of visits
    flagged for profiling, of browsers without an objection, in the order they were stored."""
    if clickhouse_client.active():
        opted = [row[0] for row in db_rows(ProfileOptOut.select(ProfileOptOut.visitor_id).tuples())]
        return clickhouse_people.profiled_events(low, high, opted)
    opted_out = ProfileOptOut.select(ProfileOptOut.visitor_id)
    return db_rows(
        Event.select(
            Event.visitor_id,
            peewee.fn.COALESCE(Event.user_id, Visit.user_id).alias("uid"),
            Event.type,
            Event.occurred_at,
            Event.path,
            Event.target,
        )
        .join(Visit)
        .where(
            (Event.id > low)
            & (Event.id <= high)
            & (Visit.profiling == True)  # noqa: E712 - SQL, not Python
            & Event.visitor_id.not_in(opted_out)
        )
        .order_by(Event.id)
        .tuples()
    )


def _fold(low: int, high: int, epoch: datetime.datetime, config: Settings) -> int:
    """Add the profiled events with ids in (low, high]."""
    weights = config.weight_of
    profiles: dict[str, list[Any]] = {}  # visitor -> [user id, first, last]
    # (visitor, topic) -> [score, pageviews, clicks, conversions, first, last]
    scores: dict[tuple[str, str], list[Any]] = {}
    count = 0
    for visitor, uid, kind, when, path, target in _profiled(low, high):
        weight = weights.get(kind, 0.0)
        if weight <= 0:
            continue
        topic = event_topic(kind, path, target, config.topics)
        if not topic:
            continue
        count += 1
        profile = profiles.setdefault(visitor, [None, when, when])
        if uid is not None:
            profile[0] = uid
        profile[1], profile[2] = min(profile[1], when), max(profile[2], when)
        item = scores.setdefault((visitor, topic), [0.0, 0, 0, 0, when, when])
        item[0] += contribution(weight, when, epoch, config.half_life_seconds)
        if kind == "pageview":
            item[1] += 1
        elif kind == "click":
            item[2] += 1
        elif kind == "conversion":
            item[3] += 1
        item[4], item[5] = min(item[4], when), max(item[5], when)
    if not profiles:
        return 0
    _upsert_profiles(profiles)
    ids = {
        p.visitor_id: p.id
        for p in InterestProfile.select(InterestProfile.id, InterestProfile.visitor_id).where(
            InterestProfile.visitor_id.in_(list(profiles))
        )
    }
    _upsert_scores(
        [
            {
                "profile": ids[visitor],
                "topic": topic,
                "score": item[0],
                "pageviews": item[1],
                "clicks": item[2],
                "conversions": item[3],
                "first_event_at": item[4],
                "last_event_at": item[5],
            }
            for (visitor, topic), item in scores.items()
        ]
    )
    return count


def _earliest(field: peewee.Field, excluded: peewee.Node) -> peewee.Case:
    return peewee.Case(None, [(excluded < field, excluded)], field)


def _latest(field: peewee.Field, excluded: peewee.Node) -> peewee.Case:
    return peewee.Case(None, [(excluded > field, excluded)], field)


def _upsert_profiles(profiles: dict[str, list[Any]]) -> None:
    rows = [
        {"visitor_id": v, "user_id": p[0], "first_event_at": p[1], "last_event_at": p[2]}
        for v, p in profiles.items()
    ]
    P = InterestProfile
    for chunk in _chunks(rows, 500):
        P.insert_many(chunk).on_conflict(
            conflict_target=[P.visitor_id],
            update={
                P.user_id: peewee.fn.COALESCE(peewee.EXCLUDED.user_id, P.user_id),
                P.first_event_at: _earliest(P.first_event_at, peewee.EXCLUDED.first_event_at),
                P.last_event_at: _latest(P.last_event_at, peewee.EXCLUDED.last_event_at),
            },
        ).execute()


def _upsert_scores(rows: list[dict[str, Any]]) -> None:
    S = InterestScore
    for chunk in _chunks(rows, 500):
        S.insert_many(chunk).on_conflict(
            conflict_target=[S.profile, S.topic],
            update={
                S.score: S.score + peewee.EXCLUDED.score,
                S.pageviews: S.pageviews + peewee.EXCLUDED.pageviews,
                S.clicks: S.clicks + peewee.EXCLUDED.clicks,
                S.conversions: S.conversions + peewee.EXCLUDED.conversions,
                S.first_event_at: _earliest(S.first_event_at, peewee.EXCLUDED.first_event_at),
                S.last_event_at: _latest(S.last_event_at, peewee.EXCLUDED.last_event_at),
            },
        ).execute()


def _chunks(items: list[T], size: int) -> Iterator[list[T]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def purge(now: datetime.datetime) -> tuple[int, int]:
    """Delete profiles idle past the retention, and opt-outs of visitor ids that have expired.

    A profile with no event for ``ANALYTICS_PROFILE_RETENTION_DAYS`` (default: the raw events'
    retention) is gone; an opt-out is kept as long as its visitor cookie can live.
    """
    configured = setting("ANALYTICS_PROFILE_RETENTION_DAYS")
    days = int(setting("ANALYTICS_RAW_RETENTION_DAYS") if configured is None else configured)
    cookie_seconds = int(setting("ANALYTICS_VISITOR_MAX_AGE"))
    idle = InterestProfile.select(InterestProfile.id).where(
        InterestProfile.last_event_at < now - datetime.timedelta(days=days)
    )
    ids = [p.id for p in idle]
    profiles_deleted = 0
    if ids:
        InterestScore.delete().where(InterestScore.profile.in_(ids)).execute()
        profiles_deleted = InterestProfile.delete().where(InterestProfile.id.in_(ids)).execute()
    opt_outs = (
        ProfileOptOut.delete()
        .where(ProfileOptOut.created_at < now - datetime.timedelta(seconds=cookie_seconds))
        .execute()
    )
    return profiles_deleted, opt_outs


def rebuild(
    now: datetime.datetime | None = None, progress: Callable[[int, int], None] | None = None
) -> int:
    """Throw the profiles away and fold every raw event still kept in again."""
    with _transaction():
        InterestScore.delete().execute()
        InterestProfile.delete().execute()
        ProfileState.delete().execute()
    return update(now, progress=progress)


# forget -------------------------------------------------------------------------------------


def forget(
    user_id: int | None = None, visitor_ids: Iterable[str] = (), opt_out: bool = True
) -> dict[str, int]:
    """Delete the profile of a user and/or browsers and stop profiling them (an objection).

    Deletes the profile rows of ``user_id`` and of ``visitor_ids``, clears the profiling flag
    on their visits (so no later update reads them again), and, with ``opt_out``, records
    ``visitor_ids`` as opted out: those browsers are not profiled again even without a login.
    The user's own objection is kept by the site and asked at ingest (``profiling_allowed``).
    A withdrawn marketing consent needs no opt-out: without consent nothing is flagged.
    """
    visitors = sorted({v for v in visitor_ids if isinstance(v, str) and v and len(v) <= 32})
    now = clock.now()
    with database.atomic():
        who = InterestProfile.visitor_id.in_(visitors) if visitors else None
        if user_id is not None:
            mine = InterestProfile.user_id == user_id
            who = mine if who is None else (who | mine)
        profiles = 0
        if who is not None:
            ids = [p.id for p in InterestProfile.select(InterestProfile.id).where(who)]
            if ids:
                InterestScore.delete().where(InterestScore.profile.in_(ids)).execute()
                profiles = InterestProfile.delete().where(InterestProfile.id.in_(ids)).execute()
        visits = 0
        condition = Visit.visitor_id.in_(visitors) if visitors else None
        if user_id is not None:
            linked = Visit.user_id == user_id
            condition = linked if condition is None else (condition | linked)
        if clickhouse_client.active():
            # the visits are in ClickHouse: a new version of each with the flag off
            visits = clickhouse_people.stop_profiling(user_id, visitors)
        elif condition is not None:
            visits = (
                Visit.update(profiling=False)
                .where(condition & (Visit.profiling == True))  # noqa: E712
                .execute()
            )
        opted_out = visitors if opt_out else []
        for visitor in opted_out:
            ProfileOptOut.insert(visitor_id=visitor, created_at=now).on_conflict_ignore().execute()
    return {"profiles": profiles, "visits_unflagged": visits, "opted_out": len(opted_out)}


def allow_again(visitor_ids: Iterable[str]) -> int:
    """Lift a browser's opt-out (the objection was withdrawn); profiling resumes on new visits."""
    visitors = [v for v in visitor_ids if v]
    if not visitors:
        return 0
    lifted: int = ProfileOptOut.delete().where(ProfileOptOut.visitor_id.in_(visitors)).execute()
    return lifted


# reading ------------------------------------------------------------------------------------


@dataclass
class TopicScore:
    topic: str
    score: float  # at ``now``
    pageviews: int
    clicks: int
    conversions: int
    first_event_at: datetime.datetime
    last_event_at: datetime.datetime


def _scores(where: peewee.Expression, now: datetime.datetime) -> list[TopicScore]:
    """Scores summed per topic over the profiles ``where`` selects, highest first."""
    epoch, half_life = current_state()
    factor = decay_factor(now, epoch, half_life)
    S = InterestScore
    rows = (
        S.select(
            S.topic,
            peewee.fn.SUM(S.score).alias("score"),
            peewee.fn.SUM(S.pageviews).alias("pageviews"),
            peewee.fn.SUM(S.clicks).alias("clicks"),
            peewee.fn.SUM(S.conversions).alias("conversions"),
            peewee.fn.MIN(S.first_event_at).alias("first"),
            peewee.fn.MAX(S.last_event_at).alias("last"),
        )
        .join(InterestProfile)
        .where(where)
        .group_by(S.topic)
        .namedtuples()
    )
    found = [
        TopicScore(
            r.topic,
            float(r.score) * factor,
            int(r.pageviews),
            int(r.clicks),
            int(r.conversions),
            _as_datetime(r.first),
            _as_datetime(r.last),
        )
        for r in named_rows(rows)
    ]
    return sorted(found, key=lambda s: (-s.score, s.topic))


def _as_datetime(value: datetime.datetime | str) -> datetime.datetime:
    # aggregates of a DateTimeField come back as text on SQLite
    if isinstance(value, str):
        return datetime.datetime.fromisoformat(value)
    return value


def visitor_scores(visitor_id: str, now: datetime.datetime | None = None) -> list[TopicScore]:
    """One browser's profile."""
    return _scores(InterestProfile.visitor_id == visitor_id, now or clock.now())


def user_scores(user_id: int, now: datetime.datetime | None = None) -> list[TopicScore]:
    """A person's interests: every browser profile linked to the user, summed."""
    return _scores(InterestProfile.user_id == user_id, now or clock.now())


def users_scores(user_ids: list[int], now: datetime.datetime | None = None) -> list[TopicScore]:
    """An organisation's interests: its contacts' profiles summed."""
    if not user_ids:
        return []
    return _scores(InterestProfile.user_id.in_(user_ids), now or clock.now())


@dataclass
class ProfileRow:
    profile: InterestProfile
    top: list[TopicScore]


def listing(
    now: datetime.datetime | None = None, limit: int = 50, offset: int = 0
) -> tuple[list[ProfileRow], int]:
    """Profiles, most recently active first, each with its top three topics; and the total."""
    now = now or clock.now()
    total = InterestProfile.select().count()
    page = list(
        InterestProfile.select()
        .order_by(InterestProfile.last_event_at.desc(), InterestProfile.id.desc())
        .limit(limit)
        .offset(offset)
    )
    if not page:
        return [], total
    epoch, half_life = current_state()
    factor = decay_factor(now, epoch, half_life)
    tops: dict[int, list[TopicScore]] = {p.id: [] for p in page}
    for s in InterestScore.select().where(InterestScore.profile.in_(list(tops))):
        tops[s.profile_id].append(
            TopicScore(
                s.topic,
                s.score * factor,
                s.pageviews,
                s.clicks,
                s.conversions,
                s.first_event_at,
                s.last_event_at,
            )
        )
    return [
        ProfileRow(p, sorted(tops[p.id], key=lambda s: (-s.score, s.topic))[:3]) for p in page
    ], total


@dataclass
class SegmentRow:
    visitor_id: str
    user_id: int | None
    score: float
    pageviews: int
    clicks: int
    conversions: int
    last_event_at: datetime.datetime


def segment(
    topic: str,
    days: int,
    min_score: float = 0.0,
    now: datetime.datetime | None = None,
    limit: int = 10_000,
) -> list[SegmentRow]:
    """Profiles interested in ``topic`` in the last ``days`` days with at least ``min_score``.

    "In the last N days" means the topic had an event in that window; the score is today's
    decayed score of all its events. The threshold is applied in SQL on the stored scale.
    """
    now = now or clock.now()
    epoch, half_life = current_state()
    factor = decay_factor(now, epoch, half_life)
    S = InterestScore
    query = (
        S.select(S, InterestProfile)
        .join(InterestProfile)
        .where(
            (S.topic == topic)
            & (S.last_event_at >= now - datetime.timedelta(days=days))
            & (S.score >= min_score / factor)
        )
        .order_by(S.score.desc(), InterestProfile.visitor_id)
        .limit(limit)
    )
    return [
        SegmentRow(
            s.profile.visitor_id,
            s.profile.user_id,
            s.score * factor,
            s.pageviews,
            s.clicks,
            s.conversions,
            s.last_event_at,
        )
        for s in query
    ]


def known_topics() -> list[str]:
    """Every topic some profile has, for the segment form."""
    query = InterestScore.select(InterestScore.topic).distinct()
    return [row.topic for row in query.order_by(InterestScore.topic)]


def timeline(
    visitor_ids: list[str], user_id: int | None = None, limit: int = 30
) -> list[dict[str, Any]]:
    """The latest visits of these browsers (or of the user), each with its raw events."""
    condition = Visit.visitor_id.in_(visitor_ids) if visitor_ids else None
    if user_id is not None:
        linked = Visit.user_id == user_id
        condition = linked if condition is None else (condition | linked)
    if condition is None:
        return []
    if clickhouse_client.active():
        # unsaved model instances: the template reads the same attributes
        return [
            {
                "visit": Visit(**{k: v for k, v in visit.items() if k != "version"}),
                "events": [Event(**_event_fields(event)) for event in events],
            }
            for visit, events in clickhouse_people.timeline(visitor_ids, user_id, limit)
        ]
    visits = list(
        Visit.select()
        .where(condition & (Visit.profiling == True))  # noqa: E712
        .order_by(Visit.started_at.desc(), Visit.id.desc())
        .limit(limit)
    )
    events: dict[int, list[Event]] = {v.id: [] for v in visits}
    if visits:
        for event in (
            Event.select()
            .where(Event.visit.in_(list(events)))
            .order_by(Event.occurred_at, Event.id)
        ):
            events[event.visit_id].append(event)
    return [{"visit": v, "events": events[v.id]} for v in visits]


def _event_fields(event: dict[str, Any]) -> dict[str, Any]:
    fields = {k: v for k, v in event.items() if k != "seq"}
    fields["id"] = event["seq"]
    return fields


@click.command("profiles")
@click.option(
    "--as-of",
    type=click.DateTime(formats=["%Y-%m-%d %H:%M", "%Y-%m-%d"]),
    default=None,
    help="Pretend it is now this UTC time (for the purge of idle profiles).",
)
@click.option(
    "--rebuild", "from_scratch", is_flag=True, help="Forget every profile, read all raw events."
)
@with_appcontext
@progress_bar.with_bar("folding events", "ids")
def profiles_command(
    as_of: datetime.datetime | None, from_scratch: bool, progress: progress_bar.Progress
) -> str:
    """Fold new analytics events into the interest profiles (marketing consent only)."""
    if from_scratch:
        folded = rebuild(as_of, progress=progress)
    else:
        folded = update(as_of, progress=progress)
    return f"folded {folded} event(s) into {InterestProfile.select().count()} profile(s)"
