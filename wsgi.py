"""Entry point for gunicorn and the flask command: ``app = create_app()``."""
from survey_app import create_app

app = create_app()
