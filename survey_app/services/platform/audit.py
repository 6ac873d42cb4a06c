"""The audit log of personal data: every view of a customer page and every export, with who and when."""
from collections.abc import Iterable

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from ...extensions import db
from ...models import AuditAction, AuditEntry, StaffUser
from .labels import EnumTable

ACTION_LABELS = EnumTable(AuditAction, {AuditAction.VIEW_CUSTOMER: _l("viewed"),
                                        AuditAction.EXPORT_PERSONAL_DATA: _l("exported")})


def record_access(actor: StaffUser | None, action: AuditAction, customer_ids: Iterable[int], detail: str | None = None,
                  *, commit: bool = True) -> AuditEntry:
    """Write one audit entry; ``commit=False`` lets a service that commits anyway include it."""
    entry = AuditEntry(actor_id=actor.id if actor else None, action=action,
                       customer_ids=sorted(set(customer_ids)), detail=(detail or "")[:500] or None)
    db.session.add(entry)
    if commit:
        db.session.commit()
    return entry


def recent_entries(limit: int = 200) -> list[AuditEntry]:
    return list(db.session.scalars(sa.select(AuditEntry).order_by(AuditEntry.at.desc(), AuditEntry.id.desc()).limit(limit)))
