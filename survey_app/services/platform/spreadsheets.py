"""Cells of the CSV and XLSX files the product writes, safe to open in a spreadsheet.

A customer's name, a respondent's free text or a segment value may begin like a formula
(``=HYPERLINK(...)``, ``@SUM(...)``, ``+cmd|...``): Excel and LibreOffice would run it when the
file is opened. Following OWASP's CSV injection rule, such a text gets a leading single quote, so
the spreadsheet shows it as text. Numbers the code produces (scores, counts, indices) are not text
and pass unchanged, so they stay numbers. Every CSV is written by :class:`SafeCsvWriter` and
every XLSX row goes through :func:`safe_row`.
"""
import csv
import re
from collections.abc import Iterable
from typing import TextIO

# OWASP's list: what makes a spreadsheet read a cell as a formula (tab and CR as well, since
# some spreadsheets strip them and read the character after).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")

# A phone number in E.164 form (how the customer record keeps every phone) starts with "+", but
# with digits only after it there is nothing to run: at worst a spreadsheet shows it as a number.
# It is left as it is, because the invitation export feeds an SMS tool that needs the number
# itself, not "'+86138...".
_E164 = re.compile(r"\+[1-9][0-9]{1,14}")


def safe_cell(value):
    """``value`` as a spreadsheet may open it: a text that would start a formula, quoted."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS) and not _E164.fullmatch(value):
        return "'" + value
    return value


def safe_row(values: Iterable) -> list:
    """A row of :func:`safe_cell` values, e.g. for openpyxl's ``append``.

    After it no text begins with ``=``, so openpyxl stores every text as a string, never as a
    formula.
    """
    return [safe_cell(value) for value in values]


class SafeCsvWriter:
    """``csv.writer`` whose rows go through :func:`safe_row`."""

    def __init__(self, out: TextIO):
        self._writer = csv.writer(out)

    def writerow(self, row: Iterable):
        return self._writer.writerow(safe_row(row))
