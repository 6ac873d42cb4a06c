"""Question kinds: what each reads from YAML, how a posted answer becomes the stored value, the registry."""
import textwrap

import pytest
from wtforms import Form, RadioField, SelectMultipleField, TextAreaField

from instruments import (NOT_STORED, QUESTION_KINDS, SCALE_ITEM, AnswerRefused, InstrumentInvalid, builtin_paths,
                         load_instrument, load_instrument_text)
from instruments.kinds import NPS_SCALE
from tests.instruments.test_loader import VALID

# The loader's tiny instrument with "don't know" on its scale, l1 optional, and a question of every kind.
EVERY_KIND = VALID.replace("    max: 10\n", "    max: 10\n    dont_know: true\n").replace(
    "{id: l1, construct: loyalty,", "{id: l1, construct: loyalty, required: false,") + textwrap.indent(textwrap.dedent("""\
      - id: nps
        kind: nps
        text: {zh: 推荐吗？, en: "Recommend?"}
      - id: channel
        kind: single
        text: {zh: 渠道？, en: "Channel?"}
        options:
          - {value: store, label: {zh: 门店, en: Store}}
          - {value: online, label: {zh: 网上, en: Online}}
      - id: bought
        kind: multiple
        text: {zh: 买了什么？, en: "Bought?"}
        options:
          - {value: food, label: {zh: 食品, en: Food}}
          - {value: tools, label: {zh: 工具, en: Tools}}
      - id: store
        kind: segment
        required: true
        text: {zh: 哪家店？, en: "Which store?"}
        options:
          - {value: north, label: {zh: 北店, en: North}}
      - id: short
        kind: text
        max_length: 10
        text: {zh: 一句话？, en: "In a word?"}
    """), "  ")


@pytest.fixture(scope="module")
def instrument():
    return load_instrument_text(EVERY_KIND, source="kinds.yaml")


def line_of(text: str, fragment: str) -> int:
    return next(n for n, line in enumerate(text.splitlines(), 1) if fragment in line)


def errors_of(text: str) -> list[tuple[int, str]]:
    with pytest.raises(InstrumentInvalid) as invalid:
        load_instrument_text(text, source="kinds.yaml")
    return [(e.line, e.message) for e in invalid.value.errors]


def test_each_kind_reads_its_own_fields_from_yaml(instrument):
    why, nps, channel, bought, store, short = instrument.questions
    assert nps.required and nps.scale == NPS_SCALE and (nps.scale.min, nps.scale.max) == (0, 10)
    assert not channel.required and [o.value for o in channel.options] == ["store", "online"]
    assert store.required and store.kind.segment and not store.kind.answer_column
    assert (short.max_length, why.max_length) == (10, 2000)
    assert instrument.item("q1").kind is SCALE_ITEM
    assert instrument.segment_questions == (store,)
    assert instrument.net_promoter_question is nps


@pytest.mark.parametrize("element_id, posted, stored", [
    ("q1", ["4"], 4),
    ("q1", ["dk"], None),  # "don't know" is stored as null
    ("l1", [""], NOT_STORED),  # left blank: no key, since null would say "don't know"
    ("nps", ["0"], 0),
    ("nps", ["10"], 10),
    ("channel", ["online"], "online"),
    ("channel", [], None),
    ("bought", ["food", "tools"], ["food", "tools"]),
    ("bought", [], []),
    ("store", ["north"], "north"),
    ("short", ["  slow "], "slow"),
    ("why", ["   "], None),
])
def test_a_posted_answer_becomes_its_stored_value(instrument, element_id, posted, stored):
    element = instrument.element(element_id)
    assert element.kind.answer(element, posted) == stored


@pytest.mark.parametrize("element_id, posted, msgid", [
    ("q1", [""], "Please answer this question."),
    ("nps", [], "Please answer this question."),
    ("store", [" "], "Please answer this question."),
    ("q1", ["11"], "Please choose one of the answers shown."),
    ("nps", ["dk"], "Please choose one of the answers shown."),  # the NPS scale offers no "don't know"
    ("nps", ["11"], "Please choose one of the answers shown."),
    ("channel", ["<script>"], "Please choose one of the answers shown."),
    ("bought", ["food", "cars"], "Please choose one of the answers shown."),
    ("short", ["x" * 11], "Please keep it under %(n)d characters."),
])
def test_an_answer_the_question_does_not_take_is_refused_with_a_message(instrument, element_id, posted, msgid):
    element = instrument.element(element_id)
    with pytest.raises(AnswerRefused) as refused:
        element.kind.answer(element, posted)
    assert refused.value.message.msgid == msgid
    assert refused.value.message.translated(lambda text, **params: text % params if params else text)


def test_a_stored_value_shows_again_as_the_form_value(instrument):
    q1, why = instrument.element("q1"), instrument.element("why")
    assert (q1.kind.form_value(7), q1.kind.form_value(None)) == ("7", "dk")
    assert why.kind.form_value("slow") == "slow"


def test_each_kind_gives_its_form_field(instrument):
    fields = {e.id: e.kind.field(e, "en", lambda text: f"<{text}>") for e in (*instrument.items, *instrument.questions)}
    form = type("KindsForm", (Form,), fields)()
    assert isinstance(form.q1, RadioField) and form.q1.choices[-1] == ("dk", "<Don't know>")
    assert [value for value, _label in form.nps.choices] == [str(point) for point in range(11)]
    assert form.channel.choices == [("store", "Store"), ("online", "Online")]
    assert isinstance(form.bought, SelectMultipleField) and 'type="checkbox"' in str(form.bought)
    assert isinstance(form.why, TextAreaField)
    assert {e.kind.macro for e in (*instrument.items, *instrument.questions)} == {"scale", "choices", "text"}


def test_a_detractor_and_an_open_comment_feed_the_follow_up(instrument):
    nps, why = instrument.element("nps"), instrument.element("why")
    reason = nps.kind.follow_up_reason(6)
    assert reason.msgid == "Likelihood to recommend %(score)d of 10" and reason.params == {"score": 6}
    assert nps.kind.follow_up_reason(7) is None and nps.kind.follow_up_reason(None) is None
    assert why.kind.follow_up_reason("bad") is None and why.kind.follow_up_comment("bad") == "bad"
    assert nps.kind.follow_up_comment(3) is None and why.kind.follow_up_comment(None) is None


def test_the_registry_has_every_kind_the_builtin_instruments_use():
    used = {question.kind.name for path in builtin_paths() for question in load_instrument(path).questions}
    assert used and used <= set(QUESTION_KINDS)
    assert set(QUESTION_KINDS) == {"single", "multiple", "nps", "text", "segment"}
    assert all(kind == name for name, kind in QUESTION_KINDS.items())


def test_the_registry_is_read_only():
    with pytest.raises(TypeError):
        QUESTION_KINDS["essay"] = QUESTION_KINDS["text"]


@pytest.mark.parametrize("kind", ["essay", "[text]", "scale"])
def test_a_kind_missing_from_the_registry_is_a_load_error_on_its_line(kind):
    text = EVERY_KIND.replace("kind: single", f"kind: {kind}")
    shown = "['text']" if kind == "[text]" else repr(kind)
    message = f"question 'channel' has unknown kind {shown}; use one of single, multiple, nps, text, segment"
    assert (line_of(text, f"kind: {kind}"), message) in errors_of(text)
    with pytest.raises(InstrumentInvalid, match=rf"kinds\.yaml:{line_of(text, f'kind: {kind}')}: question 'channel'"):
        load_instrument_text(text, source="kinds.yaml")


def test_a_choice_kind_without_options_is_a_load_error():
    text = EVERY_KIND + '  - {id: till, kind: segment, text: {zh: 收银台？, en: "Till?"}}\n'
    assert (len(text.splitlines()), "segment question 'till' needs options") in errors_of(text)


@pytest.mark.parametrize("limit", ["0", "many", "true"])
def test_a_text_limit_that_is_not_a_positive_whole_number_is_a_load_error(limit):
    text = EVERY_KIND.replace("max_length: 10", f"max_length: {limit}")
    message = "text question 'short': max_length must be a whole number above 0"
    assert (line_of(text, "max_length"), message) in errors_of(text)
