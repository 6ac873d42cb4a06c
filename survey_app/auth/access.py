"""Route decorators that say who may open a staff page."""
from functools import wraps

from flask import abort
from flask_login import current_user, login_required

from ..models import Role


def role_required(role: Role | str):
    """Allow logged-in staff whose role is ``role`` or higher.

    :raise 403: when the user's role is lower.
    """
    minimum = Role(role)

    def decorator(view):
        @wraps(view)
        @login_required
        def wrapped(*args, **kwargs):
            if not current_user.role.at_least(minimum):
                abort(403)
            return view(*args, **kwargs)

        return wrapped

    return decorator
