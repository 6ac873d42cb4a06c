"""Photos of a case: their sizes in words, the customer opening their own from the tracking page,
and names with quotes, line breaks or Chinese letters cleaned at intake so every photo opens."""
import re
from urllib.parse import quote

import pytest
import sqlalchemy as sa
from werkzeug.http import parse_options_header

from survey_app.extensions import db
from survey_app.models import Attachment, Complaint
from survey_app.models.base import now_utc
from tests.factories import make_complaint

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 60
JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 1532
EN = {"Accept-Language": "en"}
FORM = {"category": "product", "description": "The kettle leaks.", "phone": "13800138000",
        "consent_to_contact": "y"}
STAFF_FORM = {**FORM, "channel": "phone", "severity": "normal"}
# As a script sends it: RFC 2231 lets a file name carry any character, quotes and line breaks too.
ATTACK_NAME = 'a"b\r\nc.jpg'
CHINESE_NAME = "发票 照片.png"


def multipart(fields: dict, field: str, photos: list[tuple[str, bytes]]) -> tuple[bytes, str]:
    """A form with photos; a name that is not plain ASCII travels as ``filename*``, as RFC 2231 says."""
    boundary = "case-photos-boundary"
    parts = [f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode()
             for name, value in fields.items()]
    for filename, data in photos:
        disposition = (f'filename="{filename}"' if filename.isascii() and filename.isprintable() and '"' not in filename
                       else f"filename*=UTF-8''{quote(filename)}")
        parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{field}"; {disposition}\r\n'
                     f"Content-Type: application/octet-stream\r\n\r\n".encode() + data + b"\r\n")
    return b"".join(parts) + f"--{boundary}--\r\n".encode(), f"multipart/form-data; boundary={boundary}"


def post_photos(client, path: str, fields: dict, field: str, photos: list[tuple[str, bytes]]):
    body, content_type = multipart(fields, field, photos)
    return client.post(path, data=body, content_type=content_type, headers=EN)


def file_with(client, photos: list[tuple[str, bytes]]) -> str:
    """File a complaint on the public form with ``photos``; the tracking key."""
    reply = post_photos(client, "/complaints/new", FORM, "photos", photos)
    assert reply.status_code == 303, reply.get_data(as_text=True)
    return re.search(r"/complaints/track/([0-9a-f]+)", reply.headers["Location"]).group(1)


def photo_links(html: str, prefix: str) -> dict[str, str]:
    """Name shown -> address, for every photo link under ``prefix``."""
    return {name: href.replace("&amp;", "&") for href, name in re.findall(rf'<a href="({prefix}[^"]+)">([^<]+)</a>', html)}


def assert_opens(reply, data: bytes, content_type: str, name: str):
    assert reply.status_code == 200 and reply.data == data and reply.mimetype == content_type
    assert reply.headers["X-Content-Type-Options"] == "nosniff"
    disposition = reply.headers["Content-Disposition"]
    assert "\r" not in disposition and "\n" not in disposition
    kind, options = parse_options_header(disposition)
    assert kind == "inline" and options["filename"] == name


def test_sizes_read_in_bytes_kb_and_mb(client, auth, staff, app):
    big = b"\x89PNG\r\n\x1a\n" + b"\x00" * (2 * 1024 * 1024 + 512 * 1024 - 8)
    file_with(client, [("seal.png", PNG), ("box.jpg", JPEG), ("shelf.png", big)])
    reference = db.session.scalar(sa.select(Complaint.reference))
    auth.login("supervisor")
    html = client.get(f"/staff/cases/{reference}", headers=EN).get_data(as_text=True)
    assert "seal.png</a> (68 bytes)" in html and "box.jpg</a> (1.5 KB)" in html and "shelf.png</a> (2.5 MB)" in html
    assert "0 KB" not in html
    html = client.get(f"/staff/cases/{reference}", headers={"Accept-Language": "zh"}).get_data(as_text=True)
    assert "seal.png</a> (68 字节)" in html and "box.jpg</a> (1.5 KB)" in html


def test_the_customer_opens_their_own_photos_and_those_staff_sent_them(client, auth, staff, app):
    key = file_with(client, [("seal.png", PNG)])
    complaint = db.session.scalar(sa.select(Complaint))
    auth.login("supervisor")
    for body, public, name in (("See the new seal", "y", "new-seal.jpg"), ("Batch 7 suspect", "", "batch.jpg")):
        fields = {"version": complaint.case.version, "body": body, **({"public": public} if public else {})}
        assert post_photos(client, f"/staff/cases/{complaint.reference}/messages", fields, "attachment",
                           [(name, JPEG)]).status_code == 303
        db.session.expire_all()
    auth.logout()

    page = client.get(f"/complaints/track/{key}", headers=EN).get_data(as_text=True)
    links = photo_links(page, f"/complaints/track/{key}/photos/")
    assert set(links) == {"seal.png", "new-seal.jpg"}
    assert "seal.png</a> (68 bytes)" in page
    assert_opens(client.get(links["seal.png"]), PNG, "image/png", "seal.png")
    reply = client.get(links["new-seal.jpg"])
    assert_opens(reply, JPEG, "image/jpeg", "new-seal.jpg")
    assert reply.headers["Referrer-Policy"] == "no-referrer"

    internal = db.session.scalar(sa.select(Attachment).where(Attachment.filename == "batch.jpg"))
    with app.test_request_context():
        other = make_complaint(phone="13900139000")
    foreign = Attachment(complaint_id=other.complaint.id, filename="other.png", content_type="image/png",
                         size=len(PNG), data=PNG, created_at=now_utc())
    db.session.add(foreign)
    db.session.commit()
    assert client.get(f"/complaints/track/{key}/photos/{internal.id}").status_code == 404
    assert client.get(f"/complaints/track/{key}/photos/{foreign.id}").status_code == 404
    assert client.get(f"/complaints/track/{other.tracking_key}/photos/{foreign.id}").status_code == 200
    assert client.get(f"/complaints/track/{'0' * 32}/photos/{foreign.id}").status_code == 404


@pytest.mark.parametrize("entry", ["public form", "staff form", "staff note"])
def test_names_with_quotes_line_breaks_or_chinese_letters_open_everywhere(client, auth, staff, app, entry):
    photos = [(ATTACK_NAME, JPEG), (CHINESE_NAME, PNG)]
    auth.login("supervisor")
    if entry == "public form":
        key = file_with(client, photos)
    elif entry == "staff form":
        assert post_photos(client, "/staff/cases/new", STAFF_FORM, "photos", photos).status_code == 303
    else:
        with app.test_request_context():
            key = make_complaint().tracking_key
        complaint = db.session.scalar(sa.select(Complaint))
        reply = post_photos(client, f"/staff/cases/{complaint.reference}/messages",
                            {"version": complaint.case.version, "body": "Photos of the shelf", "public": "y"},
                            "attachment", photos)
        assert reply.status_code == 303
    complaint = db.session.scalar(sa.select(Complaint))
    assert sorted(a.filename for a in complaint.attachments) == ["ab c.jpg", CHINESE_NAME]

    staff_page = client.get(f"/staff/cases/{complaint.reference}", headers=EN)
    assert staff_page.status_code == 200
    links = photo_links(staff_page.get_data(as_text=True), f"/staff/cases/{complaint.reference}/attachments/")
    assert_opens(client.get(links["ab c.jpg"]), JPEG, "image/jpeg", "ab c.jpg")
    assert_opens(client.get(links[CHINESE_NAME]), PNG, "image/png", CHINESE_NAME)
    if entry != "staff form":
        page = client.get(f"/complaints/track/{key}", headers=EN).get_data(as_text=True)
        links = photo_links(page, f"/complaints/track/{key}/photos/")
        assert_opens(client.get(links["ab c.jpg"]), JPEG, "image/jpeg", "ab c.jpg")
        assert_opens(client.get(links[CHINESE_NAME]), PNG, "image/png", CHINESE_NAME)


def test_a_photo_kept_under_a_name_from_before_the_cleaning_still_opens(client, auth, staff, app):
    with app.test_request_context():
        filed = make_complaint()
    item = Attachment(complaint_id=filed.complaint.id, filename='x"y\r\nz.png', content_type="image/png",
                      size=len(PNG), data=PNG, created_at=now_utc())
    db.session.add(item)
    db.session.commit()
    auth.login("supervisor")
    assert_opens(client.get(f"/staff/cases/{filed.complaint.reference}/attachments/{item.id}"), PNG, "image/png",
                 "xy z.png")
    assert_opens(client.get(f"/complaints/track/{filed.tracking_key}/photos/{item.id}"), PNG, "image/png", "xy z.png")


def test_a_refused_file_is_named_cleanly_and_the_form_kept(client):
    reply = post_photos(client, "/complaints/new", FORM, "photos", [("notes\r\n.txt", b"plain text")])
    html = reply.get_data(as_text=True)
    assert reply.status_code == 422 and "notes .txt is not a JPEG, PNG, WebP or HEIC photo." in html
    assert "The kettle leaks." in html
