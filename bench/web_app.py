"""The app as gunicorn serves it, plus one route the web benchmark uses as a floor.

``POST /bench/floor`` does the least any stored submission must: check the CSRF token against
the session, insert one response row and commit. Comparing the real submission with it shows
how much of the cost is the framework and the database rather than the survey code.
"""
import sqlalchemy as sa
from flask import redirect, request

from survey_app import create_app
from survey_app.extensions import db
from survey_app.models import Response

app = create_app()
# Built once, values bound per request: the floor should cost no more than it must.
INSERT = sa.insert(Response.__table__)


@app.post("/bench/floor")
def floor():
    db.session.execute(INSERT, {
        "survey_id": int(request.form["survey_id"]), "form_key": request.form["form_key"],
        "answers": {"nps": 9}, "segments": {}, "language": "en", "status": "draft", "page": 0,
    })
    db.session.commit()
    return redirect("/s/nps-pulse/thanks", code=303)
