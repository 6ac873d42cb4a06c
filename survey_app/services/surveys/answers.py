"""One response as staff read it: each answer with its question, on the question's own scale.

Answers are never averaged across questions: a 0–10 likelihood to recommend and a 1–5
satisfaction are different measures, and a mean of the two is neither.
"""
from dataclasses import dataclass

from flask_babel import gettext as _

from ...models import Response
from .instruments import instrument_of

# The construct whose items headline a response beside the likelihood to recommend.
HEADLINE_CONSTRUCT = "satisfaction"


@dataclass(frozen=True)
class Headline:
    """A headline measure of a response and its answers, each as (point, top of its scale)."""

    label: str
    points: tuple[tuple[int, int], ...]


@dataclass(frozen=True)
class AnswerLine:
    """A question of the questionnaire and the answer a response gives it.

    ``shown`` is how the answer reads: the chosen options' labels, the respondent's words, or the
    point of a scale (with ``top`` its highest point); None when the question was not answered.
    """

    question: str
    # The question kind's macro: "scale", "choices" or "text".
    form: str
    shown: str | None
    top: int | None = None


def headline_scores(response: Response, language: str) -> list[Headline]:
    """The likelihood to recommend and the satisfaction items a response answered, on their scales."""
    instrument = instrument_of(response.survey.instrument_version)
    answers = response.answers or {}
    headlines = []
    recommend = instrument.net_promoter_question
    if recommend is not None and isinstance(answers.get(recommend.id), int):
        headlines.append(Headline(_("NPS"), ((answers[recommend.id], recommend.scale.max),)))
    if HEADLINE_CONSTRUCT in instrument.blocks:
        points = tuple((answers[item.id], item.scale.max) for item in instrument.items_of(HEADLINE_CONSTRUCT)
                       if isinstance(answers.get(item.id), int))
        if points:
            headlines.append(Headline(instrument.construct(HEADLINE_CONSTRUCT).name.get(language), points))
    return headlines


def answer_sheet(response: Response, language: str) -> list[AnswerLine]:
    """Every question of the response's questionnaire, in page order, with its answer."""
    instrument = instrument_of(response.survey.instrument_version)
    answers = response.answers or {}
    lines = []
    for page in instrument.pages:
        for element_id in page.elements:
            element = instrument.element(element_id)
            form = element.kind.macro
            text = element.text.get(language)
            if element_id not in answers:
                lines.append(AnswerLine(text, form, None))
            elif form == "scale":
                value = answers[element_id]
                lines.append(AnswerLine(text, form, _("Don't know") if value is None else str(value),
                                        None if value is None else element.scale.max))
            elif form == "choices":
                chosen = answers[element_id] if isinstance(answers[element_id], list) else [answers[element_id]]
                labels = {option.value: option.label.get(language) for option in element.options}
                lines.append(AnswerLine(text, form, ", ".join(labels.get(str(v), str(v)) for v in chosen) or None))
            else:
                lines.append(AnswerLine(text, form, answers[element_id] or None))
    return lines
