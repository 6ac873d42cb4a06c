"""The job worker's entry point: ``huey_consumer survey_app.worker.huey``."""
from survey_app import create_app
from survey_app.jobs import schedule  # noqa: F401 - registers the scheduled jobs
from survey_app.jobs.queue import set_worker_app

app = create_app()
set_worker_app(app)
huey = app.extensions["huey"]
