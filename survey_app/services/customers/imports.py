"""Customer CSV import: every row is created, matched, sent to review or rejected with its reason.

Columns: name, phone, email, reference, the value columns (annual_spend or revenue,
first_purchase_on, purchase_count) and any other column as a segment. Importing the same file
twice creates nothing new. Rows are matched in chunks with the rules of
:func:`services.customers.resolve_customer`, with the customers a chunk can touch loaded at once.
Staff uploads run as a background job that reports its progress after every chunk. A row whose
key belongs to a customer of another name is not applied to that customer: it becomes a customer
of its own, paired with the other in the review queue, and the report says so.
"""
import csv
import io
from dataclasses import asdict, dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation

from flask_babel import force_locale
from flask_babel import gettext as _

from ...extensions import db
from ...models import Customer, DuplicateReason
from ..errors import InvalidInput
from ..platform.clock import business_day
from ..platform.jobs import JobRun, Progress, job, run_job
from ..platform.uploads import LOST_TEXT, refuse_lost_text
from .labels import DUPLICATE_REASON_LABELS, FIELD_LABELS
from .matching import (
    ContactKeys,
    CustomerLookup,
    CustomerValues,
    PendingDuplicate,
    PreloadedLookup,
    check_name,
    match_customer,
    queue_duplicates,
)

CONTACT_COLUMNS = ("name", "phone", "email", "reference")
VALUE_COLUMNS = {
    "annual_spend": "annual_spend", "revenue": "annual_spend",
    "first_purchase_on": "first_purchase_on", "first_purchase_date": "first_purchase_on",
    "purchase_count": "purchase_count", "purchases": "purchase_count",
}
CHUNK = 2000


@dataclass
class RejectedRow:
    line: int
    reason: str


@dataclass
class ImportRun:
    """The lines one run of an import job went through and stored (a retry after its worker stopped is a run more)."""

    attempt: int
    first_line: int
    # first_line - 1 until the run has stored its first chunk.
    last_line: int


@dataclass
class ReviewedRow:
    line: int
    reason: str


@dataclass
class CustomerImport:
    """Outcome of :func:`import_customers`: read = created + matched + rejected."""

    read: int = 0
    created: int = 0
    matched: int = 0
    # Rows that put a new pair of customers in the review queue (kept as a count too: reports
    # stored before the rows were listed, and the command's JSON, read it).
    review: int = 0
    rejected: list[RejectedRow] = field(default_factory=list)
    # For an import job, each of its runs in order: which lines each one stored.
    runs: list[ImportRun] = field(default_factory=list)
    sent_to_review: list[ReviewedRow] = field(default_factory=list)
    # How the file was read ("UTF-8", "GB18030"...), when it came as bytes.
    encoding: str | None = None

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict) -> "CustomerImport":
        return cls(**{**data, "rejected": [RejectedRow(**row) for row in data["rejected"]],
                      "sent_to_review": [ReviewedRow(**row) for row in data["sent_to_review"]],
                      "runs": [ImportRun(**run) for run in data["runs"]]})


@dataclass
class _Row:
    line: int
    keys: ContactKeys
    name: str | None
    segments: dict
    values: CustomerValues


def import_customers(csv_text: str, *, region: str | None = None, progress: Progress | None = None,
                     run: JobRun | None = None, encoding: str | None = None) -> CustomerImport:
    """Find or create one customer per row, calling ``progress(fraction, message)`` after each chunk.

    ``encoding`` is what :func:`services.platform.uploads.read_csv_upload` read the file as, for the report.

    Commits after every chunk, so a long import holds no write lock for long (SQLite) and its
    progress can be written beside it; after a failure, importing the file again picks up where
    it stopped, since the rows already imported only match. In a job's ``run``, each chunk
    commits with a checkpoint of the line it reached and the report so far, and a retry of the
    job skips the lines stored before and goes on with that report.

    :raise InvalidInput: when the file has no phone, email or reference column.
    """
    reader = csv.DictReader(io.StringIO(csv_text.lstrip("\ufeff")))
    reader.fieldnames = header = _columns(reader.fieldnames)
    segment_names = [name for name in header if name and name not in CONTACT_COLUMNS and name not in VALUE_COLUMNS]
    total = _count_rows(csv_text) if progress else 0
    report, resume_at = CustomerImport(encoding=encoding), 2
    if run is not None:
        if run.checkpoint:
            report, resume_at = CustomerImport.from_dict(run.checkpoint["report"]), run.checkpoint["next_line"]
        report.runs.append(ImportRun(run.attempt, resume_at, resume_at - 1))
    chunk: list[_Row] = []
    line = resume_at - 1
    for line, raw in enumerate(reader, start=2):
        if line < resume_at:
            continue  # stored by an earlier run of this job
        report.read += 1
        try:
            chunk.append(_parse(line, raw, segment_names, region))
        except InvalidInput as error:
            report.rejected.append(RejectedRow(line, str(error)))
        if len(chunk) >= CHUNK:
            _resolve_chunk(chunk, report, progress, total, run, line)
            chunk = []
    _resolve_chunk(chunk, report, progress, total, run, line)
    return report


def check_columns(csv_text: str) -> None:
    """Check a file before it is queued.

    :raise InvalidInput: when there is no phone, email or reference column to match rows on.
    """
    _columns(csv.DictReader(io.StringIO(csv_text.lstrip("\ufeff"))).fieldnames)


def _columns(names: list[str] | None) -> list[str]:
    header = [(name or "").strip().lower() for name in names or []]
    if any(LOST_TEXT in name for name in header):
        raise InvalidInput(_("The header row contains “%(mark)s”, which stands for text lost before the file was "
                             "saved: correct the column names and import it again.", mark=LOST_TEXT))
    if not set(header) & {"phone", "email", "reference"}:
        raise InvalidInput(_("The file needs a phone, email or reference column."))
    return header


@job
def import_customers_job(job_id: str, csv_text: str, region: str | None, language: str,
                         encoding: str | None = None) -> None:
    """Background job: a staff upload, with rejection reasons in the uploader's language."""

    def work(progress):
        with force_locale(language):
            return {"report": import_customers(csv_text, region=region, progress=progress,
                                               run=progress.run, encoding=encoding).to_dict()}

    run_job(job_id, work)


def _count_rows(csv_text: str) -> int:
    """Data rows as the importer counts them (blank lines are not rows; quoted cells may span lines)."""
    return max(sum(1 for row in csv.reader(io.StringIO(csv_text.lstrip("\ufeff"))) if row) - 1, 1)


def _parse(line: int, raw: dict, segment_names: list[str], region: str | None) -> _Row:
    cell = {name: (value or "").strip() for name, value in raw.items() if name is not None and isinstance(value, str)}
    refuse_lost_text(cell.values())
    keys = ContactKeys.parse(cell.get("phone"), cell.get("email"), cell.get("reference"), region)
    check_name(cell.get("name"))
    if not keys.any():
        raise InvalidInput(_("No phone, email or reference."))
    values = {}
    for column, target in VALUE_COLUMNS.items():
        if cell.get(column):
            values[target] = _value(target, cell[column])
    segments = {name: cell[name][:128] for name in segment_names if cell.get(name)}
    return _Row(line, keys, cell.get("name") or None, segments, CustomerValues(**values))


def _value(target: str, text: str):
    try:
        if target == "annual_spend":
            amount = Decimal(text.replace(",", ""))
            # Spend to the cent, not negative, within the column's 14 digits; never rounded silently.
            if not amount.is_finite() or amount.as_tuple().exponent < -2 or not 0 <= amount < Decimal("1e12"):
                raise InvalidOperation
            return amount.quantize(Decimal("0.01"))
        if target == "first_purchase_on":
            day = date.fromisoformat(text)
            if day > business_day():  # a purchase still to come is a typing error
                raise ValueError
            return day
        count = int(text)
        if not 0 <= count < 2**31:  # an INTEGER column on every database
            raise ValueError
        return count
    except (InvalidOperation, ValueError):
        labels = {"annual_spend": _("annual spend"), "first_purchase_on": _("first purchase date (YYYY-MM-DD)"),
                  "purchase_count": _("number of purchases")}
        raise InvalidInput(_("%(value)s is not a valid %(field)s.", value=text, field=labels[target])) from None


def record_customer(fields: dict, *, region: str | None = None) -> tuple[Customer, bool, bool]:
    """One customer sent through the API, by the import's rules: found or created, missing keys
    filled, values and segments set, a likely duplicate queued for review. Commits.

    Returns the customer, whether it was created and whether it went to the review queue.

    :raise InvalidInput: with ``field_errors`` naming every field to correct.
    """
    errors, text = {}, {}
    for name in (*CONTACT_COLUMNS, *VALUE_COLUMNS):
        value = fields.get(name)
        if value in (None, ""):
            continue
        if not isinstance(value, str) and (name in CONTACT_COLUMNS or isinstance(value, bool)
                                           or not isinstance(value, (int, float))):
            errors[name] = _("Must be text.") if name in CONTACT_COLUMNS else _("Must be a number or text.")
            continue
        if "\x00" in str(value) or LOST_TEXT in str(value):
            errors[name] = _("Contains a character that cannot be stored.")
            continue
        text[name] = str(value).strip()
    keys = None
    try:
        keys = ContactKeys.checked(text.get("phone"), text.get("email"), text.get("reference"), region)
    except InvalidInput as error:
        errors.update(error.field_errors)
    if keys is not None and not keys.any() and not errors:
        errors["phone"] = _("No phone, email or reference.")
    try:
        check_name(text.get("name"))
    except InvalidInput as error:
        errors["name"] = str(error)
    values = {}
    for column, target in VALUE_COLUMNS.items():
        if column in text:
            try:
                values[target] = _value(target, text[column])
            except InvalidInput as error:
                errors[column] = str(error)
    segments = fields.get("segments") or {}
    if not isinstance(segments, dict) or not all(isinstance(v, str) for v in segments.values()):
        errors["segments"] = _("Give the segments as an object of texts, e.g. {\"store\": \"north\"}.")
    if errors:
        raise InvalidInput(_("Please correct the marked fields."), errors)
    segments = {str(name)[:64]: value.strip()[:128] for name, value in segments.items() if value.strip()}
    customer, created, pending = match_customer(keys, text.get("name"), segments, CustomerValues(**values),
                                                CustomerLookup(), same_identity=True)
    db.session.flush()
    review = bool(queue_duplicates(pending))
    db.session.commit()
    return customer, created, review


def _resolve_chunk(chunk: list[_Row], report: CustomerImport, progress: Progress | None, total: int,
                   run: JobRun | None, through_line: int) -> None:
    lookup = PreloadedLookup((row.keys, row.name) for row in chunk)
    pending_by_row = []
    for row in chunk:
        _customer, created, pending = match_customer(row.keys, row.name, row.segments, row.values, lookup,
                                                     same_identity=True)
        if created:
            report.created += 1
        else:
            report.matched += 1
        pending_by_row.append((row, pending))
    db.session.flush()
    for row, pending in pending_by_row:
        queued = [item for item in pending if queue_duplicates([item])]
        if queued:
            report.review += 1
            report.sent_to_review.append(ReviewedRow(row.line, _review_reason(queued[0])))
    if run is not None:
        # In the chunk's transaction: a worker killed before the commit stored neither.
        report.runs[-1].last_line = through_line
        run.save_checkpoint({"next_line": through_line + 1, "report": report.to_dict()})
    db.session.commit()
    if progress:
        progress(report.read / total, _("%(done)d of %(total)d rows", done=report.read, total=total))


def _review_reason(pair: PendingDuplicate) -> str:
    """Why a row went to the review queue, naming the pair of customers waiting there."""
    existing, evidence = pair.first, pair.evidence
    if pair.reason is not DuplicateReason.KEY_CONFLICT:
        return _("%(why)s: %(first)s and %(second)s.", why=DUPLICATE_REASON_LABELS[pair.reason],
                 first=_named(pair.first), second=_named(pair.second))
    key = evidence["matched"][0]
    if "name" in evidence:
        return _("%(key)s %(value)s belongs to %(customer)s, but this row names %(name)s: %(customer)s was left "
                 "unchanged and the row waits in the review queue as a separate customer.",
                 key=FIELD_LABELS[key], value=getattr(existing, key), customer=_named(existing),
                 name=evidence["name"][1])
    return _("%(key)s %(value)s belongs to %(customer)s, whose reference is %(theirs)s, not %(ours)s: %(customer)s "
             "was left unchanged and the row waits in the review queue as a separate customer.",
             key=FIELD_LABELS[key], value=getattr(existing, key), customer=_named(existing),
             theirs=evidence["reference"][0], ours=evidence["reference"][1])


def _named(customer: Customer) -> str:
    return customer.name or _("customer %(id)d", id=customer.id)
