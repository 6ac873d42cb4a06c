"""The pages customers answer on: the anonymous link /s/<slug> and the personal link /i/<token>."""
from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from ..extensions import limiter
from ..form_errors import show_field_errors
from ..i18n import current_language, use_language
from ..models import Invitation, Survey, SurveyStatus
from ..models.base import now_utc
from ..services import surveys
from ..services.errors import Conflict, InvalidInput, NotFound
from ..services.surveys import find_invitation, instrument_of, survey_by_slug
from .forms import ContactDetailsForm
from .questions import build_page_form

bp = Blueprint("respondent", __name__)

RESUME_DAYS = 30


@bp.route("/s/<slug>", methods=["GET", "POST"])
@limiter.limit("120 per minute", methods=["POST"])
def anonymous(slug: str):
    """Answer a survey through its public link.

    :raise 404: when there is no such survey or it has no public link.
    """
    survey = _public_survey(slug)
    return _questionnaire(survey, None, url_for("respondent.anonymous", slug=slug),
                          url_for("respondent.anonymous_thanks", slug=slug))


@bp.get("/s/<slug>/thanks")
def anonymous_thanks(slug: str):
    """Thank the respondent once the response is stored."""
    return _thanks(_public_survey(slug))


@bp.post("/s/<slug>/contact")
@limiter.limit("20 per hour")
def anonymous_contact(slug: str):
    """The anonymous respondent leaves contact details to be answered; the response joins that customer."""
    survey = _public_survey(slug)
    response = _own_response(survey)
    form = ContactDetailsForm()
    if not surveys.may_leave_contact(response):
        return redirect(url_for("respondent.anonymous_thanks", slug=slug), code=303)
    if form.validate_on_submit():
        try:
            surveys.leave_contact(response, name=form.name.data, phone=form.phone.data,
                                  email=form.email.data)
        except InvalidInput as error:
            show_field_errors(form, error)
        except Conflict:  # the same details, sent twice at once: the first one counts
            return redirect(url_for("respondent.anonymous_thanks", slug=slug), code=303)
        else:
            flash(_("Thank you: we will contact you about your answers."), "success")
            return redirect(url_for("respondent.anonymous_thanks", slug=slug), code=303)
    return _thanks(survey, contact_form=form, language_path=url_for("respondent.anonymous_thanks", slug=slug)), 422


@bp.route("/i/<token>", methods=["GET", "POST"])
@limiter.limit("120 per minute", methods=["POST"])
def invited(token: str):
    """Answer a survey through a personal invitation link."""
    invitation = find_invitation(token)
    if invitation is None:
        return _link_problem("unknown"), 404
    survey = invitation.survey
    thanks = url_for("respondent.invited_thanks", token=token)
    if invitation.used_at is not None:
        return redirect(thanks)
    if invitation.expires_at <= now_utc():
        return _link_problem("expired"), 410
    return _questionnaire(survey, invitation, url_for("respondent.invited", token=token), thanks)


@bp.get("/i/<token>/thanks")
def invited_thanks(token: str):
    """Thank an invited respondent; a used link lands here too."""
    invitation = find_invitation(token)
    if invitation is None:
        return _link_problem("unknown"), 404
    return _thanks(invitation.survey)


def _public_survey(slug: str) -> Survey:
    """:raise 404: when there is no such survey or it has no public link."""
    try:
        survey = survey_by_slug(slug)
    except NotFound:
        abort(404)
    if not survey.anonymous_link:
        abort(404)
    return survey


def _questionnaire(survey: Survey, invitation: Invitation | None, self_url: str, thanks_url: str):
    if not survey.is_open(now_utc()):
        return _unavailable(survey)
    instrument = instrument_of(survey.instrument_version)
    language = _language(survey)
    cookie = f"r{survey.id}"
    key = request.form.get("form_key") if request.method == "POST" else request.cookies.get(cookie)
    response = surveys.find_response(survey, form_key=key, invitation=invitation)
    if response is not None and response.is_submitted:
        return redirect(thanks_url, code=303)
    answers = response.answers if response else {}
    if request.method == "GET":
        page_index = surveys.resume_page(instrument, response)
        form = build_page_form(instrument, page_index, language, answers)
        form.form_key.data = response.form_key if response else surveys.new_form_key()
        return _render_page(survey, instrument, page_index, form, language, self_url, invitation, answers)

    outcome = surveys.answer_page(
        survey, page=request.form.get("page", 0, type=int), posted=request.form.to_dict(flat=False),
        back="back" in request.form, form_key=request.form.get("form_key"), language=language,
        invitation=invitation, segments=_link_segments(survey), existing=response,
    )
    if outcome.errors:
        form = build_page_form(instrument, outcome.page, language, answers, formdata=request.form)
        return _render_page(survey, instrument, outcome.page, form, language, self_url, invitation,
                            outcome.answers, outcome.errors), 422
    reply = redirect(thanks_url if outcome.submitted else self_url, code=303)
    if invitation is None:
        reply.set_cookie(cookie, outcome.response.form_key, max_age=RESUME_DAYS * 86400, httponly=True,
                         samesite="Lax", path=self_url)
    return reply


def _render_page(survey, instrument, page_index, form, language, self_url, invitation, answers, errors=None):
    layout = surveys.page_layout(instrument, page_index, answers)
    page = instrument.pages[page_index]
    return _render(
        "respondent/page.html", survey, language, instrument=instrument, page=page, page_index=page_index,
        page_count=len(instrument.pages), form=form, errors=errors or {},
        elements=[instrument.element(eid) for eid in page.elements], visible=layout.shown,
        action=self_url, segments=_link_segments(survey) if invitation is None else {},
        numbered_before=layout.numbered_before,
    )


def _link_segments(survey: Survey) -> dict:
    """Segment values carried by a public link, e.g. a QR code per store: ?store=north."""
    source = request.form if request.method == "POST" else request.args
    values = {}
    for name, allowed in survey.segment_fields.items():
        value = (source.get(f"seg_{name}") if request.method == "POST" else source.get(name)) or ""
        value = value.strip()[:128]
        if value and (not allowed or value in allowed):
            values[name] = value
    return values


def _language(survey: Survey) -> str:
    language = current_language()
    if language not in survey.languages:
        language = survey.languages[0]
        use_language(language)
    return language


def _unavailable(survey: Survey):
    status = 410 if survey.status is SurveyStatus.CLOSED or (survey.closes_at and survey.closes_at <= now_utc()) else 503
    return _render("respondent/unavailable.html", survey, _language(survey), closed=status == 410), status


def _thanks(survey: Survey, contact_form: ContactDetailsForm | None = None, language_path: str | None = None):
    """The thank-you page; an anonymous respondent is offered to leave contact details, once."""
    if contact_form is None and surveys.may_leave_contact(_own_response(survey)):
        contact_form = ContactDetailsForm(formdata=None)
    return _render("respondent/thanks.html", survey, _language(survey), contact_form=contact_form,
                   language_path=language_path)


def _render(template: str, survey: Survey, language: str, **context):
    """A respondent page, under the title the survey was published with (see ``respondent/_layout.html``)."""
    return render_template(template, survey=survey, language=language,
                           survey_title=surveys.respondent_title(survey, language), **context)


def _own_response(survey: Survey):
    """The response this browser gave through the anonymous link (its resume cookie says which)."""
    if "token" in (request.view_args or {}):
        return None
    return surveys.find_response(survey, form_key=request.cookies.get(f"r{survey.id}"))


def _link_problem(kind: str):
    return render_template("respondent/link_problem.html", kind=kind)
