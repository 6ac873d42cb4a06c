"""Cells of the CSV and XLSX files the product writes, safe to open in a spreadsheet.

A customer's name, a respondent's free text or a segment value may begin like a formula
(``=HYPERLINK(...)``, ``@SUM(...)``, ``+cmd|...``): Excel and LibreOffice would run it when the
file is opened. Following OWASP's CSV injection rule, such a text gets a leading single quote, so
the spreadsheet shows it as text. Numbers the code produces (scores, counts, indices) are not text
and pass unchanged, so they stay numbers. Every CSV is written by :class:`SafeCsvWriter` and
every XLSX row goes through :func:`safe_row`.

An export may hold more rows than fit in memory: :func:`stream_csv` writes a CSV as its rows come,
and :func:`append_over_sheets` fills a write-only workbook sheet after sheet, since Excel opens no
sheet longer than :data:`SHEET_ROWS`.
"""
import csv
import io
import re
from collections.abc import Iterable, Iterator
from typing import TextIO

from openpyxl import Workbook

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


# Rows of one sheet Excel (and LibreOffice) opens, headings included.
SHEET_ROWS = 1_048_576

# A chunk of a streamed CSV, about what a server sends in one write: memory holds one of them.
_CSV_CHUNK_CHARS = 8 * 1024


def stream_csv(rows: Iterable[Iterable]) -> Iterator[bytes]:
    """``rows`` as CSV in UTF-8, in chunks written as the rows come.

    The file starts with a byte order mark, so Excel reads Chinese text as UTF-8 rather than in
    the system's code page.
    """
    buffer = io.StringIO()
    buffer.write("\ufeff")
    writer = SafeCsvWriter(buffer)
    for row in rows:
        writer.writerow(row)
        if buffer.tell() >= _CSV_CHUNK_CHARS:
            yield buffer.getvalue().encode("utf-8")
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue().encode("utf-8")


def append_over_sheets(workbook: Workbook, title: str, head: list[Iterable], rows: Iterable[Iterable]) -> None:
    """Append ``rows`` to ``workbook`` (write-only) under the ``head`` rows, on sheets ``title``,
    ``title (2)``, ``title (3)``… each at most :data:`SHEET_ROWS` rows long, each with the head repeated.
    """
    per_sheet = SHEET_ROWS - len(head)
    sheet = _start_sheet(workbook, title, head)
    sheets, left = 1, per_sheet
    for row in rows:
        if not left:
            sheets += 1
            sheet, left = _start_sheet(workbook, f"{title} ({sheets})", head), per_sheet
        sheet.append(safe_row(row))
        left -= 1


def _start_sheet(workbook: Workbook, title: str, head: list[Iterable]):
    sheet = workbook.create_sheet(title)
    for row in head:
        sheet.append(safe_row(row))
    return sheet
