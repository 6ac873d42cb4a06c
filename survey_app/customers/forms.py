"""Staff forms for the customer database, and the customer's own opt-out form."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileAllowed, FileField, FileRequired
from wtforms import RadioField, SearchField, SelectField, SelectMultipleField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from ..form_limits import within
from ..services.customers import CHANNELS, CustomerDetails
from ..services.customers.labels import PURPOSE_LABELS


class SearchForm(FlaskForm):
    # The rule of services/customers/search.py: trigrams need three characters.
    q = SearchField(_l("Name, phone, email or reference"), validators=[Optional(), Length(max=200)],
                    description=_l("A name of one or two characters is found by its start, a longer one by any part."))

    class Meta:
        csrf = False


class NoteForm(FlaskForm):
    text = TextAreaField(_l("Note"), validators=[DataRequired(), Length(max=4000)])


class RemovalForm(FlaskForm):
    note = StringField(_l("How the request was made"), validators=[Optional(), Length(max=500)])


class ConsentForm(FlaskForm):
    channels = SelectMultipleField(_l("Channels"), choices=CHANNELS.choices(), validators=[DataRequired()],
                                   widget=ListWidget(prefix_label=False), option_widget=CheckboxInput())
    purposes = SelectMultipleField(_l("Purposes"), choices=PURPOSE_LABELS.choices(), validators=[DataRequired()],
                                   widget=ListWidget(prefix_label=False), option_widget=CheckboxInput())
    granted = SelectField(_l("Decision"), choices=[("no", _l("Does not want to be contacted")),
                                                   ("yes", _l("Agrees to be contacted"))])
    note = StringField(_l("Source or note"), validators=[Optional(), Length(max=500)])


class MergeForm(FlaskForm):
    # No default: which record survives is staff's decision, never one the form makes for them.
    survivor = RadioField(_l("Keep as the customer record"), choices=[("first", "1"), ("second", "2")],
                          validators=[DataRequired(message=_l("Choose the record to keep."))])
    note = StringField(_l("Why they are one person"), validators=[Optional(), Length(max=500)])


class ImportCustomersForm(FlaskForm):
    file = FileField(_l("CSV file"), validators=[FileRequired(), FileAllowed(["csv", "txt"], _l("Upload a CSV file."))],
                     description=_l("Columns: name, phone, email, reference, annual_spend, first_purchase_on "
                                    "(YYYY-MM-DD), purchase_count; any other column is a segment."))


class CustomerKeysForm(FlaskForm):
    name = StringField(_l("Name"), validators=[Optional(), within(CustomerDetails, "name")])
    phone = StringField(_l("Phone"), validators=[Optional(), within(CustomerDetails, "phone")],
                        description=_l("Any usual form; it is stored as an international number."))
    email = StringField(_l("Email"), validators=[Optional(), within(CustomerDetails, "email")])
    reference = StringField(_l("Customer reference"), validators=[Optional(), within(CustomerDetails, "reference")])

    def details(self) -> CustomerDetails:
        """What was typed, as the service takes it."""
        return CustomerDetails(self.name.data, self.phone.data, self.email.data, self.reference.data)
