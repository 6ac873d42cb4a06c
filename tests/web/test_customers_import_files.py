"""Customer CSV uploads as Excel and other tools write them: the encodings read, the files refused,
and rows whose key belongs to someone else sent to review instead of changing that customer."""
import io

import pytest
import sqlalchemy as sa

from survey_app.extensions import db
from survey_app.models import (
    Customer,
    DuplicateCandidate,
    DuplicateReason,
    DuplicateStatus,
    Job,
)
from tests.factories import make_survey
from tests.snapshots import count

EN = {"Accept-Language": "en"}
NAMES = "name,phone,tier\n张伟,13800138000,金卡\n王芳,13900139000,银卡\n"


def upload(client, data: bytes, **options):
    return client.post("/staff/customers/import", data={"file": (io.BytesIO(data), "customers.csv")},
                       content_type="multipart/form-data", headers=EN, **options)


def stored_texts() -> list[str]:
    rows = db.session.execute(sa.select(Customer.name, Customer.segments)).all()
    return [text for name, segments in rows for text in (name or "", *(segments or {}).values())]


@pytest.mark.parametrize("data, encoding", [
    (NAMES.encode("gb18030"), "GB18030"),
    (NAMES.encode("gbk"), "GB18030"),  # GBK, what older Excel writes, is part of GB18030
    (NAMES.encode("utf-8-sig"), "UTF-8 (with BOM)"),
    (NAMES.encode("utf-8"), "UTF-8"),
])
def test_chinese_names_import_as_written_whatever_excel_saved(client, staff, auth, data, encoding):
    auth.login("supervisor")
    html = upload(client, data, follow_redirects=True).get_data(as_text=True)
    assert "Customers created: 2" in html and f"The file was read as {encoding}." in html
    by_phone = dict(db.session.execute(sa.select(Customer.phone, Customer.name)).all())
    assert by_phone == {"+8613800138000": "张伟", "+8613900139000": "王芳"}
    assert sorted(stored_texts()) == sorted(["张伟", "金卡", "王芳", "银卡"])


def test_a_file_in_neither_encoding_is_refused_and_nothing_stored(client, staff, auth):
    auth.login("supervisor")
    reply = upload(client, b"name,phone\n\xff\xfe\x80Li,13800138000\n")
    html = reply.get_data(as_text=True)
    assert reply.status_code == 422
    assert "The file is not UTF-8 or GB18030 text; save it as CSV UTF-8 and try again." in html
    assert count(Customer) == 0 and count(Job) == 0


def test_a_row_carrying_replacement_characters_is_rejected(client, staff, auth):
    # A file garbled before it was saved: valid UTF-8, but the names are lost as U+FFFD.
    auth.login("supervisor")
    html = upload(client, "name,phone,tier\n\ufffd\ufffd,13800138000,\nLi Lei,13900139000,\ufffd\n王芳,13700137000,\n"
                  .encode(), follow_redirects=True).get_data(as_text=True)
    assert "Customers created: 1" in html and "Rejected: 2" in html
    assert html.count("stands for text lost before the file was saved") == 2
    assert db.session.scalar(sa.select(Customer.name)) == "王芳"
    assert not any("\ufffd" in text for text in stored_texts())
    header = upload(client, "name,phone,\ufffd\ufffd\nLi Lei,13900139000,x\n".encode())
    assert header.status_code == 422 and "The header row contains" in header.get_data(as_text=True)
    assert count(Customer) == 1


def test_the_command_reads_gb18030_and_refuses_other_bytes(runner, app, tmp_path):
    path = tmp_path / "customers.csv"
    path.write_bytes(NAMES.encode("gb18030"))
    result = runner.invoke(args=["customers", "import", str(path)])
    assert result.exit_code == 0 and "file read as GB18030" in result.output
    assert sorted(db.session.scalars(sa.select(Customer.name))) == sorted(["张伟", "王芳"])
    path.write_bytes(b"name,phone\n\xff\xfeLi,13800138001\n")
    refused = runner.invoke(args=["customers", "import", str(path)])
    assert refused.exit_code == 1 and "not UTF-8 or GB18030" in refused.output and count(Customer) == 2


def test_a_row_matched_by_phone_with_another_name_goes_to_review(client, staff, auth):
    auth.login("supervisor")
    upload(client, b"name,phone,tier\nWang Fang,13800138000,gold\n", follow_redirects=True)
    wang = db.session.scalar(sa.select(Customer))
    html = upload(client, b"name,phone,tier\nZhang Wei,13800138000,bronze\n", follow_redirects=True).get_data(
        as_text=True)
    assert "Sent to review: 1" in html
    assert ("Phone +8613800138000 belongs to Wang Fang, but this row names Zhang Wei: Wang Fang was left unchanged "
            "and the row waits in the review queue as a separate customer.") in html
    db.session.refresh(wang)
    assert (wang.name, wang.segments) == ("Wang Fang", {"tier": "gold"})
    zhang = db.session.scalar(sa.select(Customer).where(Customer.name == "Zhang Wei"))
    assert (zhang.phone, zhang.segments) == ("+8613800138000", {"tier": "bronze"})
    candidate = db.session.scalar(sa.select(DuplicateCandidate))
    assert (candidate.first_id, candidate.second_id, candidate.reason) == (wang.id, zhang.id,
                                                                          DuplicateReason.KEY_CONFLICT)
    queue = client.get("/staff/customers/review", headers=EN).get_data(as_text=True)
    assert "Same phone, email or reference, but another name or reference" in queue
    # The same file again: the row now has its own customer, and nothing new is made or queued.
    again = upload(client, b"name,phone,tier\nZhang Wei,13800138000,bronze\n", follow_redirects=True).get_data(
        as_text=True)
    assert "Customers created: 0" in again and "Sent to review: 0" in again
    assert count(Customer) == 2 and count(DuplicateCandidate) == 1


@pytest.mark.parametrize("decision", ["one person", "two people"])
def test_the_reviewer_links_or_keeps_apart_a_conflicting_row(client, staff, auth, decision):
    auth.login("supervisor")
    upload(client, b"name,phone,reference\nWang Fang,13800138000,R-1\n", follow_redirects=True)
    html = upload(client, b"name,phone,reference\nWang Fang,13800138000,R-2\n", follow_redirects=True).get_data(
        as_text=True)
    assert "whose reference is R-1, not R-2" in html
    wang, other = db.session.scalars(sa.select(Customer).order_by(Customer.id)).all()
    assert (wang.reference, other.reference) == ("R-1", "R-2")
    candidate = db.session.scalar(sa.select(DuplicateCandidate))
    page = client.get(f"/staff/customers/review/{candidate.id}", headers=EN).get_data(as_text=True)
    assert "R-1" in page and "R-2" in page
    if decision == "one person":
        client.post(f"/staff/customers/review/{candidate.id}/merge", data={"survivor": "first"})
        assert db.session.get(Customer, other.id).merged_into_id == wang.id
        assert db.session.get(DuplicateCandidate, candidate.id).status is DuplicateStatus.MERGED
    else:
        client.post(f"/staff/customers/review/{candidate.id}/dismiss")
        assert db.session.get(DuplicateCandidate, candidate.id).status is DuplicateStatus.DISMISSED
        assert db.session.get(Customer, other.id).merged_into_id is None
    assert db.session.get(Customer, wang.id).reference == "R-1"


def test_an_invitation_upload_reads_gb18030_and_rejects_lost_text(client, staff, auth):
    wave = str(make_survey("shop").waves[0].id)
    auth.login("manager")
    data = "name,phone\n张伟,13800138000\n\ufffd\ufffd,13900139000\n".encode("gb18030")
    reply = client.post("/staff/surveys/shop/invitations", data={"file": (io.BytesIO(data), "people.csv"),
                                                                  "wave": wave},
                        content_type="multipart/form-data", headers=EN)
    html = reply.get_data(as_text=True)
    assert reply.status_code == 200 and "stands for text lost before the file was saved" in html
    assert list(db.session.scalars(sa.select(Customer.name))) == ["张伟"]
    refused = client.post("/staff/surveys/shop/invitations",
                          data={"file": (io.BytesIO(b"name\n\xff\xfe\x80"), "p.csv"), "wave": wave},
                          content_type="multipart/form-data", headers=EN)
    assert refused.status_code == 422 and "not UTF-8 or GB18030" in refused.get_data(as_text=True)
