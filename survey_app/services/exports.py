"""Exports of submitted responses: one row per response, one column per item, CSV or XLSX."""
import csv
import io
from dataclasses import dataclass

import sqlalchemy as sa
from openpyxl import Workbook

from ..extensions import db
from ..models import Response, ResponseStatus, Survey
from .datasets import load_dataset
from .instruments import instrument_of


@dataclass
class Table:
    header: list[str]
    labels: list[str] | None
    rows: list[list]


def response_table(survey: Survey, *, labels: bool = False, language: str = "en") -> Table:
    instrument = instrument_of(survey.instrument_version)
    item_ids = list(instrument.item_ids)
    question_ids = [q.id for q in instrument.questions if q.kind != "segment"]
    segment_names = list(dict.fromkeys([*survey.segment_fields, *(q.id for q in instrument.segment_questions)]))
    data = load_dataset(survey, item_ids)
    header = ["response_id", "submitted_at", "wave", *segment_names, *item_ids, *question_ids]
    label_row = None
    if labels:
        label_row = ["", "", "", *segment_names,
                     *(instrument.element(e).text.get(language) for e in item_ids + question_ids)]
    rows = []
    for index, response_id in enumerate(data.response_ids):
        answers = data.answers[index]
        rows.append([
            response_id,
            data.submitted_at[index].isoformat(timespec="seconds"),
            data.waves[index] or "",
            *(data.segments[index].get(name, "") for name in segment_names),
            *("" if answers.get(i) is None else answers.get(i) for i in item_ids),
            *(_cell(answers.get(q)) for q in question_ids),
        ])
    return Table(header, label_row, rows)


def _cell(value):
    if value is None:
        return ""
    if isinstance(value, list):
        return ";".join(str(v) for v in value)
    return value


def as_csv(table: Table) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(table.header)
    if table.labels:
        writer.writerow(table.labels)
    writer.writerows(table.rows)
    return out.getvalue()


def as_xlsx(table: Table) -> bytes:
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("responses")
    sheet.append(table.header)
    if table.labels:
        sheet.append(table.labels)
    for row in table.rows:
        sheet.append(row)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def response_counts(survey: Survey) -> dict:
    """Submitted and in-progress responses, and submitted per wave."""
    by_status = dict(db.session.execute(
        sa.select(Response.status, sa.func.count()).where(Response.survey_id == survey.id).group_by(Response.status)
    ).all())
    by_wave = dict(db.session.execute(
        sa.select(Response.wave_id, sa.func.count())
        .where(Response.survey_id == survey.id, Response.status == ResponseStatus.SUBMITTED)
        .group_by(Response.wave_id)
    ).all())
    return {
        "submitted": by_status.get(ResponseStatus.SUBMITTED, 0),
        "drafts": by_status.get(ResponseStatus.DRAFT, 0),
        "by_wave": {w.name: by_wave.get(w.id, 0) for w in survey.waves},
    }
