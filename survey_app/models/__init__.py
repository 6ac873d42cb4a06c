"""Every model, imported here so Alembic and the app see the whole schema."""
from .customer import Customer
from .job import Job, JobStatus
from .response import Response, ResponseSegment, ResponseStatus
from .survey import InstrumentVersion, Invitation, Survey, SurveyStatus, Wave
from .user import Role, StaffUser

__all__ = [
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
