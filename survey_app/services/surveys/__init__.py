"""Questionnaires and their answers: instruments, publishing, invitations, the page rules a respondent
answers by, responses and the contact details an anonymous respondent leaves. Blueprints call what is
named here."""
from .answers import answer_sheet, headline_scores
from .instruments import (
    Instrument,
    InstrumentInvalid,
    available_instruments,
    builtin_paths,
    instrument_of,
    latest_version,
    load_paths,
    store_instrument,
    validate_path,
)
from .invitations import (
    export_links,
    find_invitation,
    import_invitations,
    issue_invitation,
)
from .publishing import (
    SurveySpec,
    add_wave,
    change_status,
    list_surveys,
    publish_survey,
    respondent_title,
    spec_errors,
    status_label,
    survey_by_slug,
)
from .report_cells import rebuild_cells
from .respondent import PageLayout, PageOutcome, answer_page, page_layout, resume_page
from .respondent_contact import leave_contact, may_leave_contact
from .responses import find_response, new_form_key, usable_form_key

__all__ = [
    "Instrument", "InstrumentInvalid", "PageLayout", "PageOutcome", "SurveySpec", "add_wave", "answer_page",
    "answer_sheet", "available_instruments", "builtin_paths", "change_status", "export_links", "find_invitation",
    "find_response", "headline_scores", "import_invitations", "instrument_of", "issue_invitation", "latest_version",
    "leave_contact", "list_surveys", "load_paths", "may_leave_contact", "new_form_key", "page_layout",
    "publish_survey", "rebuild_cells", "respondent_title", "resume_page", "spec_errors", "status_label", "store_instrument",
    "survey_by_slug", "usable_form_key", "validate_path",
]
