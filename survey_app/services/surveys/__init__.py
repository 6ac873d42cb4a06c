"""Questionnaires and their answers: instruments, publishing, invitations, responses and the
contact details an anonymous respondent leaves. Blueprints call what is named here."""
from .instruments import (available_instruments, instrument_of, latest_version, load_paths, store_instrument,
                          InstrumentInvalid, builtin_paths, validate_path)
from .invitations import export_links, find_invitation, import_invitations
from .publishing import (SurveySpec, add_wave, change_status, list_surveys, publish_survey, spec_errors, status_label,
                         survey_by_slug)
from .respondent_contact import leave_contact, may_leave_contact
from .responses import find_response, new_form_key, record_page, usable_form_key

__all__ = [
    "SurveySpec", "add_wave", "available_instruments", "change_status", "export_links", "find_invitation",
    "find_response", "import_invitations", "instrument_of", "latest_version", "leave_contact", "list_surveys",
    "load_paths", "may_leave_contact", "new_form_key", "publish_survey", "record_page", "spec_errors", "status_label",
    "store_instrument", "survey_by_slug", "usable_form_key",
    "InstrumentInvalid", "builtin_paths", "validate_path",
]
