"""The customer database's codes in words, one table per code, for forms, pages and exports:
contact purposes, consent sources, customer events, duplicate pairs, callbacks and the customer's
fields. Codes a service defines itself keep their table beside them (consent reasons and notes,
timeline entries, callback skip reasons), and the contact channels have their own table."""
from typing import NamedTuple

from flask_babel import lazy_gettext as _l

from ...models import (
    CallbackStatus,
    ConsentSource,
    ContactPurpose,
    CustomerEventKind,
    DuplicateReason,
    DuplicateStatus,
)
from ..platform.labels import EnumTable

PURPOSE_LABELS = EnumTable(ContactPurpose, {
    ContactPurpose.SURVEY: _l("Surveys"), ContactPurpose.FOLLOW_UP: _l("Follow-up of their complaints and answers"),
    ContactPurpose.CALLBACK: _l("Service callbacks"),
})
CONSENT_SOURCE_LABELS = EnumTable(ConsentSource, {
    ConsentSource.OPTOUT_LINK: _l("opt-out link"), ConsentSource.STAFF: _l("recorded by staff"),
    ConsentSource.IMPORT: _l("import"), ConsentSource.CUSTOMER_FORM: _l("customer form"), ConsentSource.API: _l("API"),
})
CUSTOMER_EVENT_LABELS = EnumTable(CustomerEventKind, {
    CustomerEventKind.NOTE: _l("Note"), CustomerEventKind.REMOVAL_REQUESTED: _l("Removal requested"),
    CustomerEventKind.KEYS_CHANGED: _l("Details changed"),
})
DUPLICATE_REASON_LABELS = EnumTable(DuplicateReason, {
    DuplicateReason.SHARED_KEY: _l("They share a phone, email or reference"),
    DuplicateReason.SIMILAR_PHONE: _l("Same name, similar phone"),
    DuplicateReason.SIMILAR_EMAIL: _l("Same name, similar email"),
    DuplicateReason.KEY_CONFLICT: _l("Same phone, email or reference, but another name or reference"),
})
DUPLICATE_STATUS_LABELS = EnumTable(DuplicateStatus, {
    DuplicateStatus.OPEN: _l("to review"), DuplicateStatus.MERGED: _l("merged"),
    DuplicateStatus.DISMISSED: _l("kept apart"),
})


class CallbackStatusRow(NamedTuple):
    # The status on the draw page and in the outcome form.
    label: object
    # The call as the customer's timeline heads it; None while it is still to be made.
    outcome: object | None


CALLBACK_STATUSES = EnumTable(CallbackStatus, {
    CallbackStatus.DUE: CallbackStatusRow(_l("to call"), None),
    CallbackStatus.DONE: CallbackStatusRow(_l("reached"), _l("Called back")),
    CallbackStatus.UNREACHABLE: CallbackStatusRow(_l("not reached"), _l("Callback: not reached")),
    CallbackStatus.DECLINED: CallbackStatusRow(_l("declined to answer"), _l("Callback: declined to answer")),
})

# The customer's own fields, as the pages that show or compare them name them.
FIELD_LABELS = {"name": _l("Name"), "phone": _l("Phone"), "email": _l("Email"), "reference": _l("Reference")}
