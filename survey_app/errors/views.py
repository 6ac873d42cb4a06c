"""Error pages: JSON for API clients, HTML for people, and never a bare 500."""
from flask import Blueprint, jsonify, render_template, request
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import DataError
from werkzeug.exceptions import HTTPException, InternalServerError

from ..extensions import db

bp = Blueprint("errors", __name__)


def _wants_json() -> bool:
    if request.path.startswith("/api/"):
        return True
    best = request.accept_mimetypes.best_match(["application/json", "text/html"])
    return best == "application/json" and request.accept_mimetypes[best] > request.accept_mimetypes["text/html"]


def _render(status: int, title: str, message: str):
    if _wants_json():
        # The API's one error shape: what went wrong, and by field (none here).
        return jsonify(error=title, message=message, fields={}, status=status), status
    return render_template("errors/error.html", status=status, title=title, message=message), status


@bp.app_errorhandler(CSRFError)
def csrf_error(error):
    return _render(
        400,
        _("This form has expired"),
        _("Please go back, reload the page and send it again. Pages you already sent are saved."),
    )


@bp.app_errorhandler(HTTPException)
def http_error(error: HTTPException):
    pages = {
        400: (_("Bad request"), _("The request could not be understood.")),
        403: (_("Not allowed"), _("You do not have permission to see this page.")),
        404: (_("Page not found"), _("We could not find that page.")),
        405: (_("Not allowed"), _("That action is not allowed here.")),
        413: (_("Too large"), _("The file is too large.")),
        429: (_("Too many requests"), _("Please wait a moment and try again.")),
    }
    title, message = pages.get(error.code, (_("Error"), error.description or ""))
    return _render(error.code or 500, title, message)


@bp.app_errorhandler(DataError)
def unstorable_data(error):
    """A value the database refuses (a NUL character, a number or text too large for its column)
    that no check before it caught: the sender is told, nothing half-stored stays."""
    db.session.rollback()
    return _render(400, _("These details cannot be stored"),
                   _("Something you sent contains a character or a value too large to keep. Please correct it."))


@bp.app_errorhandler(InternalServerError)
def internal_error(error):
    db.session.rollback()
    return _render(500, _("Something went wrong"), _("The error has been logged. Please try again."))
