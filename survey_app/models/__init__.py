"""Every model, imported here so Alembic and the app see the whole schema."""
from .audit import AuditAction, AuditEntry
from .customer import (Contact, ContactChannel, ContactPurpose, ConsentRecord, ConsentSource, Customer,
                       CustomerEvent, CustomerEventKind)
from .merge import CustomerMerge, DuplicateCandidate, DuplicateReason, DuplicateStatus
from .job import Job, JobStatus
from .response import Response, ResponseSegment, ResponseStatus
from .survey import InstrumentVersion, Invitation, Survey, SurveyStatus, Wave
from .user import Role, StaffUser

__all__ = [
    "AuditAction",
    "AuditEntry",
    "ConsentRecord",
    "ConsentSource",
    "Contact",
    "ContactChannel",
    "ContactPurpose",
    "Customer",
    "CustomerEvent",
    "CustomerEventKind",
    "CustomerMerge",
    "DuplicateCandidate",
    "DuplicateReason",
    "DuplicateStatus",
    "InstrumentVersion",
    "Job",
    "JobStatus",
    "Invitation",
    "Response",
    "ResponseSegment",
    "ResponseStatus",
    "Role",
    "StaffUser",
    "Survey",
    "SurveyStatus",
    "Wave",
]
