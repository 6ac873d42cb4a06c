"""After answering through the public link, a respondent may leave contact details on the
thank-you page: the response joins that customer, and a low score gets its follow-up case."""
import sqlalchemy as sa

from survey_app.extensions import db
from survey_app.models import Channel, Complaint, Customer, Response
from tests.factories import make_survey
from tests.web.test_respondent import form_key

EN = {"Accept-Language": "en"}


def answer_pulse(client, nps="2", csat="1"):
    key = form_key(client.get("/s/pulse", headers=EN).get_data(as_text=True))
    reply = client.post("/s/pulse", headers=EN, data={"form_key": key, "page": 0, "nps": nps, "csat": csat,
                                                      "reason": "Nobody called back"})
    assert reply.status_code == 303 and reply.headers["Location"].endswith("/s/pulse/thanks")


def test_thank_you_page_takes_contact_details_once(app, client):
    make_survey("pulse", "nps-pulse")
    answer_pulse(client)
    page = client.get("/s/pulse/thanks", headers=EN).get_data(as_text=True)
    assert "Would you like us to get back to you?" in page and 'action="/s/pulse/contact"' in page
    refused = client.post("/s/pulse/contact", headers=EN, data={"name": "Li Lei", "phone": "12", "email": ""})
    html = refused.get_data(as_text=True)
    assert refused.status_code == 422 and "not a valid phone number" in html and 'value="Li Lei"' in html
    reply = client.post("/s/pulse/contact", headers=EN, data={"name": "Li Lei", "phone": "13800138000"})
    assert reply.status_code == 303
    page = client.get(reply.headers["Location"], headers=EN).get_data(as_text=True)
    assert "we will contact you about your answers" in page and "Would you like us to get back" not in page
    response = db.session.scalar(sa.select(Response))
    customer = db.session.get(Customer, response.customer_id)
    assert (customer.name, customer.phone) == ("Li Lei", "+8613800138000")
    [follow_up] = db.session.scalars(sa.select(Complaint).where(Complaint.channel == Channel.SURVEY)).all()
    assert follow_up.response_id == response.id
    # Sent again, the details change nothing.
    client.post("/s/pulse/contact", data={"phone": "13900139000"})
    db.session.expire_all()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Customer)) == 1


def test_no_contact_form_without_an_answer_of_ones_own(app, client):
    make_survey("pulse", "nps-pulse")
    page = client.get("/s/pulse/thanks", headers=EN).get_data(as_text=True)
    assert "Would you like us to get back to you?" not in page
    reply = client.post("/s/pulse/contact", data={"phone": "13800138000"})
    assert reply.status_code == 303 and db.session.scalar(sa.select(sa.func.count()).select_from(Customer)) == 0
