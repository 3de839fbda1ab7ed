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

from ..db import BaseModel

ROLES = ("customer", "marketer", "staff", "admin")
ORGANISATION_KINDS = ("school", "municipality", "agency", "company")

# argon2-cffi's defaults are argon2id with RFC 9106's low-memory profile (t=3, 64 MiB, p=4),
# above the OWASP ASVS 5 minimum; tests may hand the app a cheaper hasher.
DEFAULT_HASHER = PasswordHasher()


def password_hasher() -> PasswordHasher:
    """The hasher of the running app (tests configure a cheaper one), else the default."""
    return current_app.extensions.get("password_hasher", DEFAULT_HASHER)


def normalise_email(email: str) -> str:
    """Lower-case and trim an address so one mailbox has one account."""
    return email.strip().lower()


def now() -> datetime.datetime:
    """The current time as naive UTC, the form every timestamp is stored in."""
    return datetime.datetime.now(datetime.UTC).replace(tzinfo=None)


class Organisation(BaseModel):
    name = peewee.CharField(max_length=200)
    kind = peewee.CharField(max_length=20, default="municipality")
    customer_number = peewee.CharField(max_length=20, unique=True, null=True)
    created_at = peewee.DateTimeField(default=now)


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
    active = peewee.BooleanField(default=True)
    created_at = peewee.DateTimeField(default=now)

    PERSONAL_DATA = {
        "email": ("contact", "account management, authentication"),
        "first_name": ("identity", "account management"),
        "last_name": ("identity", "account management"),
        "work_phone": ("contact", "support"),
        "password_hash": ("credential", "authentication"),
        "organisation": ("affiliation", "account management, customer relationship"),
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
        """The active user with these credentials, or None; unknown addresses cost as much time."""
        user = cls.by_email(email)
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
    ) -> User:
        """Create a user with a hashed password."""
        if role not in ROLES:
            raise ValueError(f"unknown role {role!r}")
        user = cls(
            email=normalise_email(email),
            first_name=first_name,
            last_name=last_name,
            role=role,
            organisation=organisation,
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
        session = cls.select(cls, User).join(User).where(cls.token_digest == _digest(token)).first()
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
