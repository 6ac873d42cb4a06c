"""Staff login and logout."""
from urllib.parse import urlsplit

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_limiter import RateLimitExceeded
from flask_login import current_user, login_required, login_user, logout_user

from ..extensions import limiter
from ..services.platform import users
from . import login_limits
from .forms import LoginForm

bp = Blueprint("auth", __name__)


@bp.app_context_processor
def role_words() -> dict:
    """Every staff page names the reader's role in their language."""
    return {"role_label": users.ROLE_LABELS}


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(login_limits.per_address, methods=["POST"], on_breach=login_limits.refused)
@limiter.limit(login_limits.per_account_address, key_func=login_limits.submitted_account_at_address,
               methods=["POST"], exempt_when=login_limits.names_no_account, on_breach=login_limits.refused)
@limiter.limit(login_limits.per_account, key_func=login_limits.submitted_account, methods=["POST"],
               exempt_when=login_limits.spared_account_limit, on_breach=login_limits.refused)
def login():
    """Log a staff member in and send them where they were going."""
    if current_user.is_authenticated:
        return redirect(url_for("auth.home"))
    form = LoginForm()
    if form.validate_on_submit():
        user = users.authenticate(form.username.data, form.password.data)
        if user is None:
            flash(_("Wrong user name or password."), "error")
            return render_template("auth/login.html", form=form), 401
        login_user(user)
        target = request.args.get("next", "")
        if not target.startswith("/") or urlsplit(target).netloc or target.startswith("//"):
            target = url_for("auth.home")
        return login_limits.remember_browser(redirect(target), user.username)
    return render_template("auth/login.html", form=form)


@bp.errorhandler(RateLimitExceeded)
def too_many_attempts(error: RateLimitExceeded):
    """The login page that :func:`login_limits.refused` made, rather than the site's general 429 page."""
    return error.get_response()


@bp.post("/logout")
@login_required
def logout():
    """End the staff session."""
    logout_user()
    flash(_("You are logged out."), "info")
    return redirect(url_for("auth.login"))


@bp.get("/")
@login_required
def home():
    """The staff start page: links to what the user's role may open."""
    return render_template("auth/home.html")
