"""The job worker's entry point: ``huey_consumer survey_app.worker.huey``."""
from survey_app import create_app
from survey_app.services.platform.jobs import set_worker_app

app = create_app()
set_worker_app(app)
huey = app.extensions["huey"]
