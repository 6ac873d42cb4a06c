"""Publishing rules: every field error at once, segment names the respondent page uses for itself."""
from datetime import date

import pytest

from survey_app.services.errors import InvalidInput
from survey_app.services.surveys.publishing import SurveySpec, add_wave, publish_survey, spec_errors
from tests.factories import make_instrument_version, make_survey


def test_spec_errors_name_every_field_at_once(app):
    make_survey("shop")
    spec = SurveySpec(title="T", slug="shop", instrument_version=make_instrument_version(), languages=[],
                      opens_at=None, closes_at=None, waves=[("A", date(2026, 1, 1)), ("A", date(2026, 2, 1))],
                      segment_fields={"lang": ["zh"]})
    assert set(spec_errors(spec)) == {"slug", "languages", "waves", "segments"}


@pytest.mark.parametrize("name", ["lang", "page", "form_key", "next", "back", "csrf_token", "seg_store"])
def test_segment_fields_named_like_the_page_parameters_are_refused(app, name):
    spec = SurveySpec(title="T", slug="autumn", instrument_version=make_instrument_version(),
                      segment_fields={name: []})
    with pytest.raises(InvalidInput) as refused:
        publish_survey(spec)
    assert name in refused.value.field_errors["segments"]


def test_duplicate_wave_name_is_a_field_error(app):
    survey = make_survey("shop")
    with pytest.raises(InvalidInput) as refused:
        add_wave(survey, "Wave 1", date(2026, 5, 1))
    assert "name" in refused.value.field_errors
