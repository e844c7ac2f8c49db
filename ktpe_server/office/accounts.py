"""Office staff accounts and their browser sessions.

Roles: ``admin`` changes things, ``pemantau`` (monitor) only looks. A session is a
random cookie whose SHA-256 is stored with its own CSRF token; it ends at sign-out,
after :data:`IDLE` without a request, or :data:`LIFETIME` after sign-in.
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum

from sqlalchemy import Engine, delete, select, update
from sqlalchemy.orm import Session

from ktpe_desktop.core.errors import KnownError
from ktpe_server import models as m
from ktpe_server.office.audit import audit
from ktpe_server.office.passwords import (
    burn_time,
    delay_after,
    hash_password,
    password_problem,
    verify_password,
)
from ktpe_server.security import token_hash

USERNAME_RE = re.compile(r"^[a-z0-9][a-z0-9._-]{1,63}$")
IDLE = timedelta(hours=2)
LIFETIME = timedelta(hours=12)
TOUCH_EVERY = timedelta(seconds=60)


class Role(StrEnum):
    ADMIN = "admin"
    PEMANTAU = "pemantau"


class AccountError(KnownError):
    """A refused account operation, explained in both languages."""


@dataclass(frozen=True, slots=True)
class StaffInfo:
    id: int
    username: str
    display_name: str
    role: Role
    active: bool
    created_at: datetime
    last_login: datetime | None


def _info(u: m.OfficeUser) -> StaffInfo:
    return StaffInfo(
        u.id, u.username, u.display_name, Role(u.role), u.active, u.created_at, u.last_login
    )


def add_user(
    engine: Engine,
    username: str,
    password: str,
    role: str,
    display_name: str = "",
    *,
    actor: str,
    address: str,
) -> StaffInfo:
    """Create an office account. Raises AccountError for a bad name, role or password."""
    username = username.strip().lower()
    if not USERNAME_RE.match(username):
        raise AccountError(
            "Nama pengguna 2-64 karakter: huruf kecil, angka, titik, garis bawah, tanda hubung.",
            "User name of 2-64 characters: lower-case letters, digits, dot, underscore, dash.",
            code="bad_username",
        )
    if role not in (Role.ADMIN, Role.PEMANTAU):
        raise AccountError(
            "Peran harus admin atau pemantau.", "Role must be admin or pemantau.", code="bad_role"
        )
    problem = password_problem(password)
    if problem:
        raise AccountError(*problem, code="weak_password")
    with Session(engine, expire_on_commit=False) as s, s.begin():
        if s.scalar(select(m.OfficeUser.id).where(m.OfficeUser.username == username)):
            raise AccountError(
                f"Pengguna sudah ada: {username}", f"User exists: {username}", code="user_exists"
            )
        user = m.OfficeUser(
            username=username,
            display_name=display_name.strip()[:200] or username,
            role=str(role),
            password_hash=hash_password(password),
            active=True,
            failed_logins=0,
            created_at=datetime.now(UTC),
        )
        s.add(user)
        s.flush()
        audit(s, actor, address, "office_user.add", username, role=str(role))
        return _info(user)


def list_users(engine: Engine) -> list[StaffInfo]:
    with Session(engine) as s:
        return [_info(u) for u in s.scalars(select(m.OfficeUser).order_by(m.OfficeUser.username))]


def set_active(engine: Engine, username: str, active: bool, *, actor: str, address: str) -> None:
    """Disable (or enable again) an account; disabling ends its sessions."""
    with Session(engine) as s, s.begin():
        user = s.scalars(
            select(m.OfficeUser).where(m.OfficeUser.username == username.strip().lower())
        ).first()
        if user is None:
            raise AccountError(
                f"Pengguna tidak dikenal: {username}", f"Unknown user: {username}", code="unknown"
            )
        if not active and user.role == Role.ADMIN:
            others = s.scalars(
                select(m.OfficeUser.id).where(
                    m.OfficeUser.role == Role.ADMIN,
                    m.OfficeUser.active.is_(True),
                    m.OfficeUser.id != user.id,
                )
            ).first()
            if others is None and actor != "cli":
                raise AccountError(
                    "Admin terakhir tidak dapat dinonaktifkan dari konsol.",
                    "The last admin cannot be disabled from the console.",
                    code="last_admin",
                )
        user.active = active
        user.failed_logins = 0
        user.locked_until = None
        if not active:
            s.execute(delete(m.OfficeSession).where(m.OfficeSession.user_id == user.id))
        audit(
            s,
            actor,
            address,
            "office_user.enable" if active else "office_user.disable",
            user.username,
        )


# ------------------------------------------------------------------ sign-in


@dataclass(frozen=True, slots=True)
class SignIn:
    """The result of a sign-in attempt: a session token, or why not."""

    token: str | None = None
    wait_seconds: int = 0
    message: str = ""
    message_en: str = ""


WRONG = SignIn(
    message="Nama pengguna atau kata sandi salah.", message_en="Wrong user name or password."
)


def sign_in(engine: Engine, username: str, password: str, address: str) -> SignIn:
    """Check a password; a success opens a session, a failure grows the user's delay."""
    now = datetime.now(UTC)
    username = username.strip().lower()[:64]
    with Session(engine) as s, s.begin():
        user = s.scalars(select(m.OfficeUser).where(m.OfficeUser.username == username)).first()
        if user is None or not user.active:
            burn_time(password)
            audit(s, username or "?", address, "sign_in.failed", username, reason="unknown")
            return WRONG
        if user.locked_until is not None and user.locked_until > now:
            wait = int((user.locked_until - now).total_seconds()) + 1
            return SignIn(
                wait_seconds=wait,
                message=f"Terlalu banyak kata sandi salah. Coba lagi dalam {wait} detik.",
                message_en=f"Too many wrong passwords. Try again in {wait} seconds.",
            )
        if not verify_password(password, user.password_hash):
            user.failed_logins += 1
            delay = delay_after(user.failed_logins)
            user.locked_until = now + timedelta(seconds=delay) if delay else None
            audit(
                s,
                user.username,
                address,
                "sign_in.failed",
                user.username,
                failures=user.failed_logins,
            )
            if delay:
                wait = int(delay)
                return SignIn(
                    wait_seconds=wait,
                    message=f"Kata sandi salah. Coba lagi dalam {wait} detik.",
                    message_en=f"Wrong password. Try again in {wait} seconds.",
                )
            return WRONG
        user.failed_logins = 0
        user.locked_until = None
        user.last_login = now
        token = secrets.token_urlsafe(32)
        s.add(
            m.OfficeSession(
                token_hash=token_hash(token),
                user_id=user.id,
                csrf_token=secrets.token_urlsafe(32),
                created_at=now,
                expires_at=now + LIFETIME,
                last_seen=now,
                address=address[:64],
            )
        )
        s.execute(delete(m.OfficeSession).where(m.OfficeSession.expires_at < now))
        audit(s, user.username, address, "sign_in", user.username)
        return SignIn(token=token)


@dataclass(frozen=True, slots=True)
class Staff:
    """The signed-in member of staff behind a request."""

    id: int
    username: str
    display_name: str
    role: Role
    csrf: str
    session_hash: str

    @property
    def is_admin(self) -> bool:
        return self.role == Role.ADMIN


def session_staff(engine: Engine, token: str) -> Staff | None:
    """The staff member of a live session cookie, or None."""
    if not token or len(token) > 100:
        return None
    digest = token_hash(token)
    now = datetime.now(UTC)
    with Session(engine) as s:
        row = s.execute(
            select(m.OfficeSession, m.OfficeUser)
            .join(m.OfficeUser, m.OfficeUser.id == m.OfficeSession.user_id)
            .where(m.OfficeSession.token_hash == digest)
        ).first()
        if row is None:
            return None
        sess, user = row
        if not user.active or sess.expires_at <= now or now - sess.last_seen > IDLE:
            return None
        if now - sess.last_seen > TOUCH_EVERY:
            s.execute(
                update(m.OfficeSession)
                .where(m.OfficeSession.token_hash == digest)
                .values(last_seen=now)
            )
            s.commit()
        return Staff(
            user.id, user.username, user.display_name, Role(user.role), sess.csrf_token, digest
        )


def sign_out(engine: Engine, staff: Staff, address: str) -> None:
    with Session(engine) as s, s.begin():
        s.execute(delete(m.OfficeSession).where(m.OfficeSession.token_hash == staff.session_hash))
        audit(s, staff.username, address, "sign_out", staff.username)
