"""The customer's own opt-out page: one click, no login, no JavaScript, confirmed on the page."""
from flask import Blueprint, render_template, request, url_for

from ..extensions import csrf, limiter
from ..services.customers import consent
from ..services.surveys import find_invitation
from ..services.platform.settings import settings

bp = Blueprint("optout", __name__)


@bp.route("/optout/<token>", methods=["GET", "POST"])
@limiter.limit("30 per minute", methods=["POST"])
# The token is an unguessable secret of this customer, so it protects the form as a CSRF token
# would; mail programs' one-click unsubscribe (RFC 8058) posts without a session.
@csrf.exempt
def optout(token: str):
    """Show the opt-out button; a POST records the opt-out at once and says so.

    :raise 404: when the token was not issued by us.
    """
    customer = consent.customer_for_optout(token, settings().secret_key)
    if customer is None:
        return render_template("customers/optout.html", unknown=True), 404
    if request.method == "POST":
        everything = request.form.get("scope") == "all"
        consent.opt_out(customer, include_service=everything)
        return render_template("customers/optout.html", done=True, everything=everything)
    return render_template("customers/optout.html", token=token)


@bp.app_context_processor
def optout_links():
    """``invitation_optout_url(token)`` for the respondent pages: the opt-out link of an invitation's customer."""

    def invitation_optout_url(invitation_token: str | None) -> str | None:
        invitation = find_invitation(invitation_token) if invitation_token else None
        if invitation is None or invitation.customer is None:
            return None
        return url_for("optout.optout", token=consent.optout_token(invitation.customer, settings().secret_key))

    return {"invitation_optout_url": invitation_optout_url}
