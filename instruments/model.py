"""Immutable values that describe a questionnaire: conditions, constructs, items, questions, pages."""
from collections.abc import Mapping
from dataclasses import dataclass, field

from .kinds import SCALE_ITEM, QuestionKind
from .local_text import LocalText
from .scale import Scale


@dataclass(frozen=True)
class Condition:
    """Show an element only when the answer to ``question`` is one of ``values`` or within [min, max]."""

    question: str
    values: tuple = ()
    min: int | None = None
    max: int | None = None

    def matches(self, answer) -> bool:
        if answer is None or answer == "" or answer == []:
            return False
        answers = answer if isinstance(answer, list) else [answer]
        for value in answers:
            if self.values and (value in self.values or str(value) in {str(v) for v in self.values}):
                return True
            if (self.min is not None or self.max is not None) and isinstance(value, (int, float)):
                if (self.min is None or value >= self.min) and (self.max is None or value <= self.max):
                    return True
        return False


@dataclass(frozen=True)
class Construct:
    id: str
    name: LocalText
    mode: str = "reflective"  # or "formative"


@dataclass(frozen=True)
class Item:
    """A scaled question that measures one construct."""

    id: str
    construct: str
    text: LocalText
    scale: Scale
    required: bool = True
    reverse: bool = False
    condition: Condition | None = None

    @property
    def kind(self) -> QuestionKind:
        """Every item is answered on its scale."""
        return SCALE_ITEM


@dataclass(frozen=True)
class Option:
    value: str
    label: LocalText


@dataclass(frozen=True)
class Question:
    """A question outside the measurement model: choice, NPS, open text or a segment such as store."""

    id: str
    kind: QuestionKind  # an entry of instruments.kinds.QUESTION_KINDS
    text: LocalText
    options: tuple[Option, ...] = ()
    required: bool = False
    condition: Condition | None = None
    max_length: int | None = None
    scale: Scale | None = None


@dataclass(frozen=True)
class Page:
    id: str
    title: LocalText
    elements: tuple[str, ...]


@dataclass(frozen=True)
class Instrument:
    """A validated questionnaire with its measurement and structural model.

    ``content_hash`` is the SHA-256 of the canonical JSON of the document, so equal content
    has an equal hash whatever its YAML layout; surveys pin it.
    """

    id: str
    version: str
    title: LocalText
    introduction: LocalText
    languages: tuple[str, ...]
    scales: Mapping[str, Scale]
    constructs: tuple[Construct, ...]
    items: tuple[Item, ...]
    paths: tuple[tuple[str, str], ...]
    questions: tuple[Question, ...]
    pages: tuple[Page, ...]
    content_hash: str
    source: str | None = None
    document: Mapping = field(default_factory=dict, repr=False, compare=False)

    def __post_init__(self):
        elements = {e.id: e for e in (*self.items, *self.questions)}
        object.__setattr__(self, "_elements", elements)

    def element(self, element_id: str) -> Item | Question:
        return self._elements[element_id]

    def item(self, item_id: str) -> Item:
        element = self._elements[item_id]
        if not isinstance(element, Item):
            raise KeyError(item_id)
        return element

    def question(self, question_id: str) -> Question:
        element = self._elements[question_id]
        if not isinstance(element, Question):
            raise KeyError(question_id)
        return element

    def construct(self, construct_id: str) -> Construct:
        for construct in self.constructs:
            if construct.id == construct_id:
                return construct
        raise KeyError(construct_id)

    def items_of(self, construct_id: str) -> tuple[Item, ...]:
        return tuple(item for item in self.items if item.construct == construct_id)

    @property
    def blocks(self) -> dict[str, list[str]]:
        return {c.id: [i.id for i in self.items_of(c.id)] for c in self.constructs}

    @property
    def item_ids(self) -> tuple[str, ...]:
        return tuple(item.id for item in self.items)

    @property
    def segment_questions(self) -> tuple[Question, ...]:
        return tuple(q for q in self.questions if q.kind.segment)

    @property
    def net_promoter_question(self) -> Question | None:
        """The "how likely are you to recommend us" question, when the instrument asks it."""
        return next((q for q in self.questions if q.kind.net_promoter), None)

    def visible(self, element_id: str, answers: Mapping[str, object]) -> bool:
        condition = self._elements[element_id].condition
        return condition is None or condition.matches(answers.get(condition.question))

    def to_dict(self) -> dict:
        """The parsed document, which :func:`load_instrument_text` reads back to an equal instrument."""
        import copy

        return copy.deepcopy(dict(self.document))
