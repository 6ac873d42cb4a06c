"""What managers download: the submitted responses, and the construct table of a report.

Responses come one row per response, one column per item, as CSV or XLSX. A cell holds the
answer, the code ``dk`` for "don't know", or nothing when the question was not shown or not
answered, so an analyst can tell a refusal to judge from a skipped question.
"""
import io
import math
import tempfile
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from itertools import chain
from pathlib import Path
from typing import IO

import sqlalchemy as sa
from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from openpyxl import Workbook

from analysis import PLSResults

from ...extensions import db
from ...models import Response, ResponseStatus, Survey, Wave
from ..platform.jobs import job, run_job
from ..platform.spreadsheets import (
    SafeCsvWriter,
    append_over_sheets,
    safe_row,
    stream_csv,
)
from ..surveys.instruments import instrument_of
from .cells import submitted_by_wave

DONT_KNOW_CODE = "dk"


# Responses read from the database per round trip: the export's memory holds one batch.
BATCH_ROWS = 1000
# Above this many responses an export is prepared as a background job with its progress, not sent
# while the browser waits: a page must end well inside the server's 30 s (`make bench-scale`
# wrote about 17,000-22,000 CSV rows and 3,800 XLSX rows a second on 2 cores, so about 5 s at these sizes).
DIRECT_ROWS = {"csv": 100_000, "xlsx": 20_000}
EXPORT_KIND = "responses_export"
# A prepared export is kept this long for its download, then removed by the next export.
KEEP_EXPORT = timedelta(days=1)
MIMETYPES = {"csv": "text/csv; charset=utf-8",
             "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}


@dataclass
class Table:
    """An export: ``rows`` are read from the database as they are iterated, once; ``codes``
    explains the codes the cells use, as (code, meaning) pairs."""

    header: list[str]
    labels: list[str] | None
    rows: Iterable[list]
    codes: list[tuple[str, str]] = field(default_factory=list)
    code_header: tuple[str, str] = ("code", "meaning")


def response_table(survey: Survey, *, labels: bool = False, language: str = "en") -> Table:
    instrument = instrument_of(survey.instrument_version)
    item_ids = list(instrument.item_ids)
    question_ids = [q.id for q in instrument.questions if q.kind.answer_column]
    segment_names = list(dict.fromkeys([*survey.segment_fields, *(q.id for q in instrument.segment_questions)]))
    header = ["response_id", "submitted_at", "wave", *segment_names, *item_ids, *question_ids]
    label_row = None
    if labels:
        asked = {q.id for q in instrument.segment_questions}
        with force_locale(language):
            leading = [_("Response number"), _("Submitted at (UTC)"), _("Wave")]
        # A segment the survey records from its links is named by the manager; one the instrument asks has its question's text.
        label_row = [*leading, *(instrument.element(name).text.get(language) if name in asked else name for name in segment_names),
                     *(instrument.element(e).text.get(language) for e in item_ids + question_ids)]
    with force_locale(language):
        codes = [(DONT_KNOW_CODE, _("Don't know: the respondent chose \"Don't know\".")),
                 ("", _("Empty: the question was not shown to the respondent, or not answered."))]
        code_header = (_("Code"), _("Meaning"))
    rows = _response_rows(survey.id, instrument, segment_names, item_ids + question_ids)
    return Table(header, label_row, rows, codes, code_header)


def _response_rows(survey_id: int, instrument, segment_names: list[str], element_ids: list[str]) -> Iterator[list]:
    """The submitted responses, in order of submission, one export row each.

    Only the columns the rows need, as plain rows streamed from the database (a server-side
    cursor on PostgreSQL): no ORM object is built and no more than a batch is held at a time.
    Nothing here reads an ORM object, since a streamed response is read after the view's
    database session has closed.
    """
    waves = dict(db.session.execute(sa.select(Wave.id, Wave.name).where(Wave.survey_id == survey_id)).all())
    query = (
        sa.select(Response.id, Response.submitted_at, Response.wave_id, Response.segments, Response.answers)
        .where(Response.survey_id == survey_id, Response.status == ResponseStatus.SUBMITTED)
        .order_by(Response.submitted_at, Response.id)
        .execution_options(yield_per=BATCH_ROWS)
    )
    for response in db.session.execute(query):
        segments, answers = response.segments or {}, response.answers or {}
        yield [
            response.id,
            response.submitted_at,
            waves.get(response.wave_id) or "",
            *(segments.get(name, "") for name in segment_names),
            *(_cell(instrument, e, answers) for e in element_ids),
        ]


def export_size(survey: Survey) -> int:
    """The number of rows a response export of the survey has, from its report cells (one read)."""
    return sum(submitted_by_wave(survey).values())


def export_file(job_id: str, fmt: str) -> Path:
    """Where the export job ``job_id`` writes its file: the instance folder, which the app and the
    worker must share."""
    return Path(current_app.instance_path) / "exports" / f"{job_id}.{fmt}"


@job
def prepare_export(job_id: str, survey_id: int, fmt: str, labels: bool, language: str) -> None:
    """Background job: write the survey's response export to :func:`export_file`, with its progress."""

    def work(progress):
        survey = db.session.get(Survey, survey_id)
        size = export_size(survey)
        table = response_table(survey, labels=labels, language=language)
        table.rows = _counted(table.rows, lambda done: progress(min(done / max(size, 1), 0.99)))
        path = export_file(job_id, fmt)
        path.parent.mkdir(parents=True, exist_ok=True)
        _remove_old_exports(path.parent)
        partial = path.with_suffix(".part")
        with partial.open("wb") as out:
            if fmt == "csv":
                out.writelines(as_csv(table))
            else:
                as_xlsx(table, out)
        partial.replace(path)  # a retry after a stopped worker never serves half a file
        return {"survey": survey.slug, "format": fmt, "rows": size}

    run_job(job_id, work)


def _counted(rows: Iterable[list], progress: Callable[[int], None], every: int = 5000) -> Iterator[list]:
    for done, row in enumerate(rows, start=1):
        if done % every == 0:
            progress(done)
        yield row


def _remove_old_exports(folder: Path) -> None:
    cutoff = (datetime.now(UTC) - KEEP_EXPORT).timestamp()
    for old in folder.iterdir():
        if old.stat().st_mtime < cutoff:
            old.unlink(missing_ok=True)


def _cell(instrument, element_id: str, answers: dict):
    """The export cell of one answer: "don't know" is stored as null under a present key."""
    if element_id not in answers or not instrument.visible(element_id, answers):
        return ""
    value = answers[element_id]
    if value is None:
        scale = getattr(instrument.element(element_id), "scale", None)
        return DONT_KNOW_CODE if getattr(scale, "dont_know", False) else ""
    if isinstance(value, list):
        return ";".join(str(v) for v in value)
    return value


def _utc(moment: datetime) -> datetime:
    """``moment`` in UTC without its zone: Excel cells have no time zone."""
    return moment.astimezone(UTC).replace(tzinfo=None) if moment.tzinfo else moment


def as_csv(table: Table) -> Iterator[bytes]:
    """The table as a CSV file (UTF-8 with a byte order mark), in chunks written as its rows are read."""
    head = [table.header, table.labels] if table.labels else [table.header]
    return stream_csv(chain(head, ([_csv_value(value) for value in row] for row in table.rows)))


def _csv_value(value):
    return value.isoformat(timespec="seconds") if isinstance(value, datetime) else value


def as_xlsx(table: Table, out: IO[bytes] | None = None) -> IO[bytes]:
    """The table as an XLSX file in ``out`` (by default a temporary file), rewound: the responses,
    over as many sheets as Excel needs to open them, then the codes. Rows go to the file as they
    are read."""
    workbook = Workbook(write_only=True)
    header = [f"{name} (UTC)" if name == "submitted_at" else name for name in table.header]
    head = [header, table.labels] if table.labels else [header]
    append_over_sheets(workbook, "responses", head,
                       ([_utc(value) if isinstance(value, datetime) else value for value in row] for row in table.rows))
    codes = workbook.create_sheet("codes")
    codes.append(safe_row(table.code_header))
    for code, meaning in table.codes:
        codes.append(safe_row([code, meaning]))
    out = out or tempfile.TemporaryFile()  # noqa: SIM115 - the view sends it, then closes it
    workbook.save(out)
    out.seek(0)
    return out


# The index CSV, for people and for scripts alike: one header row, then one row per construct in
# the model's order. Its columns stay in this order, whatever the language of the headings:
#   1 the construct's name in the reader's language (the instrument's words, never its id)
#   2 the satisfaction index, 0-100, 3 decimals
#   3 R², the share of the construct's variance its predecessors explain, 4 decimals; empty for a
#     construct no other explains (an exogenous one)
#   4 Cronbach's alpha, 5 composite reliability rho_C, 6 average variance extracted; 4 decimals
# A figure that cannot be computed is an empty cell; numbers use a decimal point, never a comma.
INDEX_COLUMNS = (_l("Construct"), _l("Index (0–100)"), _l("R² (variance explained)"), _l("Cronbach's alpha"),
                 _l("Composite reliability (rho_C)"), _l("Average variance extracted (AVE)"))


def index_csv(fit: PLSResults, names: Mapping[str, str], language: str) -> str:
    """The construct table of a fit as CSV (see ``INDEX_COLUMNS``); ``names`` are the constructs' words."""
    out = io.StringIO()
    writer = SafeCsvWriter(out)
    with force_locale(language):
        writer.writerow([str(heading) for heading in INDEX_COLUMNS])
    reliability = fit.reliability
    for construct, value in fit.index.items():
        row = reliability.loc[construct]
        writer.writerow([names.get(construct, construct), _figure(value, 3), _figure(fit.r2.get(construct), 4),
                         _figure(row["alpha"], 4), _figure(row["rho_c"], 4), _figure(row["ave"], 4)])
    return out.getvalue()


def _figure(value, digits: int):
    """A rounded figure, or an empty cell where there is none (``None`` or NaN)."""
    if value is None or math.isnan(value):
        return ""
    return round(float(value), digits)


def response_counts(survey: Survey) -> dict:
    """Submitted and in-progress responses, and submitted per wave: the submitted from the report
    cells (their sizes), the drafts by counting them."""
    drafts = db.session.scalar(sa.select(sa.func.count()).select_from(Response).where(
        Response.survey_id == survey.id, Response.status == ResponseStatus.DRAFT))
    by_wave = submitted_by_wave(survey)
    return {
        "submitted": sum(by_wave.values()),
        "drafts": drafts,
        "by_wave": {w.name: by_wave.get(w.id, 0) for w in survey.waves},
    }
