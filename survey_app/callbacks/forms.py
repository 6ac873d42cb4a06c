"""Staff forms of the monthly callback check."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length

from ..services.customers.callbacks import OUTCOMES, TEXT_LIMIT
from ..services.customers.labels import CALLBACK_STATUSES


class DrawForm(FlaskForm):
    month = StringField(_l("Month (YYYY-MM)"), validators=[DataRequired(message=_l("Give the month as YYYY-MM.")),
                                                           Length(max=7, message=_l("Give the month as YYYY-MM."))])
    # A choice, not a number to type: there is nothing to mistype, and five is what the check asks.
    per_agent = SelectField(_l("Customers per agent"), choices=[(n, str(n)) for n in range(1, 11)], coerce=int,
                            default=5)


class OutcomeForm(FlaskForm):
    """One callback's outcome; the rating is text here so what was typed comes back with the service's message."""

    # A blank first choice: a select sends its first option untouched, and only staff say how a call went.
    status = SelectField(_l("How did the call go?"), choices=[("", "—"), *CALLBACK_STATUSES.choices(OUTCOMES)],
                         validators=[DataRequired(message=_l("Choose how the call went."))])
    service_rating = StringField(_l("Service rating (1–10)"), render_kw={"inputmode": "numeric", "size": 3})
    needs = TextAreaField(_l("What else they need"), validators=[Length(max=TEXT_LIMIT)], render_kw={"rows": 2})
    suggestion = TextAreaField(_l("Their suggestions"), validators=[Length(max=TEXT_LIMIT)], render_kw={"rows": 2})
