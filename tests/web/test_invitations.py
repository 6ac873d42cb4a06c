"""Personal invitations: CSV import, link export, one response per link, used and expired links."""
import csv
import io
from datetime import timedelta

import sqlalchemy as sa

from survey_app.extensions import db
from survey_app.models import Customer, Invitation, Response
from survey_app.models.base import now_utc
from tests.factories import make_survey
from tests.services.test_spreadsheets import FORMULAS
from tests.web.test_respondent import answer_all

CSV = """name,phone,email,reference,store
Li Lei,13800138000,,R-1,north
Han Meimei,,han@example.com,,south
Bad Phone,12345,,,north
Nobody,,,,north
Wrong Store,13900139000,,,mars
"""


def upload(client, slug, text, wave_id):
    return client.post(
        f"/staff/surveys/{slug}/invitations",
        data={"file": (io.BytesIO(text.encode()), "people.csv"), "wave": str(wave_id)},
        content_type="multipart/form-data",
    )


def exported_links(client, slug):
    body = client.get(f"/staff/surveys/{slug}/invitations.csv").get_data(as_text=True).lstrip("\ufeff")
    return list(csv.DictReader(io.StringIO(body)))


def test_import_reports_every_row_and_export_gives_working_links(client, staff, auth):
    survey = make_survey("shop", segment_fields={"store": ["north", "south"]})
    auth.login()
    reply = upload(client, "shop", CSV, survey.waves[0].id)
    html = reply.get_data(as_text=True)
    assert reply.status_code == 200
    assert "Rows read: 5" in html and "Invitations issued: 2" in html and "Rejected: 3" in html
    assert "12345 is not a valid phone number." in html or "12345 is not a phone number." in html
    rows = exported_links(client, "shop")
    assert [r["name"] for r in rows] == ["Li Lei", "Han Meimei"]
    assert rows[0]["phone"] == "+8613800138000" and rows[0]["store"] == "north"
    # Only hashes are stored: no token appears in the database.
    token = rows[0]["link"].rsplit("/", 1)[1]
    assert token not in {i.token_hash for i in db.session.scalars(sa.select(Invitation))}
    auth.logout()
    page = client.get(f"/i/{token}")
    assert page.status_code == 200


def test_same_file_twice_issues_nothing_new(client, staff, auth):
    survey = make_survey("shop", segment_fields={"store": ["north", "south"]})
    auth.login()
    upload(client, "shop", CSV, survey.waves[0].id)
    html = upload(client, "shop", CSV, survey.waves[0].id).get_data(as_text=True)
    assert "Invitations issued: 0" in html and "Already invited: 2" in html
    assert db.session.scalar(sa.select(sa.func.count(Customer.id))) == 2


def test_invitation_allows_one_response_then_shows_thanks(client, staff, auth):
    from survey_app.services.surveys.instruments import instrument_of

    survey = make_survey("shop", segment_fields={"store": ["north", "south"]})
    auth.login()
    upload(client, "shop", CSV, survey.waves[0].id)
    links = [row["link"] for row in exported_links(client, "shop")]
    link = links[0]
    auth.logout()
    path = "/i/" + link.rsplit("/", 1)[1]
    instrument = instrument_of(survey.instrument_version)
    reply, _ = answer_all(client, path, instrument)
    assert reply.headers["Location"].endswith("/thanks")
    response = db.session.scalar(sa.select(Response))
    assert response.customer_id is not None and response.segments == {"store": "north"}
    # A used link lands on the thank-you page and stores nothing more.
    again = client.get(path)
    assert again.status_code == 302 and again.headers["Location"].endswith("/thanks")
    assert db.session.scalar(sa.select(sa.func.count(Response.id))) == 1
    # The export lists the links still to send: the used one is gone, the others stay.
    auth.login()
    assert [row["link"] for row in exported_links(client, "shop")] == links[1:]


def test_expired_and_unknown_links_show_clear_pages(client, staff, auth):
    survey = make_survey("shop")
    auth.login()
    upload(client, "shop", "name,phone\nA,13800138000\n", survey.waves[0].id)
    link = exported_links(client, "shop")[0]["link"]
    invitation = db.session.scalar(sa.select(Invitation))
    invitation.expires_at = now_utc() - timedelta(days=1)
    db.session.commit()
    token = link.rsplit("/", 1)[1]
    expired = client.get(f"/i/{token}", headers={"Accept-Language": "en"})
    assert expired.status_code == 410 and "expired" in expired.get_data(as_text=True)
    unknown = client.get("/i/not-a-real-token", headers={"Accept-Language": "en"})
    assert unknown.status_code == 404 and "could not find this invitation" in unknown.get_data(as_text=True)


def test_file_without_contact_columns_is_refused_with_a_message(client, staff, auth):
    survey = make_survey("shop")
    auth.login()
    reply = upload(client, "shop", "foo,bar\n1,2\n", survey.waves[0].id)
    assert reply.status_code == 422
    assert "needs a phone, email or reference column" in reply.get_data(as_text=True)


def test_empty_file_is_refused_as_empty(client, staff, auth):
    survey = make_survey("shop")
    auth.login()
    for text in ("", "\n\n"):
        reply = upload(client, "shop", text, survey.waves[0].id)
        html = reply.get_data(as_text=True)
        assert reply.status_code == 422
        assert "The file is empty" in html and "needs a phone, email or reference column" not in html


def test_csv_saved_by_excel_in_gb18030_keeps_chinese_names(client, staff, auth):
    survey = make_survey("shop")
    auth.login()
    data = {"file": (io.BytesIO("name,phone\n张三,13800138000\n".encode("gb18030")), "people.csv"),
            "wave": str(survey.waves[0].id)}
    assert client.post("/staff/surveys/shop/invitations", data=data, content_type="multipart/form-data").status_code == 200
    assert exported_links(client, "shop")[0]["name"] == "张三"


def test_export_quotes_names_that_start_a_formula_and_keeps_phone_numbers_usable(client, staff, auth):
    survey = make_survey("shop", segment_fields={"store": ["north", "south"]})
    auth.login()
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["name", "phone", "reference", "store"])
    for n, name in enumerate(FORMULAS):
        writer.writerow([name, f"1380013800{n}", f"@R-{n}", "north"])
    upload(client, "shop", out.getvalue(), survey.waves[0].id)
    rows = exported_links(client, "shop")
    stored = {c.phone: c.name for c in db.session.scalars(sa.select(Customer))}
    assert len(rows) == len(FORMULAS)
    for n, row in enumerate(rows):
        # The SMS tool reads the phone number as it is: an E.164 number can run nothing.
        assert row["phone"] == f"+861380013800{n}"
        assert row["name"] == "'" + stored[row["phone"]] and row["reference"] == f"'@R-{n}"
