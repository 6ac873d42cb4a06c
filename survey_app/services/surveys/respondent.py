"""The page rules of a questionnaire: what a page shows, where Next and Back lead, and submitting only
a complete response. The respondent pages hand over what was posted; the rules are checked here."""
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import NamedTuple

from flask_babel import gettext as _

from instruments import NOT_STORED, AnswerRefused, Instrument

from ...models import Invitation, Response, Survey
from .instruments import instrument_of
from .responses import store_page, usable_form_key


@dataclass(frozen=True)
class PageOutcome:
    """What became of a posted page: the stored response, the page to show now, and refused answers.

    With ``errors`` the page was not stored (``response`` is as it was, None for a new respondent)
    and ``page`` is the page to show again with them, next to ``answers``, which hold the posted page's.
    """

    response: Response | None
    page: int
    answers: dict
    errors: dict[str, str] = field(default_factory=dict)

    @property
    def submitted(self) -> bool:
        return self.response is not None and self.response.is_submitted


def answer_page(
    survey: Survey,
    *,
    page: int,
    posted: Mapping[str, Sequence[str] | str],
    back: bool = False,
    form_key: str | None,
    language: str,
    invitation: Invitation | None = None,
    segments: dict | None = None,
    existing: Response | None,
    now: datetime | None = None,
) -> PageOutcome:
    """Check the answers posted for ``page`` against the instrument, store them and move the respondent on.

    Next leads to the next page the conditions show, Back to the previous one, keeping the answers
    that were accepted. Past the last page the response is submitted only when every required
    question of every shown page is answered; otherwise the respondent goes to the first page that
    still lacks one, so neither a skipped nor a forged page number submits an incomplete response.
    ``existing`` is what :func:`~.responses.find_response` returned for this respondent. Commits
    when it stores the page.
    """
    instrument = instrument_of(survey.instrument_version)
    last_page = len(instrument.pages) - 1
    page = min(max(page, 0), last_page)
    earlier = existing.answers if existing is not None else {}
    values, errors = _page_values(instrument, page, posted, earlier)
    answers = {**earlier, **values}
    if errors and not back:
        return PageOutcome(existing, page, answers, errors)
    next_page = _previous_page(instrument, page, answers) if back else _next_page(instrument, page, answers)
    final = next_page > last_page
    if final:
        missing = _first_incomplete_page(instrument, answers)
        if missing is not None:
            final, next_page = False, missing
    response = store_page(
        survey, form_key=usable_form_key(form_key), values=values, next_page=min(next_page, last_page),
        language=language, final=final, invitation=invitation, segments=segments, existing=existing, now=now,
    )
    return PageOutcome(response, response.page, answers)


def _page_values(instrument: Instrument, page_index: int, posted: Mapping, earlier_answers: dict) -> tuple[dict, dict]:
    """Answers posted for a page as stored values, and the messages of the answers refused.

    A question hidden by its condition is neither required nor kept; a condition on a question
    of the same page reads the answer posted with it.
    """
    values, errors = {}, {}
    answers_so_far = dict(earlier_answers)
    for element_id in instrument.pages[page_index].elements:
        element = instrument.element(element_id)
        if not instrument.visible(element_id, answers_so_far):
            values[element_id] = None
            continue
        raw = posted.get(element_id, ())
        try:
            value = element.kind.answer(element, [raw] if isinstance(raw, str) else list(raw))
        except AnswerRefused as refused:
            # A refused answer is neither stored nor converted; the page shows it again to fix.
            errors[element_id] = refused.message.translated(_)
            continue
        if value is not NOT_STORED:
            values[element_id] = value
            answers_so_far[element_id] = value
    return values, errors


def resume_page(instrument: Instrument, response: Response | None) -> int:
    """The page a respondent comes back to: where the saved response left off, else the first."""
    return min(response.page, len(instrument.pages) - 1) if response is not None else 0


class PageLayout(NamedTuple):
    """Result of :func:`page_layout`: the questions a page prints, and how many earlier pages numbered."""

    shown: frozenset[str]
    numbered_before: int


def page_layout(instrument: Instrument, page_index: int, answers: dict) -> PageLayout:
    """Which questions of a page to print, given the answers so far.

    Pages work without JavaScript, so a question that hangs on an answer given on the same page
    is printed, and only required when its condition holds once the page is sent. Questions are
    numbered through the whole questionnaire, not from 1 on every page.
    """
    page = instrument.pages[page_index]
    shown = frozenset(
        element_id for element_id in page.elements
        if _depends_on_same_page(instrument, page, element_id) or instrument.visible(element_id, answers)
    )
    numbered_before = sum(1 for earlier in instrument.pages[:page_index] for element_id in earlier.elements
                          if instrument.visible(element_id, answers))
    return PageLayout(shown, numbered_before)


def _depends_on_same_page(instrument: Instrument, page, element_id: str) -> bool:
    condition = instrument.element(element_id).condition
    return condition is not None and condition.question in page.elements


def _first_incomplete_page(instrument: Instrument, answers: dict) -> int | None:
    """The first page with a shown, required question that has no answer ("don't know" counts)."""
    for index, page in enumerate(instrument.pages):
        for element_id in page.elements:
            element = instrument.element(element_id)
            if element.required and instrument.visible(element_id, answers) and element_id not in answers:
                return index
    return None


def _next_page(instrument: Instrument, page_index: int, answers: dict) -> int:
    """The next page with something to show; past the last page means done."""
    index = page_index + 1
    while index < len(instrument.pages) and not _page_has_visible(instrument, index, answers):
        index += 1
    return index


def _previous_page(instrument: Instrument, page_index: int, answers: dict) -> int:
    """The previous page with something to show; the first page has no previous."""
    index = page_index - 1
    while index > 0 and not _page_has_visible(instrument, index, answers):
        index -= 1
    return max(index, 0)


def _page_has_visible(instrument: Instrument, index: int, answers: dict) -> bool:
    return any(instrument.visible(eid, answers) for eid in instrument.pages[index].elements)
