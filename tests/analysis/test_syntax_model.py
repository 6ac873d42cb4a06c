"""Model text, model specification and building a model from an instrument."""
from types import SimpleNamespace

import pytest

from analysis import ModelSpecificationError, ModelSyntaxError, from_instrument, parse_model


def test_parse_blocks_modes_and_paths():
    model = parse_model("""
        # measurement
        Image =~ IMAG1 + IMAG2
        Quality <~ PERQ1 +
                   PERQ2          # continued line
        Satisfaction =~ CUSA1
        Satisfaction ~ Image + Quality
    """)
    assert model.names == ("Image", "Quality", "Satisfaction")
    assert [c.mode for c in model.constructs] == ["A", "B", "A"]
    assert model.items == ("IMAG1", "IMAG2", "PERQ1", "PERQ2", "CUSA1")
    assert model.paths == (("Image", "Satisfaction"), ("Quality", "Satisfaction"))


def test_parse_several_outcomes_on_one_line():
    model = parse_model("A =~ a1\nB =~ b1\nC =~ c1\nB + C ~ A")
    assert set(model.paths) == {("A", "B"), ("A", "C")}


@pytest.mark.parametrize("text, line, message", [
    ("A =~ a1\nB = b1\nB ~ A", 2, "unknown operator"),
    ("A =~ a1\nB b1\nB ~ A", 2, "no operator"),
    ("A =~ a1 +\n", 1, "nothing follows"),
    ("A =~ a1 + + a2\nB =~ b\nB ~ A", 1, "empty term"),
    ("A =~ 0.5*a1\nB =~ b\nB ~ A", 1, "not supported"),
    ("A =~ a1\nB =~ b1\nB ~ C", 3, "C is not a declared construct"),
    ("A =~ a1\nB =~ b1\nB ~ a1", 3, "a1 is an item of A"),
    ("A =~ a1\nB =~ a1\nB ~ A", 2, "already in block A"),
    ("A =~ a1\nA =~ a2\n", 2, "already declared on line 1"),
    ("A =~ a1\nB =~ b1\nA ~ A", 3, "itself"),
    ("A =~ a1\nB =~ b1\nB ~ A\nB ~ A", 4, "declared twice"),
    ("A + B =~ a1\n", 1, "one construct"),
    ("A =~ a1\nB =~ b 1\nB ~ A", 2, "not a valid name"),
    ("A =~ a1 ~ a2", 1, "more than one operator"),
    ("A =~\n", 1, "nothing on the right"),
])
def test_syntax_errors_name_the_line(text, line, message):
    with pytest.raises(ModelSyntaxError, match=message) as error:
        parse_model(text)
    assert error.value.line_number == line
    assert str(error.value).startswith(f"line {line}:")


def test_cycles_and_missing_paths_are_rejected():
    with pytest.raises(ModelSyntaxError, match="cycle"):
        parse_model("A =~ a\nB =~ b\nB ~ A\nA ~ B")
    with pytest.raises(ModelSyntaxError, match="no structural paths"):
        parse_model("A =~ a\nB =~ b")
    with pytest.raises(ModelSyntaxError, match="no measurement block"):
        parse_model("# nothing\n")


def _instrument():
    scale = SimpleNamespace(min=1, max=10)
    item = lambda id, construct, reverse=False: SimpleNamespace(  # noqa: E731
        id=id, construct=construct, reverse=reverse, scale=scale)
    return SimpleNamespace(
        constructs=(SimpleNamespace(id="quality", mode="formative"),
                    SimpleNamespace(id="satisfaction", mode="reflective")),
        items=(item("q1", "quality"), item("q2", "quality", reverse=True),
               item("s1", "satisfaction"), item("s2", "satisfaction"),
               item("nps", None)),
        paths=(("quality", "satisfaction"),))


def test_from_instrument_reads_modes_items_scales_and_reverse():
    model = from_instrument(_instrument())
    assert model.names == ("quality", "satisfaction")
    assert [c.mode for c in model.constructs] == ["B", "A"]
    assert model.items == ("q1", "q2", "s1", "s2")
    assert model.reverse == ("q2",)
    assert model.scales["q1"] == (1.0, 10.0) and "nps" not in model.scales
    assert model.paths == (("quality", "satisfaction"),)


def test_from_instrument_rejects_empty_constructs_and_unknown_modes():
    inst = _instrument()
    inst.constructs += (SimpleNamespace(id="loyalty", mode="reflective"),)
    with pytest.raises(ModelSpecificationError, match="without items: loyalty"):
        from_instrument(inst)
    inst = _instrument()
    inst.constructs = (SimpleNamespace(id="quality", mode="mixed"),) + inst.constructs[1:]
    with pytest.raises(ModelSpecificationError, match="unknown mode"):
        from_instrument(inst)
