"""Turning the publish form's free-text fields into a survey specification."""
from datetime import date, timezone

from flask_babel import gettext as _

from ..services.errors import InvalidInput
from ..services.surveys import SurveySpec


def spec_from_form(form, instrument_version) -> SurveySpec:
    """:raise InvalidInput: naming the field whose lines cannot be read."""
    return SurveySpec(
        title=form.title.data,
        slug=(form.slug.data or "").strip().lower(),
        instrument_version=instrument_version,
        languages=form.languages.data,
        opens_at=form.opens_at.data.replace(tzinfo=timezone.utc) if form.opens_at.data else None,
        closes_at=form.closes_at.data.replace(tzinfo=timezone.utc) if form.closes_at.data else None,
        waves=parse_waves(form.waves.data or ""),
        segment_fields=parse_segments(form.segments.data or ""),
        anonymous_link=form.anonymous_link.data,
    )


def parse_waves(text: str) -> list[tuple[str, date]]:
    waves = []
    for number, line in enumerate(filter(None, (l.strip() for l in text.splitlines())), start=1):
        name, _sep, day = line.rpartition(",")
        try:
            waves.append((name.strip(), date.fromisoformat(day.strip())))
        except ValueError:
            raise InvalidInput(_("Please correct the marked fields."),
                               {"waves": _("Line %(n)d: write a name, a comma and a date like 2026-03-01.", n=number)}) from None
        if not name.strip():
            raise InvalidInput(_("Please correct the marked fields."), {"waves": _("Line %(n)d: the wave needs a name.", n=number)})
    return waves


def parse_segments(text: str) -> dict[str, list[str]]:
    fields = {}
    for number, line in enumerate(filter(None, (l.strip() for l in text.splitlines())), start=1):
        name, _sep, values = line.partition(":")
        name = name.strip().lower()
        if not name.replace("_", "").isalnum():
            raise InvalidInput(_("Please correct the marked fields."),
                               {"segments": _("Line %(n)d: a field name uses letters, digits and _ only.", n=number)})
        fields[name] = [v.strip() for v in values.split(",") if v.strip()]
    return fields


def decode_upload(data: bytes) -> str:
    """Text of an uploaded CSV: UTF-8 (with or without BOM), or GB18030 as Excel saves it on
    Chinese Windows.

    :raise InvalidInput: when it is neither, rather than importing garbled names.
    """
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise InvalidInput(_("The file is not UTF-8 or GB18030 text; save it as CSV UTF-8 and try again."))
