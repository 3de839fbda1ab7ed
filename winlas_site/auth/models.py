"""Organisations, users and their server-side login sessions."""

from __future__ import annotations

import datetime
import hashlib
import secrets

import peewee
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app
from flask_login import UserMixin

from .. import addresses
from ..clock import now
from ..db import BaseModel, Prepared, Slot

ROLES = ("customer", "marketer", "staff", "admin")
ORGANISATION_KINDS = ("school", "municipality", "agency", "company")

# argon2-cffi's defaults are argon2id with RFC 9106's low-memory profile (t=3, 64 MiB, p=4),
# above the OWASP ASVS 5 minimum; tests may hand the app a cheaper hasher.
DEFAULT_HASHER = PasswordHasher()


def password_hasher() -> PasswordHasher:
    """The hasher of the running app (tests configure a cheaper one), else the default."""
    return current_app.extensions.get("password_hasher", DEFAULT_HASHER)


# the lookup key of the one address rule (``addresses``), under the name other modules import
normalise_email = addresses.normalise


class Organisation(BaseModel):
    name = peewee.CharField(max_length=200)
    kind = peewee.CharField(max_length=20, default="municipality")
    customer_number = peewee.CharField(max_length=20, unique=True, null=True)
    created_at = peewee.DateTimeField(default=now)
    # the organisation's own mail domains, one per line (e.g. "exempelkommun.se"): a
    # registration with the customer number opens an account at once only from an address in
    # one of them (or a subdomain); any other address is a request staff decide (P3).
    mail_domains = peewee.TextField(default="")

    def domain_list(self) -> list[str]:
        """The known mail domains, normalised like addresses."""
        return [
            addresses.domain_of("x@" + line.strip())
            for line in self.mail_domains.splitlines()
            if line.strip()
        ]

    def owns_address(self, address: str) -> bool:
        """True when ``address`` is in one of the organisation's mail domains or a subdomain."""
        domain = addresses.domain_of(address)
        return bool(domain) and any(
            domain == known or domain.endswith("." + known) for known in self.domain_list()
        )

    @classmethod
    def by_customer_number(cls, number: str) -> Organisation | None:
        """The organisation with this customer number (case-insensitive), or None."""
        if not number:
            return None
        return cls.get_or_none(peewee.fn.UPPER(cls.customer_number) == number.strip().upper())

    @classmethod
    def customers(cls) -> peewee.ModelSelect[Organisation]:
        """Organisations with a customer number (the only ones whose contacts get accounts)."""
        return cls.select().where(cls.customer_number.is_null(False)).order_by(cls.name, cls.id)


class User(UserMixin, BaseModel):
    # P4: exactly the fields the privacy policy lists for a registered contact; the rest
    # (role, activity flags) is account administration.
    email = peewee.CharField(max_length=254, unique=True)
    first_name = peewee.CharField(max_length=100)
    last_name = peewee.CharField(max_length=100)
    work_phone = peewee.CharField(max_length=40, default="")
    password_hash = peewee.CharField(max_length=255)
    role = peewee.CharField(max_length=10, default="customer")
    organisation = peewee.ForeignKeyField(Organisation, backref="users", null=True)
    organisation_id: int | None
    active = peewee.BooleanField(default=True)
    created_at = peewee.DateTimeField(default=now)
    # None until the owner of the address follows the confirmation link (P3): no login before.
    email_confirmed_at = peewee.DateTimeField(null=True)
    # the organisation as typed in a registration request staff have not yet approved; cleared
    # (and ``organisation`` set) on approval. Non-empty = a pending request.
    requested_organisation = peewee.CharField(max_length=200, default="")
    # written at login and at most once a UTC day on authenticated requests (the two-year
    # retention rule reads it); None = no activity recorded since the column exists.
    last_active_at = peewee.DateTimeField(null=True, index=True)

    PERSONAL_DATA = {
        "email": ("contact", "account management, authentication"),
        "first_name": ("identity", "account management"),
        "last_name": ("identity", "account management"),
        "work_phone": ("contact", "support"),
        "password_hash": ("credential", "authentication"),
        "organisation": ("affiliation", "account management, customer relationship"),
        "requested_organisation": ("affiliation", "checking a registration request (P3)"),
        "email_confirmed_at": ("account", "proof the address belongs to the account holder"),
        "last_active_at": ("usage", "deleting accounts after two years without activity"),
    }

    # set when the user is loaded through a login session: flask-login stores this token,
    # not the user id, so ending the session server-side ends every copy of the cookie.
    session_token: str | None = None

    @property
    def is_active(self) -> bool:  # flask-login refuses inactive users
        return self.active

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()

    def get_id(self) -> str | None:
        return self.session_token

    @property
    def is_confirmed(self) -> bool:
        """True once the owner of the address has followed the confirmation link."""
        return self.email_confirmed_at is not None

    @property
    def is_pending_approval(self) -> bool:
        """True for a registration request staff have neither approved nor refused."""
        return bool(self.requested_organisation) and self.organisation_id is None

    def login_refusal(self) -> str | None:
        """Why a user who knows the password may not log in yet: "unconfirmed", "pending" or
        None. Only ever shown after a correct password, so it reveals nothing to a stranger."""
        if not self.is_confirmed:
            return "unconfirmed"
        if self.is_pending_approval:
            return "pending"
        return None

    def link_stamp(self) -> str:
        """A short digest of the address and the password hash, carried in emailed links.

        A new password or address changes it, so a password-reset link works once and a link
        for an address (or a registration) that has since been replaced works no more.
        """
        material = f"{self.email}\x00{self.password_hash}".encode()
        return hashlib.sha256(material).hexdigest()[:20]

    def confirm_email(self) -> bool:
        """Mark the address confirmed; False when it already was (a link used twice)."""
        if self.is_confirmed:
            return False
        moment = now()
        updated = (
            User.update(email_confirmed_at=moment)
            .where(User.id == self.id, User.email_confirmed_at.is_null())
            .execute()
        )
        self.email_confirmed_at = moment
        return bool(updated)

    def approve(self, organisation: Organisation) -> None:
        """Grant a registration request: link the customer organisation, clear the request."""
        self.organisation = organisation
        self.requested_organisation = ""
        self.save(only=[User.organisation, User.requested_organisation])

    def record_activity(self, moment: datetime.datetime | None = None) -> bool:
        """Note activity now, at most once per UTC day; True when a row was written.

        The check runs on the loaded user first, so a user already seen today costs no query;
        the conditional update keeps two parallel requests from writing twice.
        """
        moment = moment or now()
        day_start = moment.replace(hour=0, minute=0, second=0, microsecond=0)
        if self.last_active_at is not None and self.last_active_at >= day_start:
            return False
        updated = (
            User.update(last_active_at=moment)
            .where(
                User.id == self.id,
                User.last_active_at.is_null() | (User.last_active_at < day_start),
            )
            .execute()
        )
        self.last_active_at = moment
        return bool(updated)

    @classmethod
    def pending_requests(cls) -> peewee.ModelSelect[User]:
        """Confirmed registration requests waiting for staff, oldest first."""
        return (
            cls.select()
            .where(
                cls.requested_organisation != "",
                cls.organisation.is_null(),
                cls.email_confirmed_at.is_null(False),
            )
            .order_by(cls.created_at, cls.id)
        )

    @classmethod
    def unconfirmed_before(cls, cutoff: datetime.datetime) -> peewee.ModelSelect[User]:
        """Registrations whose address was never confirmed, created before ``cutoff``."""
        return cls.select().where(cls.email_confirmed_at.is_null(), cls.created_at < cutoff)

    def has_role(self, *roles: str) -> bool:
        """True when the user holds one of ``roles``; admin holds every role."""
        return self.role == "admin" or self.role in roles

    def set_password(self, password: str) -> None:
        """Hash and store a new password and end every session of this user."""
        self.password_hash = password_hasher().hash(password)
        if self.id is not None:
            self.save()
            UserSession.end_all(self)

    def check_password(self, password: str) -> bool:
        """Verify ``password``; rehash transparently when the parameters have changed."""
        hasher = password_hasher()
        try:
            hasher.verify(self.password_hash, password)
        except (VerificationError, InvalidHashError):
            return False
        if hasher.check_needs_rehash(self.password_hash):
            self.password_hash = hasher.hash(password)
            self.save(only=[User.password_hash])
        return True

    @classmethod
    def by_email(cls, email: str) -> User | None:
        """The user with this address (after normalisation), or None."""
        return cls.get_or_none(cls.email == normalise_email(email))

    @classmethod
    def authenticate(cls, email: str, password: str) -> User | None:
        """The active user with these credentials, or None; unknown addresses cost as much time.

        The address must pass the address rule itself (``addresses.canonical``), not only its
        lookup key: a fullwidth or other look-alike of a real address is no login to it.
        """
        try:
            user = cls.get_or_none(cls.email == addresses.canonical(email))
        except addresses.InvalidAddress:
            user = None
        if user is None:
            # verify against a throwaway hash so an unknown address is not faster to reject.
            hasher = password_hasher()
            try:
                hasher.verify(_dummy_hash(hasher), password)
            except VerificationError:
                pass
            return None
        if not user.check_password(password) or not user.active:
            return None
        return user

    @classmethod
    def create_account(
        cls,
        email: str,
        password: str,
        *,
        role: str = "customer",
        first_name: str = "",
        last_name: str = "",
        organisation: Organisation | None = None,
        work_phone: str = "",
        confirmed: bool = True,
    ) -> User:
        """Create a user with a hashed password.

        Users made by staff, the CLI or the demo loader count as confirmed; self-service
        registration (``auth.registration``) creates unconfirmed ones. The address must pass
        the address rule (``addresses.InvalidAddress``, a ValueError, otherwise).
        """
        if role not in ROLES:
            raise ValueError(f"unknown role {role!r}")
        user = cls(
            email=addresses.canonical(email),
            first_name=first_name,
            last_name=last_name,
            work_phone=work_phone,
            role=role,
            organisation=organisation,
            email_confirmed_at=now() if confirmed else None,
        )
        user.password_hash = password_hasher().hash(password)
        user.save()
        return user


_dummy_hashes: dict[int, str] = {}


def _dummy_hash(hasher: PasswordHasher) -> str:
    key = id(hasher)
    if key not in _dummy_hashes:
        _dummy_hashes[key] = hasher.hash(secrets.token_hex(16))
    return _dummy_hashes[key]


def _digest(token: str) -> str:
    # only the digest is stored: a copy of the table does not hand out live sessions.
    return hashlib.sha256(token.encode()).hexdigest()


class UserSession(BaseModel):
    token_digest = peewee.CharField(max_length=64, unique=True)
    user = peewee.ForeignKeyField(User, backref="sessions", on_delete="CASCADE")
    user_id: int
    remember = peewee.BooleanField(default=False)
    created_at = peewee.DateTimeField(default=now)
    last_seen_at = peewee.DateTimeField(default=now)

    # last_seen_at is written at most this often, so browsing does not mean a write per page.
    TOUCH_INTERVAL = datetime.timedelta(minutes=1)

    @classmethod
    def start(cls, user: User, remember: bool = False) -> str:
        """Open a session for ``user`` and return its token (kept only in the cookie)."""
        token = secrets.token_urlsafe(32)
        cls.create(token_digest=_digest(token), user=user, remember=remember)
        return token

    @classmethod
    def resume(
        cls,
        token: str,
        idle: datetime.timedelta,
        absolute: datetime.timedelta,
        remember_for: datetime.timedelta,
    ) -> User | None:
        """The user of a live session, or None once it has ended, idled or grown too old."""
        if not token or len(token) > 100:
            return None
        session = _session_of_digest.first(digest=_digest(token))
        if session is None:
            return None
        moment = now()
        idle_limit, age_limit = (
            (remember_for, remember_for) if session.remember else (idle, absolute)
        )
        if moment - session.last_seen_at > idle_limit or moment - session.created_at > age_limit:
            session.delete_instance()
            return None
        if moment - session.last_seen_at > cls.TOUCH_INTERVAL:
            cls.update(last_seen_at=moment).where(cls.id == session.id).execute()
        user = session.user
        if not user.active:
            return None
        user.session_token = token
        return user

    @classmethod
    def end(cls, token: str | None) -> None:
        """End one session (logout)."""
        if token:
            cls.delete().where(cls.token_digest == _digest(token)).execute()

    @classmethod
    def end_all(cls, user: User) -> None:
        """End every session of ``user`` (password change, deactivation, erasure)."""
        cls.delete().where(cls.user == user).execute()


# asked on every request with a login cookie: its SQL is built once (see ``Prepared``)
_session_of_digest: Prepared[UserSession] = Prepared(
    lambda: (
        UserSession.select(UserSession, User)
        .join(User)
        .where(UserSession.token_digest == Slot("digest"))
        .limit(1)
    )
)
