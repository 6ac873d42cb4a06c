"""The closed loop: a low survey score from a known customer opens one follow-up case."""
from datetime import datetime

import sqlalchemy as sa
from flask_babel import gettext as _

from ...extensions import db
from ...models import Case, Channel, Complaint, Customer, Response
from ..customers.consent import may_contact
from ..surveys.instruments import instrument_of
from ..surveys.signals import respondent_identified, response_submitted
from .intake import ComplaintInput, file_complaint
from ..platform.settings import settings


def follow_up_score(response: Response) -> tuple[bool, str]:
    """Whether a submitted response is low enough to open a follow-up case, and why."""
    instrument = instrument_of(response.survey.instrument_version)
    threshold = settings().follow_up_score
    for question in instrument.questions:
        reason = question.kind.follow_up_reason(response.answers.get(question.id))
        if reason is not None and settings().follow_up_nps_detractors:
            return True, reason.translated(_)
    scores = []
    constructs = {c.id for c in instrument.constructs}
    for item in instrument.items_of("satisfaction") if "satisfaction" in constructs else ():
        value = response.answers.get(item.id)
        if isinstance(value, int):
            scores.append(10 * (value - item.scale.min) / (item.scale.max - item.scale.min))
    if scores and sum(scores) / len(scores) <= threshold:
        return True, _("Satisfaction %(score).1f of 10", score=sum(scores) / len(scores))
    return False, ""


def open_follow_up(response: Response, now: datetime | None = None) -> Case | None:
    """The closed loop: one follow-up case for a low score from a known customer who may be contacted.

    Returns the case, or None when the response does not call for one (or already has one).
    """
    if response.customer_id is None or not response.is_submitted:
        return None
    low, why = follow_up_score(response)
    if not low:
        return None
    customer = db.session.get(Customer, response.customer_id)
    if not may_contact(customer, "phone", "follow_up").allowed:
        return None
    if db.session.scalar(sa.select(Complaint.id).where(Complaint.response_id == response.id)):
        return None
    instrument = instrument_of(response.survey.instrument_version)
    comment = "\n".join(filter(None, (q.kind.follow_up_comment(response.answers.get(q.id))
                                      for q in instrument.questions)))
    description = "\n".join(filter(None, [_("Survey “%(title)s”: %(why)s.", title=response.survey.title, why=why),
                                          comment]))
    data = ComplaintInput(category=settings().complaint_categories[-1], description=description,
                          name=customer.name, phone=customer.phone, email=customer.email,
                          consent_to_contact=True, language=response.language, channel=Channel.SURVEY,
                          location=response.segments.get("store"))
    if not (data.phone or data.email):
        return None
    return file_complaint(data, customer=customer, response=response, now=now).case


@response_submitted.connect
@respondent_identified.connect
def _follow_up_announced(response: Response, now: datetime | None = None) -> None:
    open_follow_up(response, now=now)
