"""The data version cached reports are keyed by: moved on by every write a report reads, and read
as one row of the survey, whatever the number of its responses."""
import pytest
import sqlalchemy as sa

from survey_app.demo import create_demo
from survey_app.extensions import db
from survey_app.models import Complaint, Customer, Response, ResponseStatus
from survey_app.services import surveys
from survey_app.services.customers import merges
from survey_app.services.reporting import reports
from survey_app.services.reporting.cache import data_version
from survey_app.services.surveys.publishing import survey_by_slug
from survey_app.services.surveys.responses import find_response, store_page
from tests.factories import make_response
from tests.spies import count_calls


@pytest.fixture
def survey(app, staff):
    create_demo(responses=60)
    return survey_by_slug("demo")


@pytest.fixture
def fits(monkeypatch):
    """Each call of the report's fit function (the real one runs)."""
    return count_calls(monkeypatch, reports, "fit_model")


def _submitted(survey) -> list[Response]:
    return list(db.session.scalars(sa.select(Response).where(
        Response.survey_id == survey.id, Response.status == ResponseStatus.SUBMITTED).order_by(Response.id)))


def _submit_like(survey, response: Response) -> Response:
    return make_response(survey, response.answers, segments=response.segments)


def _shown_n(client) -> int:
    html = client.get("/staff/reports/demo", headers={"Accept-Language": "en"}).get_data(as_text=True)
    return int(html.split("Responses in this selection: <strong>")[1].split("<")[0])


def _owners(survey) -> list[Customer]:
    """Two separate customers, each with submitted answers to ``survey``."""
    owner_ids = db.session.scalars(
        sa.select(Response.customer_id).join(Customer, Response.customer_id == Customer.id)
        .where(Response.survey_id == survey.id, Response.status == ResponseStatus.SUBMITTED,
               Customer.merged_into_id.is_(None)).distinct().order_by(Response.customer_id).limit(2)).all()
    return [db.session.get(Customer, owner_id) for owner_id in owner_ids]


def test_a_submission_moves_the_version_on_and_the_report_shows_it(client, auth, survey, fits):
    auth.login("manager")
    assert _shown_n(client) == 60 and _shown_n(client) == 60 and len(fits) == 1
    before = data_version(survey)
    _submit_like(survey, _submitted(survey)[0])
    assert data_version(survey) == before + 1
    assert _shown_n(client) == 61 and len(fits) == 2


def test_a_draft_page_changes_nothing_and_its_final_page_does(survey):
    before = data_version(survey)
    draft = make_response(survey, {}, submitted=False, page=1)
    assert data_version(survey) == before
    again = find_response(survey, form_key=draft.form_key)
    store_page(survey, form_key=draft.form_key, values=_submitted(survey)[0].answers, next_page=2, language="en",
               final=True, existing=again)
    assert data_version(survey) == before + 1


def test_another_surveys_submission_leaves_the_version(survey):
    pulse = survey_by_slug("nps-pulse")
    before = data_version(survey)
    make_response(pulse, {"nps": 9, "csat": 5})
    assert data_version(survey) == before


def test_a_merge_and_its_undo_each_move_the_version_on_and_refit(client, auth, survey, fits):
    auth.login("manager")
    _shown_n(client)
    owners = _owners(survey)
    before = data_version(survey)
    merge = merges.merge_customers(owners[0], owners[1], actor=None)
    merged = data_version(survey)
    assert merged > before
    _shown_n(client)
    merges.undo_merge(merge, actor=None)
    assert data_version(survey) > merged
    _shown_n(client)
    assert len(fits) == 3


def test_responses_added_through_the_session_move_the_version_on(survey):
    # The demo data adds its 60 submitted responses as objects, not through the respondent pages.
    assert data_version(survey) == 60


def test_an_edited_or_erased_response_moves_the_version_on_and_the_report_shows_it(client, auth, survey):
    auth.login("manager")
    response = _submitted(survey)[0]
    before = data_version(survey)
    response.answers = {**response.answers, "q1": 1}
    db.session.commit()
    edited = data_version(survey)
    assert edited > before
    assert _shown_n(client) == 60
    db.session.execute(sa.update(Complaint).where(Complaint.response_id == response.id).values(response_id=None))
    db.session.delete(response)
    db.session.commit()
    assert data_version(survey) > edited
    assert _shown_n(client) == 59


@pytest.mark.usefixtures("english_request")
def test_contact_left_after_answering_moves_the_version_on(survey):
    response = make_response(survey, _submitted(survey)[0].answers)
    before = data_version(survey)
    surveys.leave_contact(response, name="Wang Fang", phone="13900139001", email=None)
    assert data_version(survey) > before


def test_the_version_is_read_as_one_row_by_its_key(survey):
    statements = []

    def record(_connection, _cursor, statement, *_args):
        statements.append(statement)

    sa.event.listen(db.engine, "before_cursor_execute", record)
    try:
        data_version(survey)
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", record)
    [statement] = statements
    normal = " ".join(statement.lower().split())
    assert normal.startswith("select survey.data_version from survey where survey.id =")
    assert not any(word in normal for word in ("count(", "sum(", "max(", "join", "response"))
