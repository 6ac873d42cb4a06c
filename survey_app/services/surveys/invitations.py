"""Personal invitations: importing customers for a survey, issuing links and finding them again.

A link token is HMAC(secret key, nonce): the database keeps the nonce and the token's SHA-256
only, so a copy of the database alone opens no survey, yet the links can be exported again for
the SMS, WeChat or email tool without rotating them.
"""
import csv
import hashlib
import hmac
import io
import secrets
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from itertools import chain

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy.orm import selectinload

from ...extensions import db
from ...models import (
    AuditAction,
    ContactChannel,
    ContactPurpose,
    Invitation,
    StaffUser,
    Survey,
    Wave,
)
from ...models.base import now_utc
from ..customers import consent
from ..customers.matching import ContactKeys, active_customer, check_name, note_arrival, resolve_customer
from ..errors import InvalidInput
from ..platform import audit
from ..platform.clock import business_day
from ..platform.spreadsheets import stream_csv
from ..platform.uploads import refuse_lost_text

CONTACT_COLUMNS = ("name", "phone", "email", "reference")


@dataclass
class RejectedRow:
    line: int
    reason: str


@dataclass
class InvitationImport:
    """Outcome of :func:`import_invitations`; every row read is counted in one of the lists."""

    read: int = 0
    created: list[Invitation] = field(default_factory=list)
    already_invited: int = 0
    rejected: list[RejectedRow] = field(default_factory=list)


def token_for(invitation: Invitation, secret_key: str) -> str:
    digest = hmac.new(secret_key.encode(), f"invitation:{invitation.nonce}".encode(), hashlib.sha256)
    return digest.hexdigest()[:40]


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def import_invitations(
    survey: Survey, csv_text: str, *, secret_key: str, wave: Wave | None = None,
    days_valid: int = 60, region: str = "CN", now: datetime | None = None,
) -> InvitationImport:
    """Create one invitation per customer row; rows for a customer already invited to this wave are skipped."""
    now = now or now_utc()
    reader = csv.DictReader(io.StringIO(csv_text.lstrip("\ufeff")))
    header = [name.strip().lower() for name in (reader.fieldnames or [])]
    if not any(header):
        raise InvalidInput(_("The file is empty: it needs a header row (name, phone, email, reference) and one row per customer."))
    if not set(header) & {"phone", "email", "reference"}:
        raise InvalidInput(_("The file needs a phone, email or reference column."))
    reader.fieldnames = header
    segment_names = [name for name in header if name in survey.segment_fields]
    report = InvitationImport()
    for line, row in enumerate(reader, start=2):
        report.read += 1
        try:
            refuse_lost_text(row.values())
            keys = ContactKeys.parse(row.get("phone"), row.get("email"), row.get("reference"), region)
            check_name(row.get("name"))
        except InvalidInput as error:
            report.rejected.append(RejectedRow(line, str(error)))
            continue
        if not keys.any():
            report.rejected.append(RejectedRow(line, _("No phone, email or reference.")))
            continue
        segments = {name: row[name].strip() for name in segment_names if (row.get(name) or "").strip()}
        bad = [n for n, v in segments.items() if survey.segment_fields[n] and v not in survey.segment_fields[n]]
        if bad:
            report.rejected.append(RejectedRow(line, _("Unknown %(field)s value.", field=bad[0])))
            continue
        customer, _created = resolve_customer(keys, row.get("name"))
        if _already_invited(survey, wave, customer.id):
            report.already_invited += 1
            continue
        invitation = issue_invitation(survey, wave, customer.id, segments, secret_key, now, days_valid)
        note_arrival(keys, customer, [invitation], at=now)
        report.created.append(invitation)
    db.session.commit()
    return report


def _already_invited(survey: Survey, wave: Wave | None, customer_id: int) -> bool:
    query = sa.select(Invitation.id).where(Invitation.survey_id == survey.id, Invitation.customer_id == customer_id)
    query = query.where(Invitation.wave_id == wave.id) if wave else query.where(Invitation.wave_id.is_(None))
    return db.session.scalar(query.limit(1)) is not None


def issue_invitation(survey, wave, customer_id, segments, secret_key, now, days_valid) -> Invitation:
    """Add an invitation with a fresh nonce; the caller commits."""
    invitation = Invitation(
        survey_id=survey.id,
        wave_id=wave.id if wave else None,
        customer_id=customer_id,
        nonce=secrets.token_hex(16),
        token_hash="",
        segments=segments,
        expires_at=now + timedelta(days=days_valid),
    )
    invitation.token_hash = _hash(token_for(invitation, secret_key))
    db.session.add(invitation)
    db.session.flush()
    return invitation


def find_invitation(token: str) -> Invitation | None:
    if not token or len(token) > 64:
        return None
    return db.session.scalar(sa.select(Invitation).where(Invitation.token_hash == _hash(token)))


# Invitations read, contacted and put on record per round trip of the links export.
LINK_BATCH = 500


def export_links(
    survey: Survey, *, secret_key: str, link_for, optout_link_for=None,
    channel: ContactChannel = ContactChannel.SMS, actor: StaffUser | None = None, today: date | None = None,
) -> Iterator[bytes]:
    """CSV of every unused, unexpired invitation with its link, for the SMS, WeChat or email tool.

    ``link_for(token)`` and ``optout_link_for(token)`` build the URLs. Each customer goes through
    :func:`consent.may_contact`: those who opted out, asked to be removed or were contacted
    within the frequency cap keep their row, with no link and the reason in ``withheld``, so
    nobody is dropped silently. Handing a link over counts as contacting the customer, and the
    export is written to the audit log.

    The file comes in chunks as it is read, :data:`LINK_BATCH` invitations at a time; each batch's
    contacts and audit entry are committed before its rows go out, so a download that stops
    halfway leaves on record exactly the links it handed over.
    """
    segment_fields = list(survey.segment_fields)
    header = [*CONTACT_COLUMNS, *segment_fields, "wave", "link", "expires_at", "optout_link", "withheld"]
    # What the rows need of the survey is read now: a streamed response starts after the view's
    # database session has closed, and its rows are read in a session of their own.
    waves = {w.id: w.name for w in survey.waves}
    rows = _link_rows(survey.id, f"invitation links of survey {survey.slug}", waves, segment_fields,
                      secret_key, link_for, optout_link_for, channel, actor, today)
    return stream_csv(chain([header], rows))


def _link_rows(survey_id, detail, waves, segment_fields, secret_key, link_for, optout_link_for, channel, actor,
               today) -> Iterator[list]:
    now = now_utc()
    # Keyset batches rather than one cursor: each batch commits, which would end a server-side cursor.
    after = 0
    while batch := db.session.scalars(
        sa.select(Invitation).options(selectinload(Invitation.customer))
        .where(Invitation.survey_id == survey_id, Invitation.used_at.is_(None), Invitation.expires_at > now,
               Invitation.id > after)
        .order_by(Invitation.id).limit(LINK_BATCH)
    ).all():
        rows, exported, handed_over = [], [], []
        keys = [f"invitation:{invitation.id}" for invitation in batch]
        decisions = consent.contact_decisions([(i.customer, key) for i, key in zip(batch, keys)], channel,
                                              ContactPurpose.SURVEY, today=today)
        contacted_now: set[int] = set()
        for invitation, key, decision in zip(batch, keys, decisions):
            customer, contacted = invitation.customer, active_customer(invitation.customer)
            if decision.allowed and contacted.id in contacted_now:
                # A second invitation of one customer in this batch: the first was just handed over.
                decision = consent.ContactDecision(False, consent.ContactReason.CAPPED, now)
            link = optout = ""
            if decision.allowed:
                contacted_now.add(contacted.id)
                handed_over.append((customer, key))
                link = link_for(token_for(invitation, secret_key))
                optout = optout_link_for(consent.optout_token(customer, secret_key)) if optout_link_for else ""
            exported.append(customer.id)
            rows.append([
                customer.name or "", customer.phone or "", customer.email or "", customer.reference or "",
                *(invitation.segments.get(name, "") for name in segment_fields),
                waves.get(invitation.wave_id, ""), link, business_day(invitation.expires_at).isoformat(), optout,
                "" if decision.allowed else decision.message,
            ])
        consent.record_contacts(handed_over, channel, ContactPurpose.SURVEY, at=now)
        after = batch[-1].id
        audit.record_access(actor, AuditAction.EXPORT_PERSONAL_DATA, exported, detail, commit=False)
        db.session.commit()
        yield from rows
    if not after:
        # An export with no link is still an export of the survey's personal data, and on record.
        audit.record_access(actor, AuditAction.EXPORT_PERSONAL_DATA, [], detail)
