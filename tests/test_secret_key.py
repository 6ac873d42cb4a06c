"""The key that signs sessions and links: required outside development and tests, read from the
key file where the environment has none, and made once by `make run`."""
import stat
import subprocess
import sys

import pytest

from survey_app import create_app
from survey_app.config import ROOT
from survey_app.services.platform.settings import settings
from tests.conftest import _test_settings

GOOD_KEY = "0123456789abcdef" * 4
KEY_STEP = [sys.executable, "-m", "survey_app.make_key"]


@pytest.fixture
def production(tmp_path):
    """Production settings with no key in the environment and an instance folder of its own."""
    return {**_test_settings(), "TESTING": False, "DEBUG": False, "SECRET_KEY": None,
            "SECRET_KEY_FILE": str(tmp_path / "instance" / "secret_key")}


def test_without_a_key_the_app_refuses_to_start_and_says_how_to_make_one(production):
    with pytest.raises(RuntimeError) as refused:
        create_app(production)
    message = str(refused.value)
    assert "no SECRET_KEY is set" in message
    assert 'python -c "import secrets; print(secrets.token_hex(32))"' in message
    assert "SECRET_KEY environment variable" in message


@pytest.mark.parametrize("key, problem", [("dev-only-change-me", "old built-in development key"),
                                          ("", "no SECRET_KEY is set"),
                                          ("x" * 31, "shorter than 32 characters")])
def test_a_known_or_short_key_is_refused(production, key, problem):
    with pytest.raises(RuntimeError, match=problem):
        create_app({**production, "SECRET_KEY": key})


def test_a_long_enough_key_starts_the_app(production):
    app = create_app({**production, "SECRET_KEY": GOOD_KEY})
    with app.app_context():
        assert settings().secret_key == GOOD_KEY


def test_the_key_file_is_used_when_the_environment_has_none(production, tmp_path):
    (tmp_path / "instance").mkdir()
    (tmp_path / "instance" / "secret_key").write_text(GOOD_KEY + "\n")
    app = create_app(production)
    assert app.config["SECRET_KEY"] == GOOD_KEY
    with app.app_context():
        assert settings().secret_key == GOOD_KEY


def test_a_key_in_the_environment_comes_before_the_key_file(production, tmp_path):
    (tmp_path / "instance").mkdir()
    (tmp_path / "instance" / "secret_key").write_text(GOOD_KEY)
    other = "f" * 64
    assert create_app({**production, "SECRET_KEY": other}).config["SECRET_KEY"] == other


@pytest.mark.parametrize("mode", ["TESTING", "DEBUG"])
def test_tests_and_development_start_without_a_key_on_a_random_one(production, mode):
    first, second = (create_app({**production, mode: True}) for _ in range(2))
    assert len(first.config["SECRET_KEY"]) >= 32
    assert first.config["SECRET_KEY"] != second.config["SECRET_KEY"]


def test_the_run_step_makes_the_key_file_once_and_keeps_it(production, tmp_path):
    path = tmp_path / "instance" / "secret_key"
    made = subprocess.run([*KEY_STEP, str(path)], cwd=ROOT, capture_output=True, text=True, check=True)
    assert "Made a new SECRET_KEY" in made.stdout
    key = path.read_text()
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    again = subprocess.run([*KEY_STEP, str(path)], cwd=ROOT, capture_output=True, text=True, check=True)
    assert again.stdout == "" and path.read_text() == key
    assert create_app(production).config["SECRET_KEY"] == key.strip()


def test_make_run_calls_the_key_step():
    makefile = (ROOT / "Makefile").read_text()
    assert "survey_app.make_key instance/secret_key" in makefile
