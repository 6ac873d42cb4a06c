"""Staff accounts."""
import sqlalchemy as sa

from ..extensions import db
from ..models import Role, StaffUser
from .errors import Conflict, InvalidInput

MIN_PASSWORD_LENGTH = 8


def create_user(username: str, password: str, role: Role | str, team: str | None = None) -> StaffUser:
    """Create a staff account; the user name must be new and the password long enough."""
    username = username.strip()
    if not username:
        raise InvalidInput("A user name is required.")
    if len(password) < MIN_PASSWORD_LENGTH:
        raise InvalidInput(f"The password must have at least {MIN_PASSWORD_LENGTH} characters.")
    if db.session.scalar(sa.select(StaffUser).where(StaffUser.username == username)):
        raise Conflict(f"The user {username!r} exists already.")
    user = StaffUser(username=username, role=Role(role), team=team)
    user.set_password(password)
    db.session.add(user)
    db.session.commit()
    return user


def authenticate(username: str, password: str) -> StaffUser | None:
    user = db.session.scalar(sa.select(StaffUser).where(StaffUser.username == username.strip()))
    if user is None or not user.active or not user.check_password(password):
        return None
    return user
