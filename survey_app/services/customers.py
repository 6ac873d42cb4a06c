"""One customer per person: every intake finds or creates its customer here."""
from dataclasses import dataclass

import phonenumbers
import sqlalchemy as sa
from flask_babel import gettext as _

from ..extensions import db
from ..models import Customer
from .errors import InvalidInput


def normalise_phone(raw: str | None, region: str = "CN") -> str | None:
    """E.164 form of a phone number, or None when blank.

    :raise InvalidInput: when the number cannot be a real one.
    """
    if raw is None or not raw.strip():
        return None
    try:
        number = phonenumbers.parse(raw, region)
    except phonenumbers.NumberParseException:
        raise InvalidInput(_("%(phone)s is not a phone number.", phone=raw)) from None
    if not phonenumbers.is_valid_number(number):
        raise InvalidInput(_("%(phone)s is not a valid phone number.", phone=raw))
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def normalise_email(raw: str | None) -> str | None:
    if raw is None or not raw.strip():
        return None
    email = raw.strip().lower()
    local, _at, domain = email.partition("@")
    if not local or "." not in domain or " " in email:
        raise InvalidInput(_("%(email)s is not an email address.", email=raw))
    return email


@dataclass(frozen=True)
class ContactKeys:
    """The exact keys a customer can be recognised by."""

    phone: str | None = None
    email: str | None = None
    reference: str | None = None

    @classmethod
    def parse(cls, phone=None, email=None, reference=None, region="CN") -> "ContactKeys":
        reference = (reference or "").strip() or None
        return cls(normalise_phone(phone, region), normalise_email(email), reference)

    def any(self) -> bool:
        return bool(self.phone or self.email or self.reference)


def resolve_customer(keys: ContactKeys, name: str | None = None, segments: dict | None = None) -> tuple[Customer, bool]:
    """Find the customer any exact key points to, filling in keys it lacked, or create one.

    Returns the customer and whether it was created. Does not commit.
    """
    match = find_by_keys(keys)
    if match is None:
        customer = Customer(name=(name or "").strip() or None, phone=keys.phone, email=keys.email,
                            reference=keys.reference, segments=dict(segments or {}))
        db.session.add(customer)
        db.session.flush()
        return customer, True
    for key in ("phone", "email", "reference"):
        if getattr(match, key) is None and getattr(keys, key):
            setattr(match, key, getattr(keys, key))
    if not match.name and name:
        match.name = name.strip()
    if segments:
        match.segments = {**(match.segments or {}), **segments}
    return match, False


def find_by_keys(keys: ContactKeys) -> Customer | None:
    conditions = []
    if keys.reference:
        conditions.append(Customer.reference == keys.reference)
    if keys.phone:
        conditions.append(Customer.phone == keys.phone)
    if keys.email:
        conditions.append(Customer.email == keys.email)
    if not conditions:
        return None
    return db.session.scalar(sa.select(Customer).where(sa.or_(*conditions)).order_by(Customer.id).limit(1))
