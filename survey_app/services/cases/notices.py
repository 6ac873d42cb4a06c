"""What the complainant is told by email, in their language, when the consent rules allow it."""
from flask_babel import force_locale
from flask_babel import gettext as _

from ...models import ActorKind, Case, CaseEvent, Complaint, ContactChannel, ContactPurpose
from ..customers import channels
from ..customers.consent import may_contact, optout_url
from .handling_survey import handling_survey_url
from .labels import CUSTOMER_STATUS
from .tracking import tracking_url


def confirm_receipt(complaint: Complaint) -> None:
    """Tell the complainant their reference."""
    send(complaint, lambda: (_("Your complaint %(ref)s", ref=complaint.reference),
                             _("We have received your complaint. Its reference is %(ref)s.", ref=complaint.reference)))


def tell_customer(case: Case, event: CaseEvent) -> None:
    """Email the customer what a staff member told them, or that the case closed."""
    if not event.public or event.actor_kind is ActorKind.CUSTOMER:
        return
    complaint = case.complaint

    def message():
        lines = [str(CUSTOMER_STATUS[case.state]), event.body or ""]
        survey_url = handling_survey_url(case) if case.is_closed and _may_send_survey(case) else None
        if survey_url:
            lines.append(_("Please tell us in one minute how we handled your complaint: %(url)s", url=survey_url))
        return _("News about your complaint %(ref)s", ref=complaint.reference), "\n\n".join(filter(None, lines))

    send(complaint, message)


def _may_send_survey(case: Case) -> bool:
    """The handling-survey link goes into a closing email only while surveys may reach the customer;
    sending the same invitation again does not count against the contact limit."""
    return may_contact(case.complaint.customer, ContactChannel.EMAIL, ContactPurpose.SURVEY,
                       resend_of=f"invitation:{case.handling_invitation_id}").allowed


def send(complaint: Complaint, message) -> None:
    """Email the complainant ``message()`` (subject, text), written in their language, if we may."""
    if not complaint.contact_email or not may_contact(complaint.customer, ContactChannel.EMAIL,
                                                      ContactPurpose.FOLLOW_UP).allowed:
        return
    optout = optout_url(complaint.customer)
    with force_locale(complaint.language):
        subject, text = message()
        body = "\n\n".join([text, _("Follow your complaint here: %(url)s", url=tracking_url(complaint)),
                            _("No more surveys or calls from us? One click: %(url)s", url=optout)])
    # Mail programs offer their own unsubscribe button from these headers (RFC 8058).
    channels.send(ContactChannel.EMAIL, complaint.contact_email, subject, body,
                  {"List-Unsubscribe": f"<{optout}>", "List-Unsubscribe-Post": "List-Unsubscribe=One-Click"})
