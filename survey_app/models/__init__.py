"""Every model, imported here so Alembic and the app see the whole schema."""
from .api_token import ApiToken
from .audit import AuditAction, AuditEntry
from .callback import Callback, CallbackDraw, CallbackStatus
from .complaint import (ActorKind, Attachment, CalendarDay, Case, CaseEvent, CaseState, Channel, Complaint, EventKind,
                        Remedy, Severity, SlaPolicy, StateCategory, Team)
from .customer import (Contact, ContactChannel, ContactPurpose, ConsentRecord, ConsentSource, Customer,
                       CustomerEvent, CustomerEventKind)
from .customer_search import name_search
from .merge import CustomerArrival, CustomerMerge, DuplicateCandidate, DuplicateReason, DuplicateStatus
from .job import Job, JobStatus
from .report_cell import ReportCell
from .response import Response, ResponseSegment, ResponseStatus
from .survey import InstrumentVersion, Invitation, Survey, SurveyStatus, Wave
from .user import Role, StaffUser

__all__ = [
    "AuditAction",
    "AuditEntry",
    "Callback",
    "CallbackDraw",
    "CallbackStatus",
    "ConsentRecord",
    "ConsentSource",
    "Contact",
    "ContactChannel",
    "ContactPurpose",
    "ActorKind",
    "ApiToken",
    "Attachment",
    "CalendarDay",
    "Case",
    "CaseEvent",
    "CaseState",
    "Channel",
    "Complaint",
    "EventKind",
    "Remedy",
    "Severity",
    "SlaPolicy",
    "StateCategory",
    "Team",
    "Customer",
    "CustomerEvent",
    "CustomerEventKind",
    "CustomerArrival",
    "CustomerMerge",
    "DuplicateCandidate",
    "DuplicateReason",
    "DuplicateStatus",
    "InstrumentVersion",
    "Job",
    "JobStatus",
    "Invitation",
    "ReportCell",
    "Response",
    "ResponseSegment",
    "ResponseStatus",
    "Role",
    "StaffUser",
    "Survey",
    "SurveyStatus",
    "Wave",
    "name_search",
]
