"""Publishing surveys and changing their status."""
import re
from dataclasses import dataclass, field
from datetime import date, datetime

import sqlalchemy as sa
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from ...extensions import db
from ...models import (
    InstrumentVersion,
    Response,
    ResponseStatus,
    Survey,
    SurveyStatus,
    Wave,
)
from ..errors import Conflict, InvalidInput, NotFound
from ..platform.clock import business_day
from ..platform.labels import EnumTable
from .instruments import instrument_of

SLUG_PATTERN = re.compile(r"^[a-z0-9][a-z0-9-]{1,62}$")


@dataclass
class SurveySpec:
    """What a manager fills in to publish a survey."""

    title: str
    slug: str
    instrument_version: InstrumentVersion
    languages: list[str] = field(default_factory=lambda: ["zh", "en"])
    opens_at: datetime | None = None
    closes_at: datetime | None = None
    waves: list[tuple[str, date]] = field(default_factory=list)
    segment_fields: dict[str, list[str]] = field(default_factory=dict)
    anonymous_link: bool = True


# The respondent page reads these from its own address and form, so a segment field of the same
# name would be overwritten by them (or overwrite them); ``seg_`` prefixes segment fields in its form.
RESERVED_SEGMENT_NAMES = frozenset({"lang", "page", "form_key", "next", "back", "csrf_token"})
RESERVED_SEGMENT_PREFIX = "seg_"


def publish_survey(spec: SurveySpec) -> Survey:
    """Publish a survey pinned to an exact instrument version.

    :raise InvalidInput: with every field error of :func:`spec_errors`.
    """
    errors = spec_errors(spec)
    if errors:
        raise InvalidInput(_("Please correct the marked fields."), errors)
    survey = Survey(
        title=spec.title.strip(),
        slug=spec.slug,
        instrument_version=spec.instrument_version,
        languages=list(spec.languages),
        opens_at=spec.opens_at,
        closes_at=spec.closes_at,
        segment_fields={name: list(values) for name, values in spec.segment_fields.items()},
        anonymous_link=spec.anonymous_link,
        status=SurveyStatus.OPEN,
    )
    # The first wave starts on the firm's calendar day, which is not the UTC one for part of every day.
    first_day = business_day(spec.opens_at)
    waves = spec.waves or [(_("Wave 1"), first_day)]
    survey.waves = [Wave(name=name, opens_on=opens_on) for name, opens_on in waves]
    db.session.add(survey)
    db.session.commit()
    return survey


def spec_errors(spec: SurveySpec) -> dict[str, str]:
    """Every rule ``spec`` breaks, by form field: slug, languages, dates, waves, segment fields."""
    errors = {}
    if not SLUG_PATTERN.match(spec.slug):
        errors["slug"] = _("Use 2 to 63 lower-case letters, digits and hyphens.")
    elif db.session.scalar(sa.select(Survey.id).where(Survey.slug == spec.slug)):
        errors["slug"] = _("This address is taken.")
    if not spec.languages:
        errors["languages"] = _("Choose at least one language.")
    if spec.opens_at and spec.closes_at and spec.closes_at <= spec.opens_at:
        errors["closes_at"] = _("The survey must close after it opens.")
    names = [name for name, _day in spec.waves]
    if len(set(names)) != len(names):
        errors["waves"] = _("A wave with this name exists already.")
    reserved = [name for name in spec.segment_fields if is_reserved_segment_name(name)]
    if reserved:
        errors["segments"] = _("The field name %(name)s is used by the survey page itself (lang, page, form_key, next, back, "
                               "csrf_token and names starting with seg_); choose another.", name=reserved[0])
    return errors


def respondent_title(survey: Survey, language: str) -> str:
    """The title respondents read: the one the manager published.

    A survey published without a title, or under the instrument's own title (the handling survey
    takes its English one), shows the instrument's title in the respondent's language instead, so a
    Chinese page does not carry an English heading.
    """
    instrument_title = instrument_of(survey.instrument_version).title
    given = survey.title.strip()
    if not given or given in instrument_title.values():
        return instrument_title.get(language)
    return given


def is_reserved_segment_name(name: str) -> bool:
    return name in RESERVED_SEGMENT_NAMES or name.startswith(RESERVED_SEGMENT_PREFIX)


def add_wave(survey: Survey, name: str, opens_on: date) -> Wave:
    """Add a wave of fieldwork to ``survey``.

    :raise InvalidInput: naming the field, when the survey has a wave of this name already.
    """
    if any(w.name == name for w in survey.waves):
        raise InvalidInput(_("Please correct the marked fields."), {"name": _("A wave with this name exists already.")})
    wave = Wave(name=name, opens_on=opens_on)
    survey.waves.append(wave)
    db.session.commit()
    return wave


ALLOWED_STATUS_CHANGES = {
    SurveyStatus.OPEN: {SurveyStatus.PAUSED, SurveyStatus.CLOSED},
    SurveyStatus.PAUSED: {SurveyStatus.OPEN, SurveyStatus.CLOSED},
    SurveyStatus.CLOSED: set(),
}


def change_status(survey: Survey, status: SurveyStatus) -> Survey:
    """Pause, resume or close a survey; a closed survey stays closed.

    :raise Conflict: for a change the rules do not allow.
    """
    if status not in ALLOWED_STATUS_CHANGES[survey.status]:
        raise Conflict(_("A closed survey cannot be opened or paused again.") if survey.status is SurveyStatus.CLOSED
                       else _("The survey is %(status)s already.", status=status_label(survey.status)))
    survey.status = status
    db.session.commit()
    return survey


# A survey's status in words, as pages and messages say it ("the survey is now paused").
status_label = EnumTable(SurveyStatus, {
    SurveyStatus.OPEN: _l("open"), SurveyStatus.PAUSED: _l("paused"), SurveyStatus.CLOSED: _l("closed"),
})


# Built once, with its value bound at run time: on the respondent's hot path, building the
# statement and its cache key costs more than SQLite takes to run it.
_SURVEY_BY_SLUG = sa.select(Survey).where(Survey.slug == sa.bindparam("slug"))


def survey_by_slug(slug: str) -> Survey:
    """:raise NotFound: when no survey has this slug."""
    survey = db.session.scalar(_SURVEY_BY_SLUG, {"slug": slug})
    if survey is None:
        raise NotFound(_("No survey at this address."))
    return survey


def list_surveys() -> list[tuple[Survey, int]]:
    """Every survey with its number of submitted responses, newest first."""
    counts = (
        sa.select(Response.survey_id, sa.func.count().label("n"))
        .where(Response.status == ResponseStatus.SUBMITTED)
        .group_by(Response.survey_id)
        .subquery()
    )
    rows = db.session.execute(
        sa.select(Survey, sa.func.coalesce(counts.c.n, 0))
        .outerjoin(counts, counts.c.survey_id == Survey.id)
        .order_by(Survey.created_at.desc(), Survey.id.desc())
    )
    return [(survey, n) for survey, n in rows]
