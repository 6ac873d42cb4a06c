"""A respondent of the anonymous link who leaves contact details after answering: the response
joins that customer, through the same matching as every other intake, and the closed loop can
then follow a low score up."""
from datetime import datetime

from flask_babel import gettext as _

from ...extensions import db
from ...models import ConsentRecord, ConsentSource, ContactPurpose, Customer, Response
from ...models.base import now_utc
from ..customers.channels import reached_by
from ..customers.consent import ConsentNote
from ..customers.matching import ContactKeys, note_arrival, resolve_customer
from ..errors import Conflict, InvalidInput
from .signals import respondent_identified
from ..platform.settings import settings


def may_leave_contact(response: Response | None) -> bool:
    """Only a submitted response nobody is known for yet takes contact details."""
    return response is not None and response.is_submitted and response.customer_id is None


def leave_contact(response: Response, *, name: str | None, phone: str | None, email: str | None,
                  now: datetime | None = None) -> Customer:
    """Join ``response`` to the customer these details point to (or a new one), record that they
    asked to be contacted about their answers, and open the follow-up a low score calls for. Commits.

    :raise InvalidInput: for a phone number or email address that is not one, or neither given.
    :raise Conflict: when the response is not one that takes contact details (see :func:`may_leave_contact`).
    """
    now = now or now_utc()
    if not may_leave_contact(response):
        raise Conflict(_("These answers are already with your contact details."))
    keys = _parse(phone, email)
    customer, _created = resolve_customer(keys, name)
    response.customer_id = customer.id
    # Sending the form is the request to be contacted; it is kept like any other consent.
    consents = [ConsentRecord(customer_id=customer.id, channel=channel, purpose=ContactPurpose.FOLLOW_UP,
                              granted=True, source=ConsentSource.CUSTOMER_FORM, note=ConsentNote.SURVEY_CONTACT_ME,
                              recorded_at=now)
                for channel in reached_by(keys)]
    db.session.add_all(consents)
    note_arrival(keys, customer, [response, *consents], at=now)
    db.session.commit()
    respondent_identified.send(response, now=now)
    return customer


def _parse(phone: str | None, email: str | None) -> ContactKeys:
    """:raise InvalidInput: naming each detail to correct at once."""
    keys = ContactKeys.checked(phone, email, region=settings().default_phone_region)
    if not keys.any():
        raise InvalidInput(_("Please correct the marked fields."),
                           {"phone": _("Give a phone number or an email address, so we can answer you.")})
    return keys
