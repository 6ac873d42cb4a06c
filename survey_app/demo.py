"""Demo data for ``make run``: staff accounts, two published surveys and responses drawn from a
population model whose structural paths are known, so the analysis has real structure to find."""
from collections.abc import Mapping
from datetime import UTC, datetime, time, timedelta
from graphlib import TopologicalSorter

import numpy as np
import sqlalchemy as sa
from flask_babel import force_locale

from .extensions import db
from .models import (
    CallbackDraw,
    CaseEvent,
    CaseState,
    Channel,
    Complaint,
    ConsentSource,
    ContactChannel,
    ContactPurpose,
    Customer,
    DuplicateCandidate,
    DuplicateStatus,
    Response,
    ResponseSegment,
    ResponseStatus,
    Role,
    SlaPolicy,
    StaffUser,
    Survey,
    Team,
)
from .models.base import now_utc
from .services import surveys
from .services.cases import (
    CUSTOMER_ACTOR,
    Actor,
    ComplaintInput,
    file_complaint,
    merge,
    transition,
)
from .services.cases.first_contact import settle_at_first_contact
from .services.customers import (
    ContactKeys,
    add_note,
    callbacks,
    consent,
    find_by_keys,
    import_customers,
    merges,
    request_removal,
    resolve_customer,
)
from .services.platform.settings import settings
from .services.surveys import SurveySpec, issue_invitation, new_form_key, publish_survey

DEMO_USERS = (
    ("admin", "admin", "demo-admin-pass"),
    ("manager", "manager", "demo-manager-pass"),
    ("supervisor", "supervisor", "demo-supervisor-pass"),
    ("agent", "agent", "demo-agent-pass"),
)
STORES = ("north", "centre", "south")
# How far each store's perceived quality sits from the population's, in standard deviations.
STORE_QUALITY_SHIFT = dict(zip(STORES, (-0.3, 0.0, 0.3)))
# Standardised path coefficients of the population the demo responses are drawn from.
ACSI_TRUE_PATHS = {
    ("expectations", "quality"): 0.55,
    ("expectations", "value"): 0.15,
    ("expectations", "satisfaction"): 0.10,
    ("quality", "value"): 0.60,
    ("quality", "satisfaction"): 0.45,
    ("value", "satisfaction"): 0.35,
    ("satisfaction", "complaints"): 0.50,
    ("satisfaction", "loyalty"): 0.55,
    ("complaints", "loyalty"): 0.25,
}
LOADING = 0.85


def create_demo(seed: int = 2026, responses: int = 500) -> list[str]:
    """Create what is missing of the demo; returns lines to print. Existing data is kept."""
    lines = []
    surveys.load_paths(surveys.builtin_paths())
    for username, role, password in DEMO_USERS:
        if not db.session.scalar(sa.select(StaffUser.id).where(StaffUser.username == username)):
            user = StaffUser(username=username, role=role, team="front-line" if role == "agent" else None)
            user.set_password(password)
            db.session.add(user)
        lines.append(f"staff login  {username:<11} password {password}")
    db.session.commit()
    rng = np.random.default_rng(seed)
    if not _exists("demo"):
        _acsi_demo(rng, responses)
        lines.append(f"survey /s/demo created with {responses} responses")
    if not _exists("nps-pulse"):
        _nps_demo(rng, 120)
        lines.append("survey /s/nps-pulse created with 120 responses")
    if not db.session.scalar(sa.select(Customer.id).where(Customer.reference == "VIP-0001")):
        lines.extend(_customer_demo())
    if not db.session.scalar(sa.select(Complaint.id).limit(1)):
        with force_locale("en"):
            lines.extend(create_demo_complaints())
    if not db.session.scalar(sa.select(CallbackDraw.id).limit(1)):
        lines.extend(create_demo_callbacks())
    return lines


CLOSURE = {"root_cause": "Seal fitted badly at the factory", "resolution_code": "upheld", "remedy": "replacement",
           "decision": "We replace your kettle and apologise for the trouble."}
# The steps that bring a demo case to each state: (event, by whom, fields).
DEMO_PATHS = {
    CaseState.RECEIVED: [],
    CaseState.ASSESSING: [("acknowledge", "agent", {})],
    CaseState.INVESTIGATING: [("acknowledge", "agent", {}), ("investigate", "agent", {"severity": "high"})],
    CaseState.WAITING_CUSTOMER: [("acknowledge", "agent", {}), ("investigate", "agent", {}),
                                 ("ask_customer", "agent", {"message": "Could you send a photo of the receipt?"})],
    CaseState.WAITING_INTERNAL: [("acknowledge", "agent", {}), ("investigate", "agent", {}),
                                 ("wait_internal", "agent", {"message": "Asked the warehouse for the batch record."})],
    CaseState.PENDING_APPROVAL: [("acknowledge", "agent", {}), ("investigate", "agent", {}),
                                 ("request_approval", "agent", {**CLOSURE, "remedy": "refund", "remedy_amount": "899",
                                                                "decision": "We refund the full price."})],
    CaseState.RESPONDED: [("acknowledge", "agent", {}), ("investigate", "agent", {}), ("respond", "agent", CLOSURE)],
    CaseState.ESCALATED: [("acknowledge", "agent", {}), ("escalate", "agent", {"reason": "Customer asks for a manager."})],
    CaseState.CLOSED_ACCEPTED: [("acknowledge", "agent", {}), ("investigate", "agent", {}), ("respond", "agent", CLOSURE),
                                ("accept", "customer", {})],
    CaseState.CLOSED_UNRESOLVED: [("acknowledge", "agent", {}), ("investigate", "agent", {}),
                                  ("respond", "agent", CLOSURE), ("contest", "customer", {"message": "Not enough."}),
                                  ("respond", "agent", CLOSURE), ("contest", "customer", {"message": "Still no."}),
                                  ("close_unresolved", "supervisor",
                                   {"recourse": "You may take the matter to the local consumer association."})],
    CaseState.WITHDRAWN: [("withdraw", "customer", {"reason": "Sorted out in the store."})],
    CaseState.NOT_A_COMPLAINT: [("acknowledge", "agent", {}),
                                ("reject", "agent", {"reason": "This was a question about opening hours; answered."})],
}


def create_demo_complaints() -> list[str]:
    """A team, SLA targets and one complaint in every workflow state, each brought there by real steps."""
    db.session.add_all([
        Team(name="front-line", categories=[], strategy="least_loaded"),
        SlaPolicy(category="incident", severity=None, hours={"acknowledge": 1, "first_response": 2, "resolution": 16}),
    ])
    db.session.commit()
    staff = {role: db.session.scalar(sa.select(StaffUser).where(StaffUser.username == role))
             for role in ("agent", "supervisor")}
    if staff["agent"].team != "front-line":
        # An agent account made before the demo is not on its team; its supervisor works the cases.
        staff["agent"] = staff["supervisor"]
    categories = settings().complaint_categories
    # Recent enough that no SLA target has run out: the worker's breach escalation would
    # otherwise move the open demo cases to "escalated" as soon as `make run` starts it.
    start = now_utc() - timedelta(minutes=45)
    filed_cases = {}
    for index, (state, path) in enumerate(DEMO_PATHS.items()):
        when = start + timedelta(minutes=2 * index)
        data = ComplaintInput(category=categories[index % len(categories)], location=STORES[index % 3],
                              description=f"Demo complaint {index + 1}: the kettle I bought leaks at the base.",
                              name=f"Demo customer {index + 1}", phone=f"+86139{index:08d}",
                              email=f"complainant{index}@example.com", consent_to_contact=True, language="zh")
        case = file_complaint(data, now=when).case
        for step, (event, who, fields) in enumerate(path, start=1):
            actor = CUSTOMER_ACTOR if who == "customer" else Actor.staff(staff[who])
            transition(case, event, actor, expected_version=case.version, fields=fields,
                       now=when + timedelta(minutes=step))
        filed_cases[state] = case
    received = filed_cases[CaseState.RECEIVED].complaint
    duplicate = file_complaint(ComplaintInput(
        category=received.category, description="Same kettle, I wrote before.", phone=received.contact_phone,
        consent_to_contact=True), now=start + timedelta(minutes=35)).case
    merge(duplicate, filed_cases[CaseState.RECEIVED], Actor.staff(staff["agent"]), expected_version=duplicate.version)
    settle_at_first_contact(ComplaintInput(
        category="service_attitude", description="Demo call: the cashier would not take back a faulty lid.",
        name="Demo caller", phone="+8613900000099", consent_to_contact=True, channel=Channel.PHONE, language="zh"),
        Actor.staff(staff["agent"]), {"decision": "We apologised and explained the returns rule; lid replaced.",
                                      "remedy": "apology", "root_cause": "Returns rule not known at the till",
                                      "resolution_code": "upheld"}, now=start + timedelta(minutes=40))
    return [(f"complaints: one case in each of the {len(CaseState)} states and one settled at first contact, "
             f"e.g. /staff/cases/{received.reference}")]


def create_demo_callbacks() -> list[str]:
    """The callback check of the month the demo agent worked its cases in, with two calls made.

    The demo's cases are from today, so it is the current month that has customers to draw; one
    complainant said no to callbacks, so the draw also shows someone it left out and why.
    """
    latest = db.session.scalar(sa.select(sa.func.max(CaseEvent.at)).join(StaffUser, StaffUser.id == CaseEvent.actor_id)
                               .where(StaffUser.role == Role.AGENT))
    if latest is None:
        return []
    if latest.tzinfo is None:  # max() bypasses the column type on SQLite
        latest = latest.replace(tzinfo=UTC)
    supervisor = db.session.scalar(sa.select(StaffUser).where(StaffUser.username == "supervisor"))
    refuses = find_by_keys(ContactKeys(phone="+8613900000004"))
    if refuses is not None:
        consent.set_consent(refuses, granted=False, source=ConsentSource.STAFF, channels=[ContactChannel.PHONE],
                            purposes=[ContactPurpose.CALLBACK], actor=supervisor, note="No calls, please")
    draw = callbacks.draw_month(callbacks.month_of(latest), actor=supervisor, seed=2026)
    made = db.session.scalars(draw.callbacks.select().limit(2)).all()
    outcomes = [("done", 8, "A spare seal for the old kettle", "Tell me the delivery day in advance"),
                ("unreachable", None, None, None)]
    for callback, (status, rating, needs, suggestion) in zip(made, outcomes):
        callbacks.record_outcome(callback, status=status, service_rating=rating, needs=needs, suggestion=suggestion,
                                 actor=supervisor)
    return [f"callback check of {draw.month}: {len(made)} outcomes recorded, /staff/callbacks/{draw.month}"]


def _exists(slug: str) -> bool:
    return db.session.scalar(sa.select(Survey.id).where(Survey.slug == slug)) is not None


def _acsi_demo(rng: np.random.Generator, n: int) -> None:
    version = surveys.latest_version("acsi")
    instrument = surveys.instrument_of(version)
    today = now_utc().date()
    first, second = today - timedelta(days=80), today - timedelta(days=35)
    survey = publish_survey(SurveySpec(
        title="Store satisfaction 2026 (ACSI)", slug="demo", instrument_version=version,
        waves=[("2026 wave 1", first), ("2026 wave 2", second)], segment_fields={"store": list(STORES)},
    ))
    answers = simulate_answers(instrument, ACSI_TRUE_PATHS, n, rng, store_shift=STORE_QUALITY_SHIFT)
    secret = settings().secret_key
    for index, (row, store) in enumerate(answers):
        wave = survey.waves[0] if index < n // 2 else survey.waves[1]
        start = first if wave is survey.waves[0] else second
        when = datetime.combine(start + timedelta(days=int(rng.integers(0, 30))), time(9), UTC)
        when += timedelta(minutes=int(rng.integers(0, 600)))
        customer_id = invitation_id = None
        if index % 5 == 0:  # one in five answered a personal invitation
            keys = ContactKeys(phone=f"+86138{index:08d}", email=f"customer{index}@example.com")
            customer, _ = resolve_customer(keys, f"Customer {index}")
            invitation = issue_invitation(survey, wave, customer.id, {"store": store}, secret, when - timedelta(days=1), 60)
            invitation.used_at = when
            customer_id, invitation_id = customer.id, invitation.id
        _add_response(survey, wave.id, row, {"store": store}, when, customer_id, invitation_id)
    db.session.commit()


def _customer_demo() -> list[str]:
    """The customer file of the loyalty programme, imported over the survey's invited customers.

    Some rows match invited respondents (one customer reached through two channels), a few look
    like someone already known (the review queue), one pair is merged (and can be undone), and
    some customers have opted out or asked to be removed.
    """
    rows = ["name,phone,email,reference,tier,annual_spend,first_purchase_on,purchase_count"]
    for n, index in enumerate(range(0, 200, 5)):  # the ACSI demo invited customers 0, 5, 10, ...
        rows.append(f"Customer {index},+86138{index:08d},,VIP-{n + 1:04d},{('gold', 'silver', 'basic')[n % 3]},"
                    f"{1200 + 37 * n}.00,20{15 + n % 10}-0{1 + n % 9}-15,{3 + n % 12}")
    rows += [
        "Customer 100,+8613800000101,,,basic,,,",  # Customer 100's phone with one digit slipped
        "Customer 110,,customer110@example.org,,basic,,,",  # Customer 110 at another mail domain
        "Zhang Wei,+8613900000001,zhang.wei@example.com,,gold,5200.00,2018-03-02,41",
        "Zhang Wei,+8613900000002,,,,,,",  # same name, neighbouring number: to review
        "Wang Fang,+8613900000003,wang.fang@example.com,,silver,800.00,2021-07-09,5",
        "Wang Fang,+8613900000004,WANG.FANG@example.com,,,,,",  # the same email: matched, not a new customer
        "Liu Yang,+8613900000005,liu.yang@example.com,,basic,300.00,2023-01-20,2",
        "Liu Yang,+8613900000006,liu.yang@example.net,,,,,",  # merged below, undoable
    ]
    report = import_customers("\n".join(rows) + "\n")
    supervisor = db.session.scalar(sa.select(StaffUser).where(StaffUser.username == "supervisor"))
    first = find_by_keys(ContactKeys(phone="+8613900000005"))
    second = find_by_keys(ContactKeys(phone="+8613900000006"))
    pair = db.session.scalar(sa.select(DuplicateCandidate).where(
        DuplicateCandidate.first_id == first.id, DuplicateCandidate.second_id == second.id))
    merges.merge_customers(first, second, actor=supervisor, candidate=pair, note="Same person, new mail address")
    for index in (15, 35):
        consent.opt_out(find_by_keys(ContactKeys(phone=f"+86138{index:08d}")))
    request_removal(find_by_keys(ContactKeys(phone="+8613800000045")), actor=supervisor, note="Asked by letter")
    add_note(find_by_keys(ContactKeys(phone="+8613900000001")), "Prefers calls after 18:00", actor=supervisor)
    waiting = db.session.scalar(sa.select(sa.func.count(DuplicateCandidate.id))
                                .where(DuplicateCandidate.status == DuplicateStatus.OPEN))
    return [(f"customers imported: {report.created} created, {report.matched} matched; "
             f"{waiting} possible duplicates to review, one merge to undo, 2 opted out, 1 removal request")]


def _nps_demo(rng: np.random.Generator, n: int) -> None:
    version = surveys.latest_version("nps-pulse")
    instrument = surveys.instrument_of(version)
    survey = publish_survey(SurveySpec(
        title="After-visit pulse", slug="nps-pulse", instrument_version=version,
        waves=[("November", now_utc().date() - timedelta(days=20))], segment_fields={"store": list(STORES)},
    ))
    nps = instrument.net_promoter_question
    csat_items = list(instrument.item_ids)
    for index in range(n):
        score = int(np.clip(np.round(rng.normal(7.6, 2.0)), 0, 10))
        row = {nps.id: score}
        for item_id in csat_items:
            scale = instrument.item(item_id).scale
            row[item_id] = int(np.clip(round(scale.min + (scale.max - scale.min) * score / 10), scale.min, scale.max))
        when = now_utc() - timedelta(days=int(rng.integers(0, 20)), minutes=int(rng.integers(0, 600)))
        _add_response(survey, survey.waves[0].id, row, {"store": STORES[index % 3]}, when, None, None)
    db.session.commit()


def _add_response(survey, wave_id, answers, segments, when, customer_id, invitation_id) -> None:
    response = Response(
        survey_id=survey.id, wave_id=wave_id, customer_id=customer_id, invitation_id=invitation_id,
        form_key=new_form_key(),
        status=ResponseStatus.SUBMITTED, answers=answers, segments=segments, language="zh",
        started_at=when - timedelta(minutes=4), updated_at=when, submitted_at=when, page=0,
    )
    db.session.add(response)
    db.session.flush()
    db.session.add_all(ResponseSegment(response_id=response.id, name=k, value=v) for k, v in segments.items())


def simulate_answers(instrument, true_paths: dict, n: int, rng: np.random.Generator,
                     store_shift: Mapping[str, float] | None = None):
    """Draw ``n`` answer sets from a population model with standardised ``true_paths``.

    Each construct's score is its predictors' weighted sum plus noise scaled to unit variance;
    each item is ``LOADING`` × its construct score plus noise, put on the item's scale.
    ``store_shift`` names the stores respondents are drawn from, each with the shift of its
    quality score; without it no respondent has a store. Returns (answers, store or None) pairs.
    """
    order = TopologicalSorter({c.id: {a for a, b in instrument.paths if b == c.id} for c in instrument.constructs})
    names, shifts = (list(store_shift), list(store_shift.values())) if store_shift else ([None], [0.0])
    stores = rng.integers(0, len(names), size=n)
    scores: dict[str, np.ndarray] = {}
    for construct in order.static_order():
        predictors = [(a, true_paths.get((a, construct), 0.3)) for a, b in instrument.paths if b == construct]
        explained = sum(beta * scores[a] for a, beta in predictors) if predictors else 0.0
        if isinstance(explained, np.ndarray):
            noise_sd = np.sqrt(max(1e-6, 1.0 - np.var(explained)))
        else:
            noise_sd = 1.0
        scores[construct] = explained + rng.normal(0.0, noise_sd, n)
        if construct == "quality":
            scores[construct] = scores[construct] + np.asarray(shifts)[stores]
    rows = [{} for _ in range(n)]
    for item in instrument.items:
        scale = item.scale
        latent = LOADING * scores[item.construct] + np.sqrt(1 - LOADING**2) * rng.normal(0, 1, n)
        middle, spread = scale.min + 0.68 * (scale.max - scale.min), (scale.max - scale.min) / 5.0
        values = np.clip(np.round(middle + spread * latent), scale.min, scale.max).astype(int)
        if item.reverse:
            values = scale.min + scale.max - values
        unknown = rng.random(n) < (0.02 if scale.dont_know else 0.0)
        for row, value, dk in zip(rows, values, unknown):
            row[item.id] = None if dk else int(value)
    return [(row, names[s]) for row, s in zip(rows, stores)]
