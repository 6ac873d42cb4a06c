"""The report cache on the demo data: one fit per key, keys per selection, a cache that is down."""
import pytest

from survey_app import create_app
from survey_app.config import TestConfig
from survey_app.demo import create_demo
from survey_app.extensions import db
from survey_app.services.reporting import reports
from survey_app.services.reporting.cache import fetch, report_key
from survey_app.services.reporting.datasets import ResponseFilter
from survey_app.services.surveys.publishing import survey_by_slug
from tests.spies import count_calls


@pytest.fixture
def survey(app):
    create_demo(responses=120)
    return survey_by_slug("demo")


@pytest.fixture
def fits(monkeypatch):
    """Each call of the report's fit function (the real one runs)."""
    return count_calls(monkeypatch, reports, "fit_model")


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
