"""Loading and validating instruments: the built-ins, every error kind with its line, hashes, conditions."""
import json
import textwrap

import pytest

from instruments import (InstrumentInvalid, builtin_paths, load_builtin, load_instrument_text, validate_path)

BUILTINS = ["acsi", "ecsi", "ccsi", "nps-pulse", "complaint-handling", "retail-store"]

VALID = textwrap.dedent("""\
    id: tiny
    version: "1"
    title: {zh: 小问卷, en: Tiny}
    scales:
      - id: ten
        min: 1
        max: 10
        labels:
          1: {zh: 差, en: Poor}
          10: {zh: 好, en: Good}
    constructs:
      - id: quality
        name: {zh: 质量, en: Quality}
      - id: loyalty
        name: {zh: 忠诚, en: Loyalty}
    items:
      - {id: q1, construct: quality, scale: ten, text: {zh: 质量？, en: "Quality?"}}
      - {id: l1, construct: loyalty, scale: ten, text: {zh: 再来？, en: "Again?"}}
    paths:
      - quality -> loyalty
    questions:
      - id: why
        kind: text
        when: {question: l1, max: 4}
        text: {zh: 为什么？, en: "Why?"}
    """)


def errors_of(text: str) -> list[tuple[int, str]]:
    with pytest.raises(InstrumentInvalid) as invalid:
        load_instrument_text(text, source="test.yaml")
    return [(e.line, e.message) for e in invalid.value.errors]


@pytest.mark.parametrize("instrument_id", BUILTINS)
def test_builtin_instruments_load_complete_in_both_languages(instrument_id):
    instrument = load_builtin(instrument_id)
    assert instrument.id == instrument_id
    for element in (*instrument.items, *instrument.questions):
        assert element.text.get("zh").strip() and element.text.get("en").strip()
        assert element.text["zh"] != element.text["en"]
    assert instrument.title["zh"] and instrument.title["en"]
    assert sorted(p.stem for p in builtin_paths()) == sorted(BUILTINS)


def test_acsi_has_the_six_constructs_and_nine_paths():
    acsi = load_builtin("acsi")
    assert [c.id for c in acsi.constructs] == ["expectations", "quality", "value", "satisfaction", "complaints", "loyalty"]
    assert len(acsi.paths) == 9 and ("satisfaction", "loyalty") in acsi.paths
    assert all(item.scale.min == 1 and item.scale.max == 10 for item in acsi.items)


def test_valid_text_loads_with_default_pages():
    instrument = load_instrument_text(VALID)
    assert [p.id for p in instrument.pages] == ["quality", "loyalty", "more"]
    assert instrument.blocks == {"quality": ["q1"], "loyalty": ["l1"]}


def test_condition_shows_question_only_when_the_answer_matches():
    instrument = load_instrument_text(VALID)
    assert instrument.visible("why", {"l1": 3})
    assert not instrument.visible("why", {"l1": 8})
    assert not instrument.visible("why", {})


def test_content_hash_ignores_layout_and_follows_content():
    instrument = load_instrument_text(VALID)
    as_json = load_instrument_text(json.dumps(instrument.to_dict()))
    assert as_json.content_hash == instrument.content_hash and as_json == instrument
    changed = load_instrument_text(VALID.replace("Tiny", "Small"))
    assert changed.content_hash != instrument.content_hash


def test_unknown_construct_is_reported_on_its_line():
    text = VALID.replace("{id: l1, construct: loyalty,", "{id: l1, construct: loyality,")
    assert (18, "item 'l1' refers to unknown construct 'loyality'") in errors_of(text)


def test_duplicate_id_is_reported():
    text = VALID.replace("{id: l1,", "{id: q1,")
    errors = errors_of(text)
    assert any(line == 18 and "duplicate id 'q1'" in message for line, message in errors)


def test_cycle_in_paths_is_reported():
    text = VALID.replace("  - quality -> loyalty\n", "  - quality -> loyalty\n  - loyalty -> quality\n")
    assert any("cycle" in message and "quality" in message for _, message in errors_of(text))


def test_missing_translation_is_reported_on_its_line():
    text = VALID.replace('{zh: 再来？, en: "Again?"}', '{en: "Again?"}')
    assert (18, "missing zh translation of 'text'") in errors_of(text)


def test_construct_without_items_is_reported():
    text = VALID.replace("items:\n", "  - id: value\n    name: {zh: 价值, en: Value}\nitems:\n")
    assert any("construct 'value' has no items" in message for _, message in errors_of(text))


@pytest.mark.parametrize("change, expected", [
    ("    min: 1\n", "min 11 must be below max 10"),
    ("      10: {zh: 好, en: Good}\n", "needs an anchor label for 10"),
])
def test_bad_scale_is_reported(change, expected):
    replacement = "    min: 11\n" if change.startswith("    min") else "      12: {zh: 好, en: Good}\n"
    messages = [m for _, m in errors_of(VALID.replace(change, replacement))]
    assert any(expected in m for m in messages), messages


def test_condition_on_unknown_question_is_reported():
    text = VALID.replace("when: {question: l1, max: 4}", "when: {question: nothing, max: 4}")
    assert any("depends on unknown question 'nothing'" in m for _, m in errors_of(text))


def test_all_errors_are_collected_not_just_the_first():
    text = VALID.replace("construct: loyalty,", "construct: nowhere,").replace("kind: text", "kind: essay")
    assert len(errors_of(text)) >= 3


def test_validate_path_returns_errors_with_file_and_line(tmp_path):
    path = tmp_path / "broken.yaml"
    path.write_text(VALID.replace("scale: ten, text: {zh: 再来", "scale: five, text: {zh: 再来"))
    errors = validate_path(path)
    assert errors and str(errors[0]).startswith(f"{path}:18: ")
    assert validate_path(builtin_paths()[0]) == []


def test_not_yaml_is_reported_with_line():
    assert errors_of("id: x\ntitle: {zh: [\n")[0][0] >= 2
