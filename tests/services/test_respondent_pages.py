"""The page rules of a questionnaire, without HTTP: conditions skip pages, Back, and only a complete
response is submitted, whatever page number or answers a caller hands over."""
import textwrap
from datetime import date

import pytest
import sqlalchemy as sa
from flask_babel import force_locale

from instruments import load_instrument_text
from survey_app.extensions import db
from survey_app.models import Response, ResponseStatus
from survey_app.services import surveys
from survey_app.services.surveys.publishing import SurveySpec, publish_survey
from tests.instruments.test_loader import VALID

# The loader's tiny instrument on three pages: loyalty first, then why (required) after a low score
# with a reason that may call for detail, then quality.
FOLLOW_UP = VALID.replace("    kind: text\n", "    kind: text\n    required: true\n") + textwrap.dedent("""\
      - id: why_kind
        kind: single
        when: {question: l1, max: 4}
        text: {zh: 哪方面？, en: "What about?"}
        options:
          - {value: price, label: {zh: 价格, en: Price}}
          - {value: other, label: {zh: 其他, en: Other}}
      - id: detail
        kind: text
        when: {question: why_kind, in: [other]}
        text: {zh: 详细说说？, en: "Tell us more?"}
    pages:
      - {id: rate, title: {zh: 评分, en: Rating}, elements: [l1]}
      - {id: why, title: {zh: 原因, en: Reason}, elements: [why, why_kind, detail]}
      - {id: last, title: {zh: 最后, en: Last}, elements: [q1]}
    """)
RATE, WHY, LAST = 0, 1, 2


@pytest.fixture
def survey(app):
    version = surveys.store_instrument(load_instrument_text(FOLLOW_UP))
    return publish_survey(SurveySpec(title="Follow-up", slug="tiny", instrument_version=version,
                                     waves=[("Wave 1", date(2020, 1, 1))]))


@pytest.fixture
def instrument(survey):
    return surveys.instrument_of(survey.instrument_version)


class Respondent:
    """One respondent answering through the service, as the respondent page would call it."""

    def __init__(self, survey):
        self.survey, self.form_key, self.response = survey, surveys.new_form_key(), None

    def post(self, page: int, back: bool = False, **posted) -> surveys.PageOutcome:
        outcome = surveys.answer_page(self.survey, page=page, posted=posted, back=back, form_key=self.form_key,
                                      language="en", existing=self.response)
        self.response = outcome.response
        return outcome


def test_a_page_its_conditions_hide_is_skipped_both_ways(survey):
    happy = Respondent(survey)
    assert happy.post(RATE, l1="9").page == LAST
    assert happy.post(LAST, back=True, q1="8").page == RATE
    unhappy = Respondent(survey)
    assert unhappy.post(RATE, l1="3").page == WHY
    assert unhappy.post(LAST, back=True, q1="8").page == WHY


def test_the_last_page_submits_a_complete_response(survey):
    respondent = Respondent(survey)
    respondent.post(RATE, l1="3")
    respondent.post(WHY, why="Slow", why_kind="price")
    outcome = respondent.post(LAST, q1="2")
    assert outcome.submitted and outcome.response.status is ResponseStatus.SUBMITTED
    assert outcome.response.answers == {"l1": 3, "why": "Slow", "why_kind": "price", "detail": None, "q1": 2}


def test_a_forged_page_number_cannot_submit_an_incomplete_response(survey):
    respondent = Respondent(survey)
    for page in (LAST, 99):
        outcome = respondent.post(page, q1="9")
        assert not outcome.submitted and outcome.page == RATE
    assert respondent.response.status is ResponseStatus.DRAFT and respondent.response.answers == {"q1": 9}


def test_skipping_the_page_a_low_score_shows_cannot_submit(survey):
    respondent = Respondent(survey)
    respondent.post(RATE, l1="2")
    outcome = respondent.post(LAST, q1="9")
    assert not outcome.submitted and outcome.page == WHY
    respondent.post(WHY, why="Rude", why_kind="price")
    assert respondent.post(LAST, q1="9").submitted


def test_a_higher_score_later_hides_the_reason_and_lets_the_response_be_submitted(survey):
    respondent = Respondent(survey)
    respondent.post(RATE, l1="2")
    respondent.post(WHY, back=True)
    assert respondent.post(RATE, l1="8").page == LAST
    assert respondent.post(LAST, q1="9").submitted


def test_an_answer_to_a_question_its_condition_hides_is_not_kept(survey):
    respondent = Respondent(survey)
    respondent.post(RATE, l1="9")
    respondent.post(WHY, why="Forged", why_kind="other", detail="Forged too")
    assert {key: respondent.response.answers[key] for key in ("why", "why_kind", "detail")} == \
        {"why": None, "why_kind": None, "detail": None}


def test_a_condition_on_the_same_page_reads_the_answer_posted_with_it(survey):
    respondent = Respondent(survey)
    respondent.post(RATE, l1="2")
    respondent.post(WHY, why="Slow", why_kind="other", detail="The queue")
    assert respondent.response.answers["detail"] == "The queue"


def test_a_refused_answer_stores_nothing_and_says_what_to_fix(survey):
    respondent = Respondent(survey)
    with force_locale("en"):
        outcome = respondent.post(RATE, l1="11")
    assert outcome.errors == {"l1": "Please choose one of the answers shown."}
    assert outcome.response is None and outcome.page == RATE and outcome.answers == {}
    assert db.session.scalar(sa.select(sa.func.count(Response.id))) == 0


def test_going_back_keeps_the_accepted_answers_and_drops_the_refused(survey):
    respondent = Respondent(survey)
    respondent.post(RATE, l1="2")
    outcome = respondent.post(WHY, back=True, why="Slow", why_kind="nothing-offered")
    assert outcome.errors == {} and outcome.page == RATE
    assert respondent.response.answers == {"l1": 2, "why": "Slow", "detail": None}


def test_a_required_question_left_blank_is_refused_unless_going_back(survey):
    respondent = Respondent(survey)
    respondent.post(RATE, l1="2")
    assert set(respondent.post(WHY, why="  ").errors) == {"why"}
    assert respondent.post(WHY, back=True, why="  ").page == RATE


def test_the_resume_page_is_where_the_response_left_off(survey, instrument):
    respondent = Respondent(survey)
    assert surveys.resume_page(instrument, None) == RATE
    respondent.post(RATE, l1="9")
    assert surveys.resume_page(instrument, respondent.response) == LAST


def test_a_page_prints_what_its_conditions_show_and_numbers_on(instrument):
    # "detail" hangs on an answer of its own page: printed, since the page works without JavaScript.
    assert surveys.page_layout(instrument, WHY, {"l1": 2}) == ({"why", "why_kind", "detail"}, 1)
    assert surveys.page_layout(instrument, WHY, {"l1": 9}) == ({"detail"}, 1)
    assert surveys.page_layout(instrument, LAST, {"l1": 2, "why": "x", "why_kind": "price"}) == ({"q1"}, 3)
