"""Cells a spreadsheet would run as a formula are written as text; numbers stay numbers."""
from decimal import Decimal

import pytest

from survey_app.services.platform.spreadsheets import safe_cell

# What the exports' tests store in free text, names and segments: one per character OWASP lists.
FORMULAS = ['=HYPERLINK("http://x","y")', "@SUM(1+1)", "+1+cmd|' /C calc'!A0", "-2+3+cmd|' /C calc'!A0",
            "\t=1+1", "\r=1+1"]


@pytest.mark.parametrize("text", FORMULAS)
def test_a_text_that_starts_a_formula_gets_a_quote(text):
    assert safe_cell(text) == "'" + text


@pytest.mark.parametrize("value", [7, -7, 3.5, -0.25, Decimal("-12.50"), True, None, "", "dk", "Li Lei", "a=b",
                                   "+8613800138000"])
def test_numbers_plain_text_and_a_phone_number_pass_unchanged(value):
    assert safe_cell(value) is value


@pytest.mark.parametrize("text", ["+86 138 0013 8000", "+86138-0013", "+0123", "+", "-"])
def test_anything_but_a_bare_e164_number_after_a_plus_or_minus_is_quoted(text):
    assert safe_cell(text) == "'" + text
