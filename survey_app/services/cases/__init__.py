"""Complaints and their cases: intake from every channel, tracking, what the complainant is told,
the workflow table and the operations beside it, the queue, SLA clocks, routing, settlement at
first contact and the follow-up of low survey scores. Blueprints call what is named here."""
from . import first_contact, labels, sla
from .deadlines import recompute_deadlines
from .events import Event
from .follow_up import open_follow_up
from .handling_survey import handling_survey_url
from .intake import (
    ComplaintInput,
    Filed,
    categories,
    check_intake,
    customer_by_phone,
    customer_of_invitation,
    file_complaint,
)
from .labels import CUSTOMER_STATUS, category_label, event_label, state_label
from .operations import (
    add_message,
    customer_accepts,
    customer_writes,
    escalate_breaches,
    merge,
    reassign,
)
from .photos import PHOTO_TYPES, Photo, clean_filename, photo_of, size_in_words
from .queue import QueueFilter, age_in_words, queue
from .tracking import (
    find_by_reference,
    find_by_tracking_key,
    public_photos,
    tracking_key,
    tracking_url,
)
from .workflow import (
    CUSTOMER_ACTOR,
    EVENTS,
    FIRST_CONTACT_REMEDIES,
    SYSTEM_ACTOR,
    Actor,
    allowed_events,
    events_of,
    project,
    settlement_limit,
    transition,
)

__all__ = [
    "CUSTOMER_ACTOR", "CUSTOMER_STATUS", "EVENTS", "FIRST_CONTACT_REMEDIES", "PHOTO_TYPES", "SYSTEM_ACTOR", "Actor",
    "ComplaintInput", "Event", "Filed", "Photo", "QueueFilter", "add_message", "age_in_words", "allowed_events",
    "categories", "category_label", "check_intake", "clean_filename", "customer_accepts", "customer_by_phone",
    "customer_of_invitation", "customer_writes", "escalate_breaches", "event_label", "events_of", "file_complaint",
    "find_by_reference", "find_by_tracking_key", "first_contact", "handling_survey_url", "labels", "merge",
    "open_follow_up", "photo_of", "project", "public_photos", "queue", "reassign", "recompute_deadlines",
    "settlement_limit",
    "size_in_words", "sla", "state_label", "tracking_key", "tracking_url", "transition",
]
