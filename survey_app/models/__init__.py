"""Every model, imported here so Alembic and the app see the whole schema."""
from .api_token import ApiToken
from .complaint import (ActorKind, Attachment, CalendarDay, Case, CaseEvent, CaseState, Channel, Complaint, EventKind,
                        Remedy, Severity, SlaPolicy, StateCategory, Team)
from .customer import Customer
from .job import Job, JobStatus
from .response import Response, ResponseSegment, ResponseStatus
from .survey import InstrumentVersion, Invitation, Survey, SurveyStatus, Wave
from .user import Role, StaffUser

__all__ = [
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
