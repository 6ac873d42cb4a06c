"""The data version that keys cached reports, and the cache itself, on the demo data."""
import pytest
import sqlalchemy as sa

from survey_app import create_app
from survey_app.config import TestConfig
from survey_app.extensions import db
from survey_app.models import Complaint, Customer, Response, ResponseStatus
from survey_app.services.customers import merges
from survey_app.services.reporting import reports
from survey_app.services.reporting.datasets import ResponseFilter, data_version
from survey_app.demo import create_demo
from survey_app.services.reporting.cache import fetch, report_key
from survey_app.services.surveys.publishing import survey_by_slug
from tests.factories import make_response
from tests.spies import count_calls


@pytest.fixture
def survey(app):
    create_demo(responses=120)
    return survey_by_slug("demo")


@pytest.fixture
def fits(monkeypatch):
    """Each call of the report's fit function (the real one runs)."""
    return count_calls(monkeypatch, reports, "fit_model")


def _a_response(survey) -> Response:
    return db.session.scalars(sa.select(Response).where(Response.survey_id == survey.id).order_by(Response.id)).first()


def _submit_like(survey, response: Response) -> Response:
    return make_response(survey, response.answers, segments=response.segments)


def test_data_version_changes_when_a_response_is_submitted(survey):
    before = data_version(survey)
    assert data_version(survey) == before
    _submit_like(survey, _a_response(survey))
    assert data_version(survey) != before


def test_data_version_ignores_drafts(survey):
    before = data_version(survey)
    make_response(survey, {}, submitted=False, page=1)
    assert data_version(survey) == before


def test_data_version_changes_when_a_response_is_edited_or_deleted(survey):
    response = _a_response(survey)
    before = data_version(survey)
    response.answers = {**response.answers, "q1": 1}
    db.session.commit()
    edited = data_version(survey)
    assert edited != before
    db.session.execute(sa.update(Complaint).where(Complaint.response_id == response.id).values(response_id=None))
    db.session.delete(response)
    db.session.commit()
    assert data_version(survey) not in (before, edited)


def test_data_version_changes_when_a_merge_moves_responses(survey):
    owner_ids = db.session.scalars(
        sa.select(Response.customer_id).join(Customer, Response.customer_id == Customer.id)
        .where(Response.survey_id == survey.id, Response.status == ResponseStatus.SUBMITTED,
               Customer.merged_into_id.is_(None)).distinct().order_by(Response.customer_id).limit(2)).all()
    owners = [db.session.get(Customer, owner_id) for owner_id in owner_ids]
    before = data_version(survey)
    merge = merges.merge_customers(owners[0], owners[1], actor=None)
    merged = data_version(survey)
    assert merged != before
    merges.undo_merge(merge, actor=None)
    assert data_version(survey) != merged


def test_fetch_computes_once_per_key(survey, fits):
    wave = survey.waves[0]
    first, version = fetch(survey, ResponseFilter(), reports.build_report)
    again, same_version = fetch(survey, ResponseFilter(), reports.build_report)
    assert len(fits) == 1 and version == same_version
    assert again.n == first.n and again.fit.paths.equals(first.fit.paths)
    fetch(survey, ResponseFilter(wave_ids=(wave.id,)), reports.build_report)
    assert len(fits) == 2


def test_report_key_is_the_same_for_the_same_selection(survey):
    one = ResponseFilter((2, 1), (("store", "north"), ("channel", "web")))
    other = ResponseFilter((1, 2), (("channel", "web"), ("store", "north")))
    assert report_key(survey, one, "v") == report_key(survey, other, "v")
    assert report_key(survey, one, "v") != report_key(survey, ResponseFilter((1,)), "v")
    assert report_key(survey, one, "v") != report_key(survey, one, "w")
    # A value holding the separators cannot pass for another filter.
    assert report_key(survey, ResponseFilter((), (("store", "a&b=c"),)), "v") != report_key(
        survey, ResponseFilter((), (("store", "a"), ("b", "c"))), "v")


def test_an_unreachable_cache_costs_a_refit_not_the_report(fits):
    settings = {key: getattr(TestConfig, key) for key in dir(TestConfig) if key.isupper()}
    down = create_app({**settings, "SQLALCHEMY_DATABASE_URI": "sqlite://", "CACHE_TYPE": "RedisCache",
                       "CACHE_REDIS_URL": "redis://127.0.0.1:9/0"})
    with down.app_context():
        db.create_all()
        create_demo(responses=60)
        survey = survey_by_slug("demo")
        first, _ = fetch(survey, ResponseFilter(), reports.build_report)
        second, _ = fetch(survey, ResponseFilter(), reports.build_report)
        assert first.n == second.n == 60 and len(fits) == 2
        db.session.remove()
        db.drop_all()
