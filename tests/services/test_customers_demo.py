"""The demo's customers: several channels, duplicates waiting, an undoable merge, opted-out customers."""
import sqlalchemy as sa

from survey_app.extensions import db
from survey_app.models import Customer, CustomerMerge, Response
from survey_app.services.customers import consent
from survey_app.services.customers.timeline import open_candidates
from survey_app.demo import create_demo
from survey_app.services.customers.merges import undo_merge


def test_demo_customers_show_every_part_of_the_customer_database(app):
    create_demo(responses=200)
    # Imported loyalty-programme customers who also answered an invitation: two channels, one customer.
    both = db.session.scalar(sa.select(sa.func.count(sa.distinct(Customer.id)))
                             .join(Response, Response.customer_id == Customer.id)
                             .where(Customer.reference.like("VIP-%"), Customer.annual_spend.is_not(None)))
    assert both >= 20
    assert len(open_candidates().candidates) == 3
    merge = db.session.scalar(sa.select(CustomerMerge))
    customers = db.session.scalars(sa.select(Customer)).all()
    refused = [c for c in customers if not c.is_merged and not consent.may_contact(c, "sms", "survey").allowed
               and consent.may_contact(c, "sms", "survey").reason is not consent.ContactReason.CAPPED]
    assert len(refused) == 3  # two opted out, one asked to be removed
    undo_merge(merge, actor=None)
    assert db.session.get(Customer, merge.absorbed_id).merged_into_id is None
    # Running the demo again adds nothing.
    count = db.session.scalar(sa.select(sa.func.count(Customer.id)))
    create_demo(responses=200)
    assert db.session.scalar(sa.select(sa.func.count(Customer.id))) == count
