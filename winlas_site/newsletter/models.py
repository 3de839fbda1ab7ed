"""Subscriptions (double opt-in), per-address preferences, newsletter issues and mail events."""

from __future__ import annotations

import datetime
import hashlib

import peewee

from ..auth.models import User
from ..clock import now
from ..db import BaseModel, database, one_by, rows
from ..leads.models import Contact, normalise_address

# the version of the consent text shown beside the newsletter checkbox (and in the preference
# centre); stored with each subscription. Change the text, bump the version.
NEWSLETTER_CONSENT_VERSION = "nl-2026-11-1"
# the same for the text that asks to measure opens and clicks (P6)
TRACKING_CONSENT_VERSION = "nlt-2026-11-1"

STATUSES = ("pending", "confirmed", "unsubscribed")
EVENT_KINDS = ("open", "click")
MAX_LINKS = 20
# a sign-up nobody confirms is deleted after this many days (data minimisation)
UNCONFIRMED_DAYS = 30


def address_digest(email: str) -> str:
    """A short digest of an address: signed links carry it instead of the address itself."""
    return hashlib.sha256(normalise_address(email).encode()).hexdigest()[:12]


class Subscription(BaseModel):
    # one row per mailbox, deduplicated like the CRM's contacts (normalise_address); the contact
    # is linked once the address is confirmed, so an unconfirmed sign-up never enters the CRM.
    email = peewee.CharField(max_length=254, unique=True)
    contact = peewee.ForeignKeyField(
        Contact, null=True, backref="subscriptions", on_delete="CASCADE"
    )
    contact_id: int | None
    status = peewee.CharField(max_length=12, default="pending", index=True)
    source = peewee.CharField(max_length=200, default="")
    consent_text_version = peewee.CharField(max_length=20, default="")
    language = peewee.CharField(max_length=5, default="sv")
    created_at = peewee.DateTimeField(default=now)
    requested_at = peewee.DateTimeField(default=now)
    confirmed_at = peewee.DateTimeField(null=True)
    unsubscribed_at = peewee.DateTimeField(null=True)
    # backref of MailEvent.subscription
    events: peewee.ModelSelect[MailEvent]

    PERSONAL_DATA = {
        "email": ("contact", "sending marketing: the newsletter (P18)"),
        "status": ("consent", "proof of consent to the newsletter (P18)"),
        "source": ("consent", "proof of consent: where the sign-up was made"),
        "consent_text_version": ("consent", "proof of consent: the text agreed to"),
        "language": ("preference", "sending the newsletter in the chosen language"),
        "confirmed_at": ("consent", "proof of consent: when it was confirmed"),
        "unsubscribed_at": ("consent", "proof of withdrawal (P19)"),
    }

    @property
    def digest(self) -> str:
        return address_digest(self.email)

    @classmethod
    def by_email(cls, email: str) -> Subscription | None:
        """The subscription of this mailbox, or None."""
        found: Subscription | None = one_by(Subscription.email, normalise_address(email))
        return found

    @classmethod
    def request(cls, email: str, source: str, language: str) -> tuple[Subscription, bool]:
        """Record a sign-up; return the subscription and whether it was confirmed already.

        A confirmed subscription is left as it is. Otherwise the latest request's source,
        language and consent text are kept, and the status does not change until the address
        confirms: a stranger typing someone's address cannot undo their unsubscription.
        """
        address = normalise_address(email)
        with database.atomic():
            subscription = cls.get_or_none(cls.email == address)
            if subscription is None:
                try:
                    with database.atomic():
                        subscription = cls.create(
                            email=address,
                            source=source,
                            language=language,
                            consent_text_version=NEWSLETTER_CONSENT_VERSION,
                        )
                    return subscription, False
                except peewee.IntegrityError:  # the same address sent twice at once
                    subscription = cls.get(cls.email == address)
            if subscription.status == "confirmed":
                return subscription, True
            subscription.source = source
            subscription.language = language
            subscription.consent_text_version = NEWSLETTER_CONSENT_VERSION
            subscription.requested_at = now()
            subscription.save()
            return subscription, False

    def confirm(self, requested_at: datetime.datetime | None = None) -> bool:
        """Confirm the address (idempotent); False when the link predates an unsubscription.

        ``requested_at`` is when the confirmation link was made: an old link must not undo a
        later "unsubscribe".
        """
        with database.atomic():
            fresh = Subscription.get_by_id(self.id)
            if fresh.status == "confirmed":
                return True
            if (
                fresh.status == "unsubscribed"
                and requested_at is not None
                and fresh.unsubscribed_at is not None
                # tokens carry whole seconds
                and requested_at < fresh.unsubscribed_at.replace(microsecond=0)
            ):
                return False
            self._mark_confirmed(fresh)
            self.__data__.update(fresh.__data__)
            return True

    @staticmethod
    def _mark_confirmed(subscription: Subscription) -> None:
        subscription.status = "confirmed"
        subscription.confirmed_at = now()
        subscription.contact = Contact.upsert(subscription.email, first_name="", last_name="")
        subscription.save()
        Preference.for_email(subscription.email).mirror(newsletter=True)

    def unsubscribe(self) -> None:
        """Stop the newsletter for this address (idempotent: the first time is kept)."""
        with database.atomic():
            fresh = Subscription.get_by_id(self.id)
            if fresh.status != "unsubscribed":
                fresh.status = "unsubscribed"
                fresh.unsubscribed_at = now()
                fresh.save()
            Preference.for_email(fresh.email).mirror(newsletter=False)
            self.__data__.update(fresh.__data__)

    @classmethod
    def recipients(cls) -> peewee.ModelSelect[Subscription]:
        """Confirmed subscriptions with their preferences (attribute ``pref``, may be None)."""
        return (
            cls.select(cls, Preference)
            .join(
                Preference,
                peewee.JOIN.LEFT_OUTER,
                on=(Preference.email == cls.email),
                attr="pref",
            )
            .where(cls.status == "confirmed")
            .order_by(cls.id)
        )

    @classmethod
    def recipient_count(cls) -> int:
        """How many addresses a newsletter sent now would reach."""
        return cls.select().where(cls.status == "confirmed").count()

    @classmethod
    def purge_unconfirmed(cls, days: int = UNCONFIRMED_DAYS) -> int:
        """Delete sign-ups never confirmed within ``days``; return how many."""
        cutoff = now() - datetime.timedelta(days=days)
        return cls.delete().where((cls.status == "pending") & (cls.requested_at < cutoff)).execute()


class Preference(BaseModel):
    # per mailbox, also for people who never subscribed: objecting to profiling (P19) needs no
    # newsletter. ``newsletter`` mirrors the subscription's status.
    email = peewee.CharField(max_length=254, unique=True)
    newsletter = peewee.BooleanField(default=False)
    profiling_objection = peewee.BooleanField(default=False)
    objected_at = peewee.DateTimeField(null=True)
    email_tracking_consent = peewee.BooleanField(default=False)
    tracking_consent_at = peewee.DateTimeField(null=True)
    tracking_consent_version = peewee.CharField(max_length=20, default="")
    updated_at = peewee.DateTimeField(default=now)

    PERSONAL_DATA = {
        "email": ("contact", "keeping the person's choices (P19)"),
        "newsletter": ("consent", "sending marketing (P18)"),
        "profiling_objection": ("objection", "respecting an objection to profiling (P19)"),
        "objected_at": ("objection", "proof of the objection"),
        "email_tracking_consent": ("consent", "email open/click tracking (P6)"),
        "tracking_consent_at": ("consent", "proof of consent to tracking"),
    }

    @property
    def digest(self) -> str:
        return address_digest(self.email)

    @classmethod
    def for_email(cls, email: str) -> Preference:
        """The preferences of this mailbox, created with the defaults when missing."""
        address = normalise_address(email)
        preference = cls.get_or_none(cls.email == address)
        if preference is not None:
            return preference
        try:
            with database.atomic():
                return cls.create(email=address)
        except peewee.IntegrityError:  # created meanwhile by another request
            return cls.get(cls.email == address)

    @classmethod
    def objects_to_profiling(cls, email: str) -> bool:
        """True when the person with this address has objected to profiling (P19)."""
        return (
            cls.select()
            .where((cls.email == normalise_address(email)) & cls.profiling_objection)
            .exists()
        )

    @classmethod
    def allows_tracking(cls, email: str) -> bool:
        """True when this address agreed to open and click measurement (P6)."""
        return (
            cls.select()
            .where((cls.email == normalise_address(email)) & cls.email_tracking_consent)
            .exists()
        )

    def mirror(self, **fields) -> None:
        for name, value in fields.items():
            setattr(self, name, value)
        self.updated_at = now()
        self.save()

    def apply(
        self,
        *,
        newsletter: bool,
        object_to_profiling: bool,
        email_tracking: bool,
        source: str,
        language: str,
    ) -> None:
        """Save the switches of the preference centre; they take effect at once.

        Turning the newsletter on here confirms it directly: the signed link (or the login)
        already proves the mailbox is the person's own.
        """
        with database.atomic():
            subscription = Subscription.get_or_none(Subscription.email == self.email)
            if newsletter and (subscription is None or subscription.status != "confirmed"):
                if subscription is None:
                    subscription = Subscription.create(email=self.email)
                subscription.source = source
                subscription.language = language
                subscription.consent_text_version = NEWSLETTER_CONSENT_VERSION
                subscription.requested_at = now()
                Subscription._mark_confirmed(subscription)
            elif not newsletter and subscription is not None:
                subscription.unsubscribe()
            moment = now()
            self.newsletter = newsletter
            if object_to_profiling != self.profiling_objection:
                self.profiling_objection = object_to_profiling
                self.objected_at = moment if object_to_profiling else None
            if email_tracking != self.email_tracking_consent:
                self.email_tracking_consent = email_tracking
                self.tracking_consent_at = moment if email_tracking else None
                self.tracking_consent_version = TRACKING_CONSENT_VERSION if email_tracking else ""
            self.updated_at = moment
            self.save()


class NewsletterIssue(BaseModel):
    # the Swedish edition, which every subscriber gets unless an English one is written
    subject = peewee.CharField(max_length=200)
    body = peewee.TextField()
    # the English edition (issue 17), optional: '' when not written
    subject_en = peewee.CharField(max_length=200, default="")
    body_en = peewee.TextField(default="")
    created_by = peewee.ForeignKeyField(User, null=True, on_delete="SET NULL")
    created_by_id: int | None
    created_at = peewee.DateTimeField(default=now)
    sent_at = peewee.DateTimeField(null=True)
    recipient_count = peewee.IntegerField(default=0)
    # how many of the recipients agreed to open/click measurement when it was sent
    tracked_count = peewee.IntegerField(default=0)
    # backref of NewsletterLink.issue
    links: peewee.ModelSelect[NewsletterLink]

    @classmethod
    def newest_first(cls) -> peewee.ModelSelect[NewsletterIssue]:
        return cls.select().order_by(cls.created_at.desc(), cls.id.desc())

    def has_english(self) -> bool:
        """Whether the English edition is written (its subject and its text)."""
        return bool(self.subject_en.strip() and self.body_en.strip())

    def edition_language(self, language: str) -> str:
        """The edition a reader of ``language`` gets: English for an English reader when it is
        written, else Swedish."""
        return "en" if language == "en" and self.has_english() else "sv"

    def subject_in(self, language: str) -> str:
        """The subject of the edition a reader of ``language`` gets."""
        return self.subject_en if self.edition_language(language) == "en" else self.subject

    def paragraphs(self, language: str = "sv") -> list[str]:
        """The body of the edition a reader of ``language`` gets, as paragraphs (separated by
        blank lines)."""
        body = self.body_en if self.edition_language(language) == "en" else self.body
        text = body.replace("\r\n", "\n")
        return [part.strip() for part in text.split("\n\n") if part.strip()]

    def ordered_links(self) -> list[NewsletterLink]:
        return list(self.links.order_by(NewsletterLink.position))

    def replace_links(self, links: list[tuple[str, str]]) -> None:
        """Store the link list ``[(label, url), …]`` in this order."""
        with database.atomic():
            NewsletterLink.delete().where(NewsletterLink.issue == self).execute()
            for position, (label, url) in enumerate(links):
                NewsletterLink.create(issue=self, position=position, label=label, url=url)

    def claim_for_sending(self) -> bool:
        """Mark the issue as sent; False when it was sent already (a double submit)."""
        moment = now()
        claimed = (
            NewsletterIssue.update(sent_at=moment)
            .where((NewsletterIssue.id == self.id) & NewsletterIssue.sent_at.is_null())
            .execute()
        )
        if claimed:
            self.sent_at = moment
        return bool(claimed)

    def stats(self) -> dict:
        """People (not machines) who opened and clicked, machine events, clicks per link."""
        people = peewee.fn.COUNT(MailEvent.subscription.distinct())

        def count(kind: str, machine: bool, expression=people) -> int:
            return (
                MailEvent.select(expression)
                .where(
                    (MailEvent.issue == self)
                    & (MailEvent.kind == kind)
                    & (MailEvent.is_machine == machine)
                )
                .scalar()
                or 0
            )

        events = peewee.fn.COUNT(MailEvent.id)
        per_link = dict(
            rows(
                MailEvent.select(MailEvent.link, people)
                .where(
                    (MailEvent.issue == self) & (MailEvent.kind == "click") & ~MailEvent.is_machine
                )
                .group_by(MailEvent.link)
                .tuples()
            )
        )
        return {
            "opened": count("open", False),
            "clicked": count("click", False),
            "machine_opens": count("open", True, events),
            "machine_clicks": count("click", True, events),
            "per_link": [(link, per_link.get(link.id, 0)) for link in self.ordered_links()],
        }


class NewsletterLink(BaseModel):
    # a tracked link names this row: the redirect can only lead to a URL stored here.
    issue = peewee.ForeignKeyField(NewsletterIssue, backref="links", on_delete="CASCADE")
    issue_id: int
    position = peewee.IntegerField(default=0)
    label = peewee.CharField(max_length=200)
    url = peewee.CharField(max_length=2000)


class MailEvent(BaseModel):
    issue = peewee.ForeignKeyField(NewsletterIssue, backref="events", on_delete="CASCADE")
    issue_id: int
    subscription = peewee.ForeignKeyField(Subscription, backref="events", on_delete="CASCADE")
    subscription_id: int
    kind = peewee.CharField(max_length=5)  # open | click
    link = peewee.ForeignKeyField(NewsletterLink, null=True, on_delete="CASCADE")
    link_id: int | None
    at = peewee.DateTimeField(default=now)
    # a mail-privacy proxy, a security scanner, a HEAD request or an instant fetch, not a person
    is_machine = peewee.BooleanField(default=False)

    # only recorded for people who agreed to it (Preference.email_tracking_consent)
    PERSONAL_DATA = {
        "subscription": ("usage", "measuring interest in the newsletter, with consent (P6)"),
        "kind": ("usage", "measuring interest in the newsletter, with consent (P6)"),
        "link": ("interest", "measuring interest in the newsletter, with consent (P6)"),
        "at": ("usage", "measuring interest in the newsletter, with consent (P6)"),
    }

    @classmethod
    def record(
        cls,
        issue_id: int,
        subscription: Subscription,
        kind: str,
        *,
        is_machine: bool,
        link: NewsletterLink | None = None,
    ) -> MailEvent:
        return cls.create(
            issue=issue_id, subscription=subscription, kind=kind, link=link, is_machine=is_machine
        )


def personal_data(email: str) -> dict:
    """Everything the newsletter holds about one address, for an access request (P12)."""
    address = normalise_address(email)
    subscription = Subscription.get_or_none(Subscription.email == address)
    preference = Preference.get_or_none(Preference.email == address)
    events = []
    if subscription is not None:
        events = [
            {
                "issue": event.issue.subject,
                "kind": event.kind,
                "link": event.link.url if event.link is not None else None,
                "at": event.at.isoformat(),
                "machine": event.is_machine,
            }
            for event in subscription.events.order_by(MailEvent.at)
        ]
    subscription_fields = (
        "status",
        "source",
        "consent_text_version",
        "language",
        "created_at",
        "confirmed_at",
        "unsubscribed_at",
    )
    preference_fields = (
        "newsletter",
        "profiling_objection",
        "objected_at",
        "email_tracking_consent",
        "tracking_consent_at",
    )

    def plain(row, names):
        if row is None:
            return None
        values = {name: getattr(row, name) for name in names}
        return {
            name: value.isoformat() if isinstance(value, datetime.datetime) else value
            for name, value in values.items()
        }

    return {
        "email": address,
        "subscription": plain(subscription, subscription_fields),
        "preference": plain(preference, preference_fields),
        "mail_events": events,
    }


def forget(email: str) -> int:
    """Erase the newsletter's rows of one address (P14); return how many were deleted.

    The mail events go with the subscription (ON DELETE CASCADE, deleted explicitly too for
    databases without foreign keys enforced).
    """
    address = normalise_address(email)
    with database.atomic():
        subscription = Subscription.get_or_none(Subscription.email == address)
        removed = 0
        if subscription is not None:
            removed += MailEvent.delete().where(MailEvent.subscription == subscription).execute()
            removed += subscription.delete_instance()
        removed += Preference.delete().where(Preference.email == address).execute()
    return removed
