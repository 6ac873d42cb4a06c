"""Forms for publishing surveys and importing invitations, and the anonymous respondent's contact details."""
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileAllowed, FileField, FileRequired
from wtforms import (
    BooleanField,
    DateField,
    DateTimeLocalField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.fields import EmailField, TelField
from wtforms.validators import DataRequired, InputRequired, Length, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from ..form_limits import within
from ..services.customers import CustomerDetails


class PublishSurveyForm(FlaskForm):
    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=200)])
    slug = StringField(_l("Address (slug)"), validators=[DataRequired(), Length(max=63)],
                       description=_l("The public link becomes /s/<slug>: lower-case letters, digits and hyphens."))
    instrument = SelectField(_l("Instrument"), validators=[DataRequired()])
    languages = SelectMultipleField(
        _l("Languages"), choices=[("zh", "中文"), ("en", "English")], default=["zh", "en"],
        widget=ListWidget(prefix_label=False), option_widget=CheckboxInput(),
    )
    # Typed as the firm's wall-clock time; the labels name the zone (see __init__).
    opens_at = DateTimeLocalField(validators=[Optional()], format="%Y-%m-%dT%H:%M")
    closes_at = DateTimeLocalField(validators=[Optional()], format="%Y-%m-%dT%H:%M")
    waves = TextAreaField(
        _l("Waves"), validators=[Optional(), Length(max=2000)],
        description=_l("One per line: name, first day (YYYY-MM-DD). Empty: one wave from today."),
    )
    segments = TextAreaField(
        _l("Segment fields"), validators=[Optional(), Length(max=2000)],
        description=_l("One per line: field name, then the allowed values, e.g. store: north, south. "
                       "A public link can carry them: /s/<slug>?store=north"),
    )
    anonymous_link = BooleanField(_l("Public link for anyone"), default=True)

    def __init__(self, *args, zone: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.opens_at.label.text = _("Opens (%(zone)s time)", zone=zone)
        self.closes_at.label.text = _("Closes (%(zone)s time)", zone=zone)


class ImportInvitationsForm(FlaskForm):
    file = FileField(_l("CSV file"), validators=[FileRequired(), FileAllowed(["csv", "txt"], _l("Upload a CSV file."))],
                     description=_l("Columns: name, phone, email, reference, and any segment fields of the survey."))
    wave = SelectField(_l("Wave"), coerce=int)


class DayField(DateField):
    """A date field whose message for a date it cannot read is worded by us and translated."""

    def process_formdata(self, valuelist):
        try:
            super().process_formdata(valuelist)
        except ValueError:
            raise ValueError(_("Write the day as a date like 2026-03-01.")) from None


class WaveForm(FlaskForm):
    name = StringField(_l("Wave name"), validators=[
        DataRequired(_l("Give the wave a name.")),
        Length(max=64, message=_l("Keep the wave name to %(max)d characters or fewer.")),
    ])
    # InputRequired, not DataRequired: a date that cannot be read gets the date's own message only.
    opens_on = DayField(_l("First day"), validators=[InputRequired(_l("Give the first day of the wave."))])


class ContactDetailsForm(FlaskForm):
    """Offered after an anonymous response: who to answer, if the respondent wants an answer."""

    name = StringField(_l("Your name"), validators=[Optional(), within(CustomerDetails, "name")])
    phone = TelField(_l("Phone"), validators=[Optional(), within(CustomerDetails, "phone")])
    email = EmailField(_l("Email"), validators=[Optional(), within(CustomerDetails, "email")])
