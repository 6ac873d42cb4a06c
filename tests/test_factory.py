"""The application factory and its configuration."""
from survey_app import create_app
from survey_app.config import Config


def test_defaults_use_sqlite_in_instance(monkeypatch):
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.setattr(Config, "SECRET_KEY", "k" * 32)
    app = create_app()
    assert app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite:///")
    assert "instance" in app.config["SQLALCHEMY_DATABASE_URI"]
    assert not app.testing


def test_mapping_overrides_defaults():
    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": "sqlite://"})
    assert app.testing


def test_config_class_is_accepted():
    class Custom(Config):
        SECRET_KEY = "custom" * 6

    assert create_app(Custom).config["SECRET_KEY"] == "custom" * 6
