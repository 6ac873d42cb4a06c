"""The form for one page of a questionnaire, built from the instrument: one field per question."""
from flask_babel import gettext as _
from flask_wtf import FlaskForm
from wtforms import HiddenField

from ..services.surveys import Instrument


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
