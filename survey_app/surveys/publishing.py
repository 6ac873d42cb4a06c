"""Turning the publish form's free-text fields into a survey specification."""
from datetime import date

from flask_babel import gettext as _

from ..i18n import from_business_time
from ..services import surveys
from ..services.errors import InvalidInput
from ..services.surveys import SurveySpec


def spec_from_form(form, instrument_version) -> SurveySpec:
    """The survey ``form`` describes.

    :raise InvalidInput: naming every field that is wrong at once, lines that cannot be read as
        well as rules of :func:`surveys.spec_errors`, so one submission shows every correction.
    """
    errors = {}
    try:
        waves = parse_waves(form.waves.data or "")
    except InvalidInput as error:
        waves = []
        errors.update(error.field_errors)
    try:
        segments = parse_segments(form.segments.data or "")
    except InvalidInput as error:
        segments = {}
        errors.update(error.field_errors)
    spec = SurveySpec(
        title=form.title.data or "",
        slug=(form.slug.data or "").strip().lower(),
        instrument_version=instrument_version,
        languages=form.languages.data or [],
        opens_at=from_business_time(form.opens_at.data),
        closes_at=from_business_time(form.closes_at.data),
        waves=waves,
        segment_fields=segments,
        anonymous_link=form.anonymous_link.data,
    )
    for name, message in surveys.spec_errors(spec).items():
        errors.setdefault(name, message)
    if errors:
        raise InvalidInput(_("Please correct the marked fields."), errors)
    return spec


def parse_waves(text: str) -> list[tuple[str, date]]:
    """Waves from lines of "name, YYYY-MM-DD".

    :raise InvalidInput: naming every line that cannot be read.
    """
    waves, problems = [], []
    for number, line in enumerate(filter(None, (l.strip() for l in text.splitlines())), start=1):
        name, _sep, day = line.rpartition(",")
        try:
            opens_on = date.fromisoformat(day.strip())
        except ValueError:
            problems.append(_("Line %(n)d: write a name, a comma and a date like 2026-03-01.", n=number))
            continue
        if not name.strip():
            problems.append(_("Line %(n)d: the wave needs a name.", n=number))
            continue
        waves.append((name.strip(), opens_on))
    if problems:
        raise InvalidInput(_("Please correct the marked fields."), {"waves": " ".join(problems)})
    return waves


def parse_segments(text: str) -> dict[str, list[str]]:
    """Segment fields from lines of "name: value, value".

    :raise InvalidInput: naming every line that cannot be read.
    """
    fields, problems = {}, []
    for number, line in enumerate(filter(None, (l.strip() for l in text.splitlines())), start=1):
        name, _sep, values = line.partition(":")
        name = name.strip().lower()
        if not name.replace("_", "").isalnum():
            problems.append(_("Line %(n)d: a field name uses letters, digits and _ only.", n=number))
            continue
        fields[name] = [v.strip() for v in values.split(",") if v.strip()]
    if problems:
        raise InvalidInput(_("Please correct the marked fields."), {"segments": " ".join(problems)})
    return fields

