"""The customer's private way back to a complaint: the tracking key and link, and finding a
complaint by its key, or by its reference among the cases a staff member may open."""
import hashlib
import hmac
import secrets

import sqlalchemy as sa
from flask_babel import gettext as _

from ...extensions import db
from ...models import Attachment, Case, Complaint, StaffUser
from ..customers.timeline import cases_worked_by
from ..errors import NotFound
from ..platform.settings import settings


def new_tracking() -> tuple[str, str, str]:
    """A new complaint's tracking nonce, the key its link carries and the hash kept to find it."""
    nonce = secrets.token_hex(16)
    key = _tracking_key(nonce)
    return nonce, key, _hash(key)


def _tracking_key(nonce: str) -> str:
    digest = hmac.new(settings().secret_key.encode(), f"complaint:{nonce}".encode(), hashlib.sha256)
    return digest.hexdigest()[:32]


def _hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def tracking_key(complaint: Complaint) -> str:
    return _tracking_key(complaint.tracking_nonce)


def tracking_url(complaint: Complaint) -> str:
    return f"{settings().public_base_url}/complaints/track/{tracking_key(complaint)}"


def find_by_tracking_key(key: str) -> Complaint:
    """:raise NotFound: when no complaint has this key."""
    complaint = None
    if key and len(key) <= 64:
        complaint = db.session.scalar(sa.select(Complaint).where(Complaint.tracking_hash == _hash(key)))
    if complaint is None:
        raise NotFound(_("We could not find a complaint for this link."))
    return complaint


def find_by_reference(reference: str, viewer: StaffUser) -> Complaint:
    """:raise NotFound: when no complaint has this reference, or its case is not one ``viewer`` may
    open: the same answer, so a reference typed by guess tells nothing about another team's cases."""
    complaint = db.session.scalar(
        sa.select(Complaint).join(Case, Case.complaint_id == Complaint.id)
        .where(Complaint.reference == reference, cases_worked_by(viewer)))
    if complaint is None:
        raise NotFound(_("No complaint has the reference %(ref)s.", ref=reference))
    return complaint


def public_photos(complaint: Complaint) -> dict[int | None, list[Attachment]]:
    """The photos the customer may see, by the event they came with (None: with the complaint itself)."""
    photos: dict[int | None, list[Attachment]] = {}
    for item in complaint.attachments:
        if item.public:
            photos.setdefault(item.event_id, []).append(item)
    return photos
