"""The typed settings: built once with the app, refused at start when one is not of its kind."""
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from survey_app import create_app
from survey_app.services.platform.settings import settings
from tests.conftest import _test_settings


def test_settings_are_typed_from_the_config(app):
    firm = settings()
    assert firm.business_timezone == ZoneInfo("Asia/Shanghai")
    assert firm.remedy_approval_limit == Decimal("500") and firm.first_contact_limit == Decimal("100")
    assert firm.public_base_url == "http://127.0.0.1:5000" and firm.mail.backend == "console"


def test_changing_a_setting_reaches_the_services(app, configure):
    configure(REMEDY_APPROVAL_LIMIT="250.50", PUBLIC_BASE_URL="https://survey.example.com/")
    assert settings().remedy_approval_limit == Decimal("250.50")
    assert settings().public_base_url == "https://survey.example.com"


@pytest.mark.parametrize("name, value", [("BUSINESS_TIMEZONE", "Nowhere/Atlantis"), ("BUSINESS_HOURS", "nine to six"),
                                         ("REMEDY_APPROVAL_LIMIT", "five hundred"), ("CONTACT_CAP_DAYS", "a month")])
def test_a_setting_not_of_its_kind_stops_the_app_from_starting(name, value):
    with pytest.raises((ValueError, KeyError, ArithmeticError)):
        create_app({**_test_settings(), name: value})
