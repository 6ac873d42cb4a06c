"""Forms of the complaint pages: the customer's intake and tracking page, and the staff case page."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import MultipleFileField
from wtforms import (
    BooleanField,
    DateField,
    HiddenField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.fields import EmailField, TelField
from wtforms.validators import DataRequired, Length, Optional

from ..form_limits import within
from ..models import Severity
from ..services.cases import ComplaintInput, categories
from ..services.cases.labels import (
    CHANNEL_LABELS,
    ENTRY_CHANNELS,
    REMEDY_LABELS,
    SEVERITY_LABELS,
    resolution_label,
)


class ComplaintForm(FlaskForm):
    category = SelectField(_l("What is it about?"), validators=[DataRequired(message=_l("Choose one."))])
    description = TextAreaField(_l("What happened?"), validators=[
        DataRequired(message=_l("Tell us what happened.")), within(ComplaintInput, "description")])
    occurred_on = DateField(_l("When did it happen?"), validators=[Optional()])
    location = StringField(_l("Where? (store, website, phone line)"),
                           validators=[Optional(), within(ComplaintInput, "location")])
    desired_outcome = TextAreaField(_l("What would you like us to do?"),
                                    validators=[Optional(), within(ComplaintInput, "desired_outcome")])
    name = StringField(_l("Your name"), validators=[Optional(), within(ComplaintInput, "name")])
    phone = TelField(_l("Phone"), validators=[Optional(), within(ComplaintInput, "phone")])
    email = EmailField(_l("Email"), validators=[Optional(), within(ComplaintInput, "email")],
                       description=_l("We send the reference and the tracking link here."))
    consent_to_contact = BooleanField(_l("You may contact me about this complaint by phone or email."))
    photos = MultipleFileField(_l("Photos (up to 3, JPEG, PNG, WebP or HEIC, 5 MB each)"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.category.choices = [("", "—"), *categories()]


class StaffComplaintForm(ComplaintForm):
    """A complaint received by phone, letter or in person, entered by staff: the customer's fields,
    in the words of the staff member taking it down (the customer's form speaks to the customer)."""

    category = SelectField(_l("Category"), validators=[DataRequired(message=_l("Choose one."))])
    description = TextAreaField(_l("What happened, as the customer tells it"), validators=[
        DataRequired(message=_l("Write down what the customer says happened.")), within(ComplaintInput, "description")])
    occurred_on = DateField(_l("When it happened"), validators=[Optional()])
    location = StringField(_l("Where it happened (store, website, phone line)"),
                           validators=[Optional(), within(ComplaintInput, "location")])
    desired_outcome = TextAreaField(_l("What the customer wants done"),
                                    validators=[Optional(), within(ComplaintInput, "desired_outcome")])
    name = StringField(_l("Caller's name"), validators=[Optional(), within(ComplaintInput, "name")])
    email = EmailField(_l("Email"), validators=[Optional(), within(ComplaintInput, "email")],
                       description=_l("The customer gets the reference and the tracking link at this address."))
    consent_to_contact = BooleanField(_l("The customer agrees to be contacted about this complaint by phone or "
                                         "email."))
    channel = SelectField(_l("Received by"), choices=[(channel.value, CHANNEL_LABELS[channel].entry_label)
                                                      for channel in ENTRY_CHANNELS])
    severity = SelectField(_l("Severity"), choices=SEVERITY_LABELS.choices(), default=Severity.NORMAL.value)
    # Settling at first contact: checked by the workflow's rules (services/cases.py), not here.
    settle = BooleanField(_l("Settled now, at first contact: close it with what I gave"))
    decision = TextAreaField(_l("What I told the customer"), validators=[Optional(), Length(max=5000)])
    remedy = SelectField(_l("Remedy"), validators=[Optional()])
    remedy_amount = StringField(_l("Amount"), validators=[Optional(), Length(max=20)])
    root_cause = TextAreaField(_l("Root cause"), validators=[Optional(), Length(max=2000)])
    resolution_code = SelectField(_l("Resolution"), validators=[Optional()])

    SETTLEMENT_FIELDS = ("decision", "remedy", "remedy_amount", "root_cause", "resolution_code")

    def __init__(self, *args, resolution_codes=(), first_contact_remedies=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.remedy.choices = [("", "—"), *REMEDY_LABELS.choices(first_contact_remedies)]
        self.resolution_code.choices = [("", "—"), *[(code, resolution_label(code)) for code in resolution_codes]]

    def settlement(self) -> dict | None:
        """The settlement typed in, when the box says the complaint is settled now."""
        return {name: self[name].data for name in self.SETTLEMENT_FIELDS} if self.settle.data else None


class VersionedForm(FlaskForm):
    """Every write names the case version its author saw."""

    version = HiddenField(validators=[DataRequired()])


class MessageForm(VersionedForm):
    message = TextAreaField(_l("Your message"), validators=[DataRequired(message=_l("Please write something.")),
                                                            Length(max=5000)])
    photos = MultipleFileField(_l("Photos (up to 3, JPEG, PNG, WebP or HEIC, 5 MB each)"))


class AcceptForm(MessageForm):
    """Accepting the answer: the message beside the buttons is optional, and kept when written."""

    message = TextAreaField(_l("Your message"), validators=[Optional(), Length(max=5000)])


class NoteForm(VersionedForm):
    body = TextAreaField(_l("Text"), validators=[DataRequired(message=_l("Please write something.")),
                                                 Length(max=5000)])
    public = BooleanField(_l("Send to the customer (otherwise an internal note)"))
    attachment = MultipleFileField(_l("Attach photos"))


class TransitionForm(VersionedForm):
    """The fields any transition may need; the case page shows those the chosen one requires."""

    event = HiddenField(validators=[DataRequired()])
    category = SelectField(_l("Category"), validators=[Optional()])
    severity = SelectField(_l("Severity"), choices=[("", "—"), *SEVERITY_LABELS.choices()], validators=[Optional()])
    root_cause = TextAreaField(_l("Root cause"), validators=[Optional(), Length(max=2000)])
    resolution_code = SelectField(_l("Resolution"), validators=[Optional()])
    remedy = SelectField(_l("Remedy"), choices=[("", "—")], validators=[Optional()])
    remedy_amount = StringField(_l("Amount"), validators=[Optional(), Length(max=20)])
    decision = TextAreaField(_l("Decision, as the customer will read it"), validators=[Optional(), Length(max=5000)])
    message = TextAreaField(_l("Message"), validators=[Optional(), Length(max=5000)])
    reason = TextAreaField(_l("Reason"), validators=[Optional(), Length(max=2000)])
    recourse = TextAreaField(_l("Recourse offered to the customer"), validators=[Optional(), Length(max=2000)])

    def __init__(self, *args, resolution_codes=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.category.choices = [("", "—"), *categories()]
        self.resolution_code.choices = [("", "—"), *[(code, resolution_label(code)) for code in resolution_codes]]
        self.remedy.choices = [("", "—"), *REMEDY_LABELS.choices()]
