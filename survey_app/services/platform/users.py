"""Staff accounts."""
from decimal import Decimal, InvalidOperation

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from ...extensions import db
from ...models import Role, StaffUser
from ..errors import Conflict, InvalidInput, NotFound
from .labels import EnumTable

MIN_PASSWORD_LENGTH = 8
ROLE_LABELS = EnumTable(Role, {Role.AGENT: _l("agent"), Role.SUPERVISOR: _l("supervisor"),
                               Role.MANAGER: _l("quality manager"), Role.ADMIN: _l("administrator")})


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


def set_settlement_limit(username: str, amount: str | None) -> StaffUser:
    """What this person may give at first contact; None or "default" falls back to FIRST_CONTACT_LIMIT."""
    user = db.session.scalar(sa.select(StaffUser).where(StaffUser.username == username.strip()))
    if user is None:
        raise NotFound(f"No user is called {username!r}.")
    if amount is None or amount.strip().lower() == "default":
        user.settlement_limit = None
    else:
        try:
            limit = Decimal(amount.strip()).quantize(Decimal("0.01"))
        except InvalidOperation:
            raise InvalidInput(f"{amount!r} is not an amount of money.") from None
        if limit < 0:
            raise InvalidInput("A limit cannot be negative.")
        user.settlement_limit = limit
    db.session.commit()
    return user
