"""Question kinds: one class per kind in a read-only registry built at import (CTFd's challenge classes).

A kind knows everything particular to its questions: what its YAML entry holds, how a posted
answer becomes the stored value or why it is refused, whether it is a segment, what it adds to the
follow-up of a low score, and the form field and template macro that show it. A kind is a string
equal to its YAML name, so ``question.kind`` still reads, compares and serialises as that name.

This package imports no Flask: respondent-facing messages are catalogue ids marked with
:func:`N_`, translated by whoever shows them.
"""
from abc import ABCMeta, abstractmethod
from collections.abc import Callable, Mapping, Sequence
from types import MappingProxyType
from typing import ClassVar, NamedTuple, Protocol

from wtforms import Field, RadioField, SelectMultipleField, TextAreaField
from wtforms.widgets import CheckboxInput, ListWidget

from .local_text import LocalText
from .scale import Scale

# The form value of "don't know" on a scale; it is stored as null.
DONT_KNOW = "dk"
TEXT_LIMIT = 2000
# What a blank optional scale answer stores: no key at all, since null means "don't know".
NOT_STORED = object()


def N_(message: str) -> str:
    """Mark a message for the catalogue (one of Babel's default keywords); it is translated where shown."""
    return message


class Message(NamedTuple):
    """A message for the respondent or staff: its catalogue id and the values of its placeholders."""

    msgid: str
    params: Mapping = MappingProxyType({})

    def translated(self, gettext: Callable[..., str]) -> str:
        return gettext(self.msgid, **self.params)


class AnswerRefused(ValueError):
    """A posted answer its question does not take; ``message`` tells the respondent what to fix."""

    def __init__(self, message: Message):
        super().__init__(message.msgid)
        self.message = message


class EntryReader(Protocol):
    """What a kind needs from the instrument loader to read its YAML entry."""

    def error(self, path: tuple, message: str) -> None: ...

    def options(self, entries, path: tuple) -> list: ...


ANSWER_REQUIRED = Message(N_("Please answer this question."))
NOT_OFFERED = Message(N_("Please choose one of the answers shown."))


class QuestionKind(str, metaclass=ABCMeta):
    """The rules shared by every kind; a kind overrides what is its own."""

    name: ClassVar[str]
    macro: ClassVar[str]  # the template macro that shows an answer of this kind
    default_required: ClassVar[bool] = False
    scale: ClassVar[Scale | None] = None  # a scale the kind fixes, as NPS does
    segment: ClassVar[bool] = False  # its answer is recorded as a segment value, e.g. the store
    net_promoter: ClassVar[bool] = False  # its answers make the net promoter score

    def __new__(cls):
        return super().__new__(cls, cls.name)

    def __reduce__(self):
        # Copied or pickled, a kind is made afresh from its class: it holds no state of its own.
        return type(self), ()

    def __repr__(self) -> str:
        return f"<question kind {self.name}>"

    @property
    def answer_column(self) -> bool:
        """Whether exports give its answers a column of their own: a segment answer sits among the segments."""
        return not self.segment

    def read(self, entry: Mapping, path: tuple, reader: EntryReader) -> dict:
        """The fields of a :class:`~instruments.model.Question` this kind reads from its YAML entry."""
        return {"required": bool(entry.get("required", self.default_required)), "scale": self.scale}

    def answer(self, question, posted: Sequence[str]):
        """The value to store for what was posted, or :data:`NOT_STORED`.

        :raise AnswerRefused: when a required question is left blank, or the answer is not one it takes.
        """
        if not any(value.strip() for value in posted):
            if question.required:
                raise AnswerRefused(ANSWER_REQUIRED)
            return self.blank()
        return self.value(question, posted)

    def blank(self):
        """What a blank optional answer stores."""
        return None

    @abstractmethod
    def value(self, question, posted: Sequence[str]):
        """The stored value of an answer that is not blank; :raise AnswerRefused:."""

    def form_value(self, value):
        """A stored value as its form field shows it again."""
        return value

    @abstractmethod
    def field(self, question, language: str, gettext: Callable[[str], str]) -> Field:
        """The unbound form field of a question; ``gettext`` translates the labels it adds."""

    def follow_up_reason(self, value) -> Message | None:
        """Why this answer alone calls for a follow-up case, when it does."""
        return None

    def follow_up_comment(self, value) -> str | None:
        """What this answer adds, in the respondent's words, to a follow-up case's description."""
        return None


class ScaleAnswer(QuestionKind):
    """A point of a numeric scale, or "don't know" when the scale offers it: the items of the model."""

    name = "scale"
    macro = "scale"

    def blank(self):
        return NOT_STORED

    def value(self, question, posted):
        choice = posted[0]
        if choice == DONT_KNOW and question.scale.dont_know:
            return None
        if choice in {str(point) for point in question.scale.points}:
            return int(choice)
        raise AnswerRefused(NOT_OFFERED)

    def form_value(self, value):
        return DONT_KNOW if value is None else str(value)

    def field(self, question, language, gettext):
        choices = [(str(point), str(point)) for point in question.scale.points]
        if question.scale.dont_know:
            choices.append((DONT_KNOW, gettext(N_("Don't know"))))
        return RadioField(question.text.get(language), choices=choices)


NPS_SCALE = Scale(
    "nps", 0, 10,
    {0: LocalText({"zh": "完全不可能", "en": "Not at all likely"}), 10: LocalText({"zh": "极有可能", "en": "Extremely likely"})},
    dont_know=False,
)
DETRACTOR_MAX = 6


class NetPromoter(ScaleAnswer):
    """How likely, 0–10, the respondent is to recommend us; required unless the entry says otherwise."""

    name = "nps"
    default_required = True
    scale = NPS_SCALE
    net_promoter = True

    def follow_up_reason(self, value):
        # A detractor (0–6) is followed up whatever the other answers say.
        if isinstance(value, int) and value <= DETRACTOR_MAX:
            return Message(N_("Likelihood to recommend %(score)d of 10"), {"score": value})
        return None


class SingleChoice(QuestionKind):
    """One of the question's options."""

    name = "single"
    macro = "choices"

    def read(self, entry, path, reader):
        options = tuple(reader.options(entry.get("options") or [], (*path, "options")))
        if not options:
            reader.error(path, f"{self.name} question '{entry['id']}' needs options")
        return {**super().read(entry, path, reader), "options": options}

    def value(self, question, posted):
        if posted[0] in {option.value for option in question.options}:
            return posted[0]
        raise AnswerRefused(NOT_OFFERED)

    def field(self, question, language, gettext):
        return RadioField(question.text.get(language), choices=_choices(question, language))


class Segment(SingleChoice):
    """A choice recorded as a segment value, such as the store or the channel, to filter reports by."""

    name = "segment"
    segment = True


class MultipleChoice(SingleChoice):
    """Any of the question's options, stored as a list."""

    name = "multiple"

    def blank(self):
        return []

    def value(self, question, posted):
        offered = {option.value for option in question.options}
        if all(value in offered for value in posted):
            return list(posted)
        raise AnswerRefused(NOT_OFFERED)

    def field(self, question, language, gettext):
        return SelectMultipleField(question.text.get(language), choices=_choices(question, language),
                                   widget=ListWidget(prefix_label=False), option_widget=CheckboxInput())


class OpenText(QuestionKind):
    """The respondent's own words, up to ``max_length`` characters."""

    name = "text"
    macro = "text"

    def read(self, entry, path, reader):
        limit = entry.get("max_length", TEXT_LIMIT)
        if not isinstance(limit, int) or isinstance(limit, bool) or limit < 1:
            reader.error((*path, "max_length"), f"text question '{entry['id']}': max_length must be a whole number above 0")
            limit = TEXT_LIMIT
        return {**super().read(entry, path, reader), "max_length": limit}

    def value(self, question, posted):
        if len(posted[0]) > question.max_length:
            raise AnswerRefused(Message(N_("Please keep it under %(n)d characters."), {"n": question.max_length}))
        return posted[0].strip() or None

    def field(self, question, language, gettext):
        return TextAreaField(question.text.get(language))

    def follow_up_comment(self, value):
        return value if isinstance(value, str) else None


def _choices(question, language: str) -> list[tuple[str, str]]:
    return [(option.value, option.label.get(language)) for option in question.options]


# The kind of every item of the measurement model; YAML entries under ``items`` have no kind key.
SCALE_ITEM = ScaleAnswer()
# The kinds a YAML entry under ``questions`` may name, by name.
QUESTION_KINDS: Mapping[str, QuestionKind] = MappingProxyType(
    {kind.name: kind for kind in (SingleChoice(), MultipleChoice(), NetPromoter(), OpenText(), Segment())}
)
