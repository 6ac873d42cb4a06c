"""Bearer tokens for the JSON API: shown once when created, stored as a SHA-256 hash."""
import hashlib
import secrets

import sqlalchemy as sa

from ...extensions import db
from ...models import ApiToken, StaffUser


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_token(user: StaffUser, name: str) -> str:
    """A new token acting as ``user``; commits and returns the token, which is not stored."""
    token = secrets.token_urlsafe(32)
    db.session.add(ApiToken(user_id=user.id, name=name, token_hash=_hash(token)))
    db.session.commit()
    return token


def user_for_token(token: str) -> StaffUser | None:
    """The active staff member a live token acts for, or None."""
    if not token or len(token) > 100:
        return None
    row = db.session.scalar(sa.select(ApiToken).where(ApiToken.token_hash == _hash(token),
                                                      ApiToken.revoked_at.is_(None)))
    if row is None or not row.user.active:
        return None
    return row.user
