"""Editable pages: the base of every bilingual content page, its publishing state, its
revisions and its old slugs.

A page is public when it is *live*: published, and its ``publish_at`` (naive UTC, see clock.py)
is empty or past. Every save through the editor writes a ``Revision`` (a JSON copy of the
editable fields, who and when); an old revision can be restored, which is itself a revision. A
slug is made once from the title and then kept, so links to the page keep working; when an
editor changes it on purpose, the old one is kept as a ``SlugRedirect`` and the public detail
views answer it with a 301 (``find_or_redirect``).

This is a shared service: it names no feature. The kind of a revision ("news", "product", ...)
is whatever the editor passes; a redirect is filed under the page's table.
"""

from __future__ import annotations

import datetime
import json
import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, TypeVar

import peewee
from flask import abort, redirect, url_for

from .clock import now
from .db import BaseModel, Slot, database, one_by
from .i18n import Translated

DRAFT = "draft"
PUBLISHED = "published"
STATUSES = (DRAFT, PUBLISHED)

# what a revision records about the save that made it
CREATED, EDITED, PUBLISHED_ACTION, UNPUBLISHED, RESTORED = (
    "created",
    "edited",
    "published",
    "unpublished",
    "restored",
)
ACTIONS = (CREATED, EDITED, PUBLISHED_ACTION, UNPUBLISHED, RESTORED)

SLUG_MAX = 80
# a renamed slug is followed at most this many times (a chain, never a loop: see rename_slug)
MAX_REDIRECTS = 10

P = TypeVar("P", bound="Publishable")


class Publishable(BaseModel):
    """Abstract: a row the editor publishes (a content page, a product, a sub-processor)."""

    # rows that existed before publishing came to the site were all public: "published"
    status = peewee.CharField(max_length=10, default=PUBLISHED)
    # None: public as soon as published; a later time: scheduled (not public until then)
    publish_at = peewee.DateTimeField(null=True)
    updated_at = peewee.DateTimeField(default=now)

    @classmethod
    def live(cls: type[P]) -> peewee.ModelSelect[P]:
        """The rows the public may see now: published, and not scheduled for later."""
        return cls.select().where(cls.live_at(now()))

    @classmethod
    def live_at(cls, moment: datetime.datetime | Slot) -> peewee.Expression:
        """The condition of ``live`` at ``moment`` (a ``Slot`` in a ``Prepared`` query)."""
        return (cls.status == PUBLISHED) & (cls.publish_at.is_null() | (cls.publish_at <= moment))

    @property
    def is_live(self) -> bool:
        return self.status == PUBLISHED and (self.publish_at is None or self.publish_at <= now())

    @property
    def is_scheduled(self) -> bool:
        return self.status == PUBLISHED and self.publish_at is not None and self.publish_at > now()


class ContentPage(Translated, Publishable):
    """Abstract: each subclass has its own table with these columns (peewee copies fields)."""

    slug = peewee.CharField(max_length=SLUG_MAX, unique=True)
    title_sv = peewee.CharField(max_length=200)
    title_en = peewee.CharField(max_length=200, default="")
    summary_sv = peewee.TextField()
    summary_en = peewee.TextField(default="")
    # Markdown (richtext.py); plain paragraphs separated by a blank line are Markdown too
    body_sv = peewee.TextField()
    body_en = peewee.TextField(default="")

    @classmethod
    def by_slug(cls, slug: str):
        """The page with this slug, or None (whatever its state: the public ask ``live``)."""
        return cls.get_or_none(cls.slug == slug)

    @property
    def lacks_english(self) -> bool:
        """True when the English body is empty: the English page shows the Swedish text."""
        return not (self.body_en or "").strip()


# -- slugs --------------------------------------------------------------------------------------

_NOT_SLUG = re.compile(r"[^a-z0-9]+")
SWEDISH_LETTERS = str.maketrans("åäöæ", "aaoa")


def slugify(text: str) -> str:
    """``"Nyheter i WinLas 8.5 – så fungerar det"`` → ``"nyheter-i-winlas-8-5-sa-fungerar-det"``.

    å, ä and ö become a, a and o (as Swedish addresses write them), other letters lose their
    accents, everything else becomes a dash; never empty, at most SLUG_MAX characters.
    """
    text = text.lower().translate(SWEDISH_LETTERS)
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    slug = _NOT_SLUG.sub("-", ascii_text).strip("-")[:SLUG_MAX].rstrip("-")
    return slug or "sida"


def unique_slug(model: type[peewee.Model], text: str, exclude_id: int | None = None) -> str:
    """``slugify(text)``, with -2, -3, ... added when another row of ``model`` has it."""
    base = slugify(text)
    field = model._meta.fields["slug"]

    def taken(candidate: str) -> bool:
        query = model.select().where(field == candidate)
        if exclude_id is not None:
            query = query.where(model._meta.primary_key != exclude_id)
        return query.exists()

    candidate, number = base, 1
    while taken(candidate):
        number += 1
        suffix = f"-{number}"
        candidate = base[: SLUG_MAX - len(suffix)].rstrip("-") + suffix
    return candidate


class SlugRedirect(BaseModel):
    """An old slug of a page: ``kind`` is the page's table, ``new_slug`` where it went."""

    kind = peewee.CharField(max_length=40)
    old_slug = peewee.CharField(max_length=SLUG_MAX)
    new_slug = peewee.CharField(max_length=SLUG_MAX)
    created_at = peewee.DateTimeField(default=now)

    class Meta:
        indexes = ((("kind", "old_slug"), True),)


def _kind_of(model: type[peewee.Model]) -> str:
    return model._meta.table_name


def rename_slug(page: ContentPage | Any, new_slug: str) -> None:
    """Give ``page`` a new slug and keep the old one as a redirect to it.

    Redirects that led to the old slug now lead to the new one (no chains grow), and a redirect
    from the new slug is dropped: the page owns it now, so no loop can form.
    """
    model = type(page)
    kind, old_slug = _kind_of(model), page.slug
    if new_slug == old_slug:
        return
    SlugRedirect.delete().where(
        (SlugRedirect.kind == kind) & (SlugRedirect.old_slug == new_slug)
    ).execute()
    SlugRedirect.update(new_slug=new_slug).where(
        (SlugRedirect.kind == kind) & (SlugRedirect.new_slug == old_slug)
    ).execute()
    SlugRedirect.create(kind=kind, old_slug=old_slug, new_slug=new_slug)
    page.slug = new_slug


def slug_in_use(model: type[peewee.Model], slug: str, exclude_id: int | None = None) -> bool:
    """Whether another row of ``model`` has ``slug`` (old slugs may be taken over)."""
    field = model._meta.fields["slug"]
    query = model.select().where(field == slug)
    if exclude_id is not None:
        query = query.where(model._meta.primary_key != exclude_id)
    return query.exists()


def redirect_target(model: type[peewee.Model], slug: str) -> str | None:
    """Where a renamed slug leads now (following a chain, never round a loop), or None."""
    kind, seen = _kind_of(model), {slug}
    target = None
    for _ in range(MAX_REDIRECTS):
        row = SlugRedirect.get_or_none(
            (SlugRedirect.kind == kind) & (SlugRedirect.old_slug == slug)
        )
        if row is None or row.new_slug in seen:
            break
        target = slug = row.new_slug
        seen.add(slug)
    return target


def find_or_redirect(model: type[P], slug: str, endpoint: str) -> P:
    """The live page at ``slug`` for a public detail view.

    A renamed slug answers 301 to the page's current address; a draft, a scheduled page or an
    unknown slug is a 404 (the public cannot tell them apart).
    """
    # the detail page's first query on every view: its SQL is built once (db.one_by)
    page: P | None = one_by(model._meta.fields["slug"], slug)
    if page is None:
        target = redirect_target(model, slug)
        if target is not None:
            moved = model.get_or_none(model._meta.fields["slug"] == target)
            if moved is not None and moved.is_live:
                abort(redirect(url_for(endpoint, slug=target), 301))
        abort(404)
    if not page.is_live:
        abort(404)
    return page


# -- revisions ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Author:
    """Who saved: an account id and the name shown in the history (kept if the account goes)."""

    id: int | None
    name: str


class Revision(BaseModel):
    """One saved state of an editable row: the JSON of its editable fields, who, when, why."""

    kind = peewee.CharField(max_length=20)
    object_id = peewee.IntegerField()
    data = peewee.TextField()
    action = peewee.CharField(max_length=12)
    # not a foreign key: a service does not know the accounts; the name stays readable in the
    # history after the account is gone (erasure blanks both, see editor/personal_data.py)
    author_id = peewee.IntegerField(null=True, index=True)
    author_name = peewee.CharField(max_length=200, default="")
    created_at = peewee.DateTimeField(default=now)

    PERSONAL_DATA = {
        "author_id": ("staff identity", "who changed a page of the site (the edit history)"),
        "author_name": ("staff identity", "who changed a page of the site (the edit history)"),
    }

    class Meta:
        indexes = ((("kind", "object_id"), False),)

    @classmethod
    def history(cls, kind: str, object_id: int) -> peewee.ModelSelect[Revision]:
        """The revisions of one row, newest first."""
        return (
            cls.select()
            .where((cls.kind == kind) & (cls.object_id == object_id))
            .order_by(cls.id.desc())
        )

    @classmethod
    def latest(cls, kind: str, object_id: int) -> Revision | None:
        return cls.history(kind, object_id).first()

    @classmethod
    def latest_of(cls, kind: str, object_ids: Iterable[int]) -> dict[int, Revision]:
        """The newest revision of each row, by row id (for the editor's lists)."""
        ids = list(object_ids)
        if not ids:
            return {}
        newest = (
            cls.select(peewee.fn.MAX(cls.id))
            .where((cls.kind == kind) & cls.object_id.in_(ids))
            .group_by(cls.object_id)
        )
        return {revision.object_id: revision for revision in cls.select().where(cls.id.in_(newest))}

    def values(self) -> dict[str, Any]:
        """The stored fields (dates and times back as Python values)."""
        return {name: _loaded(value) for name, value in json.loads(self.data).items()}


def _dumped(value: Any) -> Any:
    if isinstance(value, datetime.datetime):
        return {"datetime": value.isoformat()}
    if isinstance(value, datetime.date):
        return {"date": value.isoformat()}
    return value


def _loaded(value: Any) -> Any:
    if isinstance(value, dict) and "datetime" in value:
        return datetime.datetime.fromisoformat(value["datetime"])
    if isinstance(value, dict) and "date" in value:
        return datetime.date.fromisoformat(value["date"])
    return value


def snapshot(row: peewee.Model, fields: Iterable[str]) -> dict[str, Any]:
    """The named fields of ``row``, JSON-ready."""
    return {name: _dumped(getattr(row, name)) for name in fields}


def record(
    kind: str, row: BaseModel, fields: Iterable[str], action: str, author: Author
) -> Revision:
    """Write the revision of ``row`` as it is now."""
    return Revision.create(
        kind=kind,
        object_id=row.id,
        data=json.dumps(snapshot(row, fields), ensure_ascii=False, sort_keys=True),
        action=action,
        author_id=author.id,
        author_name=author.name[:200],
    )


class StaleEdit(Exception):
    """The form was based on an older revision than the newest one: saving would lose work."""

    def __init__(self, latest: Revision):
        super().__init__(latest.id)
        self.latest = latest


def lock(row: BaseModel) -> None:
    """Inside a transaction: hold the row until commit, so two saves cannot both pass the
    revision check. SQLite's transactions already take the write lock at BEGIN (db.py)."""
    if not isinstance(database.obj, peewee.SqliteDatabase):
        model = type(row)
        model.select(model._meta.primary_key).where(
            model._meta.primary_key == row.id
        ).for_update().execute()


def save(
    kind: str,
    row: P,
    values: Mapping[str, Any],
    fields: Iterable[str],
    action: str,
    author: Author,
    based_on: int | None = None,
    status: str | None = None,
) -> Revision:
    """Apply ``values`` to ``row`` (new or existing), save it and record a revision, in one
    transaction. For an existing row, ``based_on`` is the revision the form started from
    (0: none existed); a newer one raises ``StaleEdit`` and nothing is saved."""
    fields = list(fields)
    with database.atomic():
        if row.id is not None and based_on is not None:
            lock(row)
            latest = Revision.latest(kind, row.id)
            if latest is not None and latest.id != based_on:
                raise StaleEdit(latest)
        for name, value in values.items():
            setattr(row, name, value)
        if status is not None:
            row.status = status
        row.updated_at = now()
        row.save()
        return record(kind, row, fields, action, author)


def set_status(kind: str, row: Publishable, status: str, fields: Iterable[str], author: Author):
    """Publish or unpublish ``row``; recorded as a revision."""
    action = PUBLISHED_ACTION if status == PUBLISHED else UNPUBLISHED
    return save(kind, row, {}, fields, action, author, status=status)


def restore(
    kind: str, row: Publishable, revision: Revision, fields: Iterable[str], author: Author
) -> Revision:
    """Bring back the text of an earlier revision of ``row``; its slug, state and schedule stay
    (restoring words must not move the page's address or take it on or off line)."""
    fields = list(fields)
    kept = {"slug", "status", "publish_at"}
    values = {
        name: value
        for name, value in revision.values().items()
        if name in fields and name not in kept
    }
    return save(kind, row, values, fields, RESTORED, author)
