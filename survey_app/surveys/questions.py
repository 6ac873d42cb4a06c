"""The form for one page of a questionnaire, built from the instrument: one field per question."""
from flask_babel import gettext as _
from flask_wtf import FlaskForm
from wtforms import Field, HiddenField, RadioField, SelectMultipleField, TextAreaField
from wtforms.validators import InputRequired, Length, Optional, ValidationError
from wtforms.widgets import CheckboxInput, ListWidget

from instruments import Instrument, Item, Question

DONT_KNOW = "dk"


class ChoiceAnswer(RadioField):
    """A radio answer whose refusal of a value not offered is worded for respondents."""

    def pre_validate(self, form):
        if self.data is not None and self.data not in {str(value) for value, _label in self.choices}:
            raise ValidationError(_("Please choose one of the answers shown."))


class MultiCheckboxField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()

    def pre_validate(self, form):
        offered = {str(value) for value, _label in self.choices}
        if any(value not in offered for value in self.data or []):
            raise ValidationError(_("Please choose one of the answers shown."))


class RequiredAnswer(InputRequired):
    """InputRequired with the respondent-facing message, translated when the form is validated."""

    def __call__(self, form, field):
        if not field.raw_data or not any(str(v).strip() for v in field.raw_data):
            field.errors[:] = []
            raise ValidationError(_("Please answer this question."))


class PageForm(FlaskForm):
    form_key = HiddenField()
    page = HiddenField()

    class Meta:
        # CSRFProtect checks every POST before the view runs; a token field of the form's own
        # would sign a fresh token on each submission only to check it a second time.
        csrf = False

        def get_translations(self, form):
            # The messages a page shows are ours, through Flask-Babel; WTForms' own catalogue,
            # which Flask-WTF would load on every request, would only slow every submission.
            return None


def build_page_form(instrument: Instrument, page_index: int, language: str, answers: dict, formdata=None) -> PageForm:
    """A form for ``instrument.pages[page_index]`` holding ``answers`` unless ``formdata`` overrides them."""
    page = instrument.pages[page_index]
    form_class = _form_class(instrument, page_index, language)
    data = {eid: _as_form_value(instrument.element(eid), answers.get(eid, _MISSING)) for eid in page.elements}
    data = {k: v for k, v in data.items() if v is not _MISSING}
    return form_class(formdata=formdata, data=data)


_MISSING = object()
# Form classes per (instrument content, page, language): an instrument version never changes.
_form_classes: dict[tuple[str, int, str], type[PageForm]] = {}


def _form_class(instrument: Instrument, page_index: int, language: str) -> type[PageForm]:
    key = (instrument.content_hash, page_index, language)
    if key not in _form_classes:
        fields = {eid: _field_for(instrument.element(eid), language) for eid in instrument.pages[page_index].elements}
        _form_classes[key] = type(f"Page{page_index}Form", (PageForm,), fields)
    return _form_classes[key]


def _field_for(element: Item | Question, language: str) -> Field:
    label = element.text.get(language)
    required = element.required
    validators = [RequiredAnswer()] if required else [Optional()]
    if isinstance(element, Item) or element.kind == "nps":
        scale = element.scale
        choices = [(str(point), str(point)) for point in scale.points]
        if getattr(scale, "dont_know", False):
            choices.append((DONT_KNOW, _("Don't know")))
        return ChoiceAnswer(label, choices=choices, validators=validators)
    if element.kind == "text":
        limit = element.max_length or 2000
        return TextAreaField(label, validators=[*validators, Length(max=limit, message=_("Please keep it under %(n)d characters.", n=limit))])
    choices = [(option.value, option.label.get(language)) for option in element.options]
    if element.kind == "multiple":
        return MultiCheckboxField(label, choices=choices, validators=validators)
    return ChoiceAnswer(label, choices=choices, validators=validators)


def _as_form_value(element, value):
    if value is _MISSING:
        return _MISSING
    if value is None and _is_scale(element):
        return DONT_KNOW
    if isinstance(value, int):
        return str(value)
    return value


def _is_scale(element) -> bool:
    return isinstance(element, Item) or element.kind == "nps"


def page_values(instrument: Instrument, page_index: int, form: PageForm, earlier_answers: dict) -> tuple[dict, dict]:
    """Answers of a validated page as stored values, and the errors of the questions shown.

    A question hidden by its condition is neither required nor kept.
    """
    values, errors = {}, {}
    answers_so_far = dict(earlier_answers)
    for element_id in instrument.pages[page_index].elements:
        element = instrument.element(element_id)
        field = form[element_id]
        if not instrument.visible(element_id, answers_so_far):
            values[element_id] = None
            continue
        if field.errors:
            # A refused answer is neither stored nor converted; the page shows it again to fix.
            errors[element_id] = field.errors[0]
            continue
        if _is_scale(element) and not element.required and field.data in (None, "", "None"):
            # Left unanswered, so no key: only "don't know" is stored as null.
            continue
        value = _stored_value(element, field.data)
        values[element_id] = value
        answers_so_far[element_id] = value
    return values, errors


def _stored_value(element, data):
    if _is_scale(element):
        if data in (None, "", DONT_KNOW, "None"):
            return None
        return int(data)
    if element.kind == "multiple":
        return list(data or [])
    if element.kind == "text":
        return (data or "").strip() or None
    return data or None
