"""After a merge the customer page shows every phone, email and reference the customer is reached
by, those of the customers merged into it too; undoing the merge takes them back."""
import sqlalchemy as sa

from survey_app.extensions import db
from survey_app.models import CustomerMerge, DuplicateCandidate
from survey_app.services.customers import merges
from survey_app.services.customers.matching import (
    ContactKeys,
    find_by_keys,
    resolve_customer,
)

EN = {"Accept-Language": "en"}


def customer(phone, email, name="Li Lei", reference=None):
    found, _ = resolve_customer(ContactKeys.parse(phone, email, reference), name)
    db.session.commit()
    return found


def test_the_survivor_shows_the_absorbed_phone_and_email_until_the_merge_is_undone(client, staff, auth):
    kept = customer("13800138000", "li@example.com")
    absorbed = customer("13800138001", "lilei@example.org", "li lei", reference="VIP-9")
    candidate = db.session.scalar(sa.select(DuplicateCandidate))
    auth.login("supervisor")
    client.post(f"/staff/customers/review/{candidate.id}/merge", data={"survivor": "first"})
    html = client.get(f"/staff/customers/{kept.id}", headers=EN).get_data(as_text=True)
    for value in ("+8613800138000", "li@example.com", "+8613800138001", "lilei@example.org", "VIP-9"):
        assert value in html, value
    assert html.count(f"from customer {absorbed.id}, merged into this one") == 2  # the reference filled a gap
    assert html.count(f'href="/staff/customers/{absorbed.id}"') >= 2
    # Those keys still find the customer they were merged into.
    assert find_by_keys(ContactKeys(phone="+8613800138001")).id == kept.id
    merge = db.session.scalar(sa.select(CustomerMerge))
    client.post(f"/staff/customers/merges/{merge.id}/undo")
    after = client.get(f"/staff/customers/{kept.id}", headers=EN).get_data(as_text=True)
    assert "+8613800138001" not in after and "lilei@example.org" not in after and "VIP-9" not in after
    assert "merged into this one" not in after


def test_keys_merged_in_twice_over_reach_the_last_survivor(client, staff, auth):
    first = customer("13800138000", "a@example.com")
    second = customer("13900139000", "b@example.com", "Wang Fang")
    third = customer("13700137000", "c@example.com", "Zhang Wei")
    merges.merge_customers(second, third, actor=None)
    merges.merge_customers(first, second, actor=None)
    auth.login("supervisor")
    html = client.get(f"/staff/customers/{first.id}", headers=EN).get_data(as_text=True)
    for value in ("+8613900139000", "b@example.com", "+8613700137000", "c@example.com"):
        assert value in html, value
    assert f"from customer {third.id}, merged into this one" in html
