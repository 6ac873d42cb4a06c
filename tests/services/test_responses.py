"""Saving answers and submitting responses, without HTTP."""
from datetime import date, datetime, timezone

import sqlalchemy as sa

from survey_app.extensions import db
from survey_app.models import Response, ResponseSegment, ResponseStatus
from survey_app.services import surveys
from survey_app.services.surveys import responses
from tests.factories import make_survey


def test_pages_accumulate_and_final_page_submits(app):
    survey = make_survey("shop", waves=[("W1", date(2026, 1, 1)), ("W2", date(2026, 6, 1))])
    key = surveys.new_form_key()
    responses.store_page(survey, form_key=key, existing=surveys.find_response(survey, form_key=key), values={"exp1": 7}, next_page=1, language="zh")
    response = responses.store_page(survey, form_key=key, existing=surveys.find_response(survey, form_key=key), values={"qual1": None}, next_page=2, language="zh",
                                    final=True, segments={"store": "north"},
                                    now=datetime(2026, 7, 1, tzinfo=timezone.utc))
    db.session.refresh(response)
    assert response.answers == {"exp1": 7, "qual1": None}
    assert response.status is ResponseStatus.SUBMITTED
    assert response.wave.name == "W2"


def test_record_after_submission_changes_nothing(app):
    survey = make_survey("shop")
    key = surveys.new_form_key()
    responses.store_page(survey, form_key=key, existing=surveys.find_response(survey, form_key=key), values={"exp1": 7}, next_page=1, language="en", final=True)
    again = responses.store_page(survey, form_key=key, existing=surveys.find_response(survey, form_key=key), values={"exp1": 2}, next_page=1, language="en", final=True)
    assert again.answers == {"exp1": 7}
    assert db.session.scalar(sa.select(sa.func.count(Response.id))) == 1


def test_segments_are_indexed_on_submission_only(app):
    survey = make_survey("shop", segment_fields={"store": []})
    key = surveys.new_form_key()
    responses.store_page(survey, form_key=key, existing=surveys.find_response(survey, form_key=key), values={}, next_page=1, language="en", segments={"store": "east"})
    assert db.session.scalar(sa.select(sa.func.count()).select_from(ResponseSegment)) == 0
    responses.store_page(survey, form_key=key, existing=surveys.find_response(survey, form_key=key), values={}, next_page=1, language="en", final=True)
    segment = db.session.scalar(sa.select(ResponseSegment))
    assert (segment.name, segment.value) == ("store", "east")


def test_form_key_of_another_survey_starts_a_new_response(app):
    first = make_survey("one")
    second = make_survey("two")
    key = surveys.new_form_key()
    responses.store_page(first, form_key=key, existing=surveys.find_response(first, form_key=key), values={"exp1": 1}, next_page=1, language="en")
    other = responses.store_page(second, form_key=key, existing=surveys.find_response(second, form_key=key), values={"exp1": 9}, next_page=1, language="en")
    assert other.survey_id == second.id and other.form_key != key
    assert db.session.scalar(sa.select(sa.func.count(Response.id))) == 2
