"""Field limits are declared once, on the service's input dataclass: they fit the columns, the
forms carry them as validators and ``maxlength``, and the services refuse what goes past them."""
from dataclasses import fields

import pytest

from survey_app.callbacks.forms import OutcomeForm
from survey_app.complaints.forms import ComplaintForm
from survey_app.customers.forms import CustomerKeysForm
from survey_app.models import Complaint, Customer
from survey_app.services.cases.intake import ComplaintInput, check_intake
from survey_app.services.customers.callbacks import TEXT_LIMIT
from survey_app.services.customers.labels import FIELD_LABELS
from survey_app.services.customers.matching import CustomerDetails
from survey_app.services.errors import InvalidInput
from survey_app.services.platform.limits import max_length

COLUMNS = {
    ComplaintInput: {"description": Complaint.description, "location": Complaint.location,
                     "desired_outcome": Complaint.desired_outcome, "name": Complaint.contact_name,
                     "phone": Complaint.contact_phone, "email": Complaint.contact_email},
    CustomerDetails: {"name": Customer.name, "phone": Customer.phone, "email": Customer.email,
                      "reference": Customer.reference},
}
FORMS = [(ComplaintForm, ComplaintInput), (CustomerKeysForm, CustomerDetails)]


def limited_fields(holder) -> list[str]:
    return [item.name for item in fields(holder) if "max_length" in item.metadata]


@pytest.mark.parametrize("holder", list(COLUMNS), ids=lambda holder: holder.__name__)
def test_every_limit_fits_its_column(holder):
    assert set(limited_fields(holder)) == set(COLUMNS[holder])
    for name, column in COLUMNS[holder].items():
        length = column.property.columns[0].type.length
        assert length is None or max_length(holder, name) <= length, f"{holder.__name__}.{name} exceeds {column}"


@pytest.mark.parametrize("form_class, holder", FORMS, ids=lambda item: item.__name__)
def test_forms_keep_to_the_service_limits(app, form_class, holder):
    with app.test_request_context():
        form = form_class()
        for name in limited_fields(holder):
            assert f'maxlength="{max_length(holder, name)}"' in str(form[name]())


def test_the_callback_form_keeps_to_the_service_limit(app):
    with app.test_request_context():
        form = OutcomeForm()
        assert f'maxlength="{TEXT_LIMIT}"' in form.needs() and f'maxlength="{TEXT_LIMIT}"' in form.suggestion()


def test_the_customer_pages_name_every_field_staff_correct():
    assert list(FIELD_LABELS) == [item.name for item in fields(CustomerDetails)]


@pytest.mark.parametrize("name", ["description", "location", "desired_outcome"])
def test_intake_refuses_a_text_one_past_its_limit(app, name):
    limit = max_length(ComplaintInput, name)
    base = {"category": "product", "description": "The kettle leaks.", "phone": "13800138000"}
    check_intake(ComplaintInput(**{**base, name: "x" * limit}))
    with pytest.raises(InvalidInput) as refused:
        check_intake(ComplaintInput(**{**base, name: "x" * (limit + 1)}))
    assert refused.value.field_errors == {name: f"Please keep it under {limit} characters."}
