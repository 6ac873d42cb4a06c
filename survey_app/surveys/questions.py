"""The form for one page of a questionnaire, built from the instrument: one field per question."""
from flask_babel import gettext as _
from flask_wtf import FlaskForm
from wtforms import HiddenField

from instruments import NOT_STORED, AnswerRefused, Instrument


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
    form_class = _form_class(instrument, page_index, language)
    data = {eid: instrument.element(eid).kind.form_value(answers[eid])
            for eid in instrument.pages[page_index].elements if eid in answers}
    return form_class(formdata=formdata, data=data)


# Form classes per (instrument content, page, language): an instrument version never changes.
_form_classes: dict[tuple[str, int, str], type[PageForm]] = {}


def _form_class(instrument: Instrument, page_index: int, language: str) -> type[PageForm]:
    key = (instrument.content_hash, page_index, language)
    if key not in _form_classes:
        elements = (instrument.element(eid) for eid in instrument.pages[page_index].elements)
        fields = {element.id: element.kind.field(element, language, _) for element in elements}
        _form_classes[key] = type(f"Page{page_index}Form", (PageForm,), fields)
    return _form_classes[key]


def page_values(instrument: Instrument, page_index: int, posted, earlier_answers: dict) -> tuple[dict, dict]:
    """Answers of a posted page as stored values, and the errors of the questions shown.

    A question hidden by its condition is neither required nor kept.
    """
    values, errors = {}, {}
    answers_so_far = dict(earlier_answers)
    for element_id in instrument.pages[page_index].elements:
        element = instrument.element(element_id)
        if not instrument.visible(element_id, answers_so_far):
            values[element_id] = None
            continue
        try:
            value = element.kind.answer(element, posted.getlist(element_id))
        except AnswerRefused as refused:
            # A refused answer is neither stored nor converted; the page shows it again to fix.
            errors[element_id] = refused.message.translated(_)
            continue
        if value is not NOT_STORED:
            values[element_id] = value
            answers_so_far[element_id] = value
    return values, errors
