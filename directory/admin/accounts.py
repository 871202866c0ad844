"""Moderators' accounts: creating one, passwords, sessions (a token in the cookie that signing in and out
replaces), and signing in with a per-email pause after repeated wrong passwords."""
from __future__ import annotations

import hmac
import math
import secrets
from datetime import datetime, timedelta
from functools import cache

from sqlalchemy import case, delete, select, update
from sqlalchemy.dialects import postgresql, sqlite
from werkzeug.security import check_password_hash, generate_password_hash

from directory.admin.models import Admin, LoginLockout
from directory.database import aware, utcnow
from directory.extensions import db
from directory.listings.rules import normalize_email
from directory.security import hash_token

MIN_PASSWORD_LENGTH = 12


# --- Moderators


def _valid_password(password: str) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise ValueError(f"Use a password of at least {MIN_PASSWORD_LENGTH} characters.")


def create_admin(email: str, password: str) -> Admin:
    """Add a moderator; the password is stored only as a werkzeug hash."""
    email = normalize_email(email)
    if "@" not in email:
        raise ValueError("That does not look like an email address.")
    _valid_password(password)
    if db.session.scalar(select(Admin.id).where(Admin.email == email)) is not None:
        raise ValueError(f"There is already a moderator with the email {email}.")
    admin = Admin(email=email, password_hash=generate_password_hash(password))
    db.session.add(admin)
    db.session.commit()
    return admin


def find_admin(email: str) -> Admin | None:
    """The moderator with this email, if any."""
    return db.session.scalar(select(Admin).where(Admin.email == normalize_email(email)))


def change_password(admin: Admin, password: str) -> None:
    """Give the moderator a new password; every session they had ends."""
    _valid_password(password)
    admin.password_hash = generate_password_hash(password)
    rotate_session_token(admin)
    db.session.commit()


# --- Sessions


def rotate_session_token(admin: Admin) -> None:
    """A new session token (in the current transaction): cookies holding the old one stop working."""
    admin.session_token = secrets.token_urlsafe(32)


def admin_for_session(session_id: str) -> Admin | None:
    """The moderator whose current session this is ("id:token", as Admin.get_id gives it), or None."""
    admin_id, _, token = session_id.partition(":")
    if not admin_id.isdigit() or not token or len(admin_id) > 18:
        return None
    admin = db.session.get(Admin, int(admin_id))
    if admin is None or admin.session_token is None:
        return None
    return admin if hmac.compare_digest(admin.session_token.encode(), token.encode()) else None


def end_session(admin: Admin) -> None:
    """Sign out: the session token changes, so a copy of the cookie is signed out too."""
    rotate_session_token(admin)
    db.session.commit()


# --- Signing in

LOCKOUT_AFTER = 5
LOCKOUT_FIRST = timedelta(minutes=1)
LOCKOUT_LONGEST = timedelta(hours=1)
# Wrong passwords spread over more than a day are typos, not an attack: counting starts again.
FAILURES_FORGOTTEN_AFTER = timedelta(days=1)


class SignInPaused(Exception):
    """Too many wrong passwords for this email, from wherever: no password is checked for `seconds`."""

    def __init__(self, seconds: int) -> None:
        super().__init__(f"Sign-in paused for {seconds} s")
        self.seconds = seconds


@cache
def _dummy_hash() -> str:
    return generate_password_hash("not the password of anybody")


def _email_hash(email: str) -> str:
    return hash_token(normalize_email(email))


def lockout_delay(failures: int) -> timedelta | None:
    """How long sign-ins wait after this many wrong passwords in a row: doubling from the fifth, capped."""
    if failures < LOCKOUT_AFTER:
        return None
    return min(LOCKOUT_FIRST * 2 ** min(failures - LOCKOUT_AFTER, 12), LOCKOUT_LONGEST)


def _refuse_while_locked(email_hash: str, now: datetime) -> None:
    locked_until = aware(db.session.scalar(
        select(LoginLockout.locked_until).where(LoginLockout.email_hash == email_hash)))
    if locked_until is not None and locked_until > now:
        raise SignInPaused(math.ceil((locked_until - now).total_seconds()))


def _record_failure(email_hash: str, now: datetime) -> None:
    """Count one wrong password in a single statement, so concurrent workers cannot lose a count."""
    count: postgresql.Insert | sqlite.Insert = (
        postgresql.insert(LoginLockout) if db.session.get_bind().dialect.name == "postgresql"
        else sqlite.insert(LoginLockout)
    )
    forgotten = now - FAILURES_FORGOTTEN_AFTER
    count = count.values(email_hash=email_hash, failures=1, last_failed_at=now).on_conflict_do_update(
        index_elements=[LoginLockout.email_hash],
        set_={"failures": case((LoginLockout.last_failed_at < forgotten, 1), else_=LoginLockout.failures + 1),
              "last_failed_at": now},
    )
    delay = lockout_delay(db.session.scalar(count.returning(LoginLockout.failures)) or 1)
    if delay is not None:
        db.session.execute(update(LoginLockout).where(LoginLockout.email_hash == email_hash)
                           .values(locked_until=now + delay))
    # Rows for emails nobody has tried for a day are of no more use (most are unknown emails).
    db.session.execute(delete(LoginLockout).where(LoginLockout.last_failed_at < forgotten))
    db.session.commit()


def authenticate(email: str, password: str, now: datetime | None = None) -> Admin | None:
    """The moderator with this email and password, now signed in with a new session token, or None.

    Unknown emails are counted and paused like real ones and take as long, so neither the answer nor
    its timing says whether an account exists. Raises SignInPaused while the email is locked out.
    """
    now = now or utcnow()
    email_hash = _email_hash(email)
    _refuse_while_locked(email_hash, now)
    admin = find_admin(email)
    stored_hash = admin.password_hash if admin else _dummy_hash()
    if not check_password_hash(stored_hash, password) or admin is None:
        _record_failure(email_hash, now)
        return None
    db.session.execute(delete(LoginLockout).where(LoginLockout.email_hash == email_hash))
    admin.last_login_at = now
    rotate_session_token(admin)
    db.session.commit()
    return admin
