"""Flask commands: staff users, instruments, demo data, translations, cases, reports and API tokens."""
import json
import subprocess
import sys
from pathlib import Path

import click
import sqlalchemy as sa
from flask import Flask, current_app
from flask.cli import AppGroup
from flask_babel import force_locale

from .config import ROOT
from .demo import create_demo
from .extensions import db
from .models import StaffUser, Survey
from .services import cases, customers, surveys
from .services.errors import DomainError
from .services.platform import users as user_service
from .services.platform.api_tokens import create_token
from .services.platform.settings import settings
from .services.platform.uploads import read_csv_upload

users_cli = AppGroup("users", help="Staff accounts.")
instruments_cli = AppGroup("instruments", help="Questionnaire instruments.")
translate_cli = AppGroup("translate", help="Translation catalogues.")
cases_cli = AppGroup("cases", help="Complaint cases.")
api_tokens_cli = AppGroup("api-tokens", help="Tokens for the JSON API.")
customers_cli = AppGroup("customers", help="The customer database.")
reports_cli = AppGroup("reports", help="Satisfaction reports.")
PYBABEL = str(Path(sys.executable).parent / "pybabel")


@users_cli.command("create")
@click.argument("name")
@click.option("--role", type=click.Choice(["admin", "manager", "supervisor", "agent"]), required=True)
@click.option("--password", help="The password (or use --password-stdin).")
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input.")
@click.option("--team", default=None, help="The agent's team.")
def create_user(name, role, password, password_stdin, team):
    """Create a staff account."""
    if password_stdin:
        password = sys.stdin.readline().rstrip("\n")
    if not password:
        raise click.UsageError("Give --password or --password-stdin.")
    try:
        user = user_service.create_user(name, password, role, team)
    except DomainError as error:
        raise click.ClickException(str(error)) from None
    click.echo(f"Created {user.username} ({user.role.value}).")


@users_cli.command("settlement-limit")
@click.argument("name")
@click.argument("amount")
def settlement_limit(name, amount):
    """Set what NAME may give to settle a complaint at first contact (AMOUNT, or "default")."""
    try:
        user = user_service.set_settlement_limit(name, amount)
    except DomainError as error:
        raise click.ClickException(str(error)) from None
    shown = user.settlement_limit if user.settlement_limit is not None else "the default (FIRST_CONTACT_LIMIT)"
    click.echo(f"{user.username} may settle at first contact up to {shown}.")


@instruments_cli.command("validate")
@click.argument("paths", nargs=-1, type=click.Path(exists=True, path_type=Path))
def validate(paths):
    """Check instrument files; print every error with its file and line."""
    failed = False
    for path in paths or surveys.builtin_paths():
        errors = surveys.validate_path(path)
        for error in errors:
            click.echo(str(error), err=True)
        if errors:
            failed = True
        else:
            click.echo(f"{path}: ok")
    if failed:
        sys.exit(1)


@instruments_cli.command("load")
@click.argument("paths", nargs=-1, type=click.Path(exists=True, path_type=Path))
def load(paths):
    """Store instruments (the built-in ones by default) so surveys can be published from them."""
    try:
        versions = surveys.load_paths(list(paths) or surveys.builtin_paths())
    except surveys.InstrumentInvalid as invalid:
        for error in invalid.errors:
            click.echo(str(error), err=True)
        sys.exit(1)
    for version in versions:
        click.echo(f"{version.instrument_id} {version.version} {version.content_hash[:12]}")


@click.command("demo")
@click.option("--seed", default=2026, show_default=True)
def demo(seed):
    """Create demo accounts, surveys and responses; keeps data that exists already."""
    for line in create_demo(seed=seed):
        click.echo(line)


@customers_cli.command("import")
@click.argument("file", type=click.File("rb"))
@click.option("--format", "output", type=click.Choice(["text", "json"]), default="text", show_default=True)
def import_customers(file, output):
    """Import customers from a CSV file: name, phone, email, reference, value and segment columns."""
    try:
        upload = read_csv_upload(file.read())
        report = customers.import_customers(upload.text, region=settings().default_phone_region,
                                            encoding=upload.encoding)
    except DomainError as error:
        raise click.ClickException(str(error)) from None
    if output == "json":
        click.echo(json.dumps(report.to_dict(), ensure_ascii=False))
        return
    click.echo(f"file read as {report.encoding}")
    click.echo(f"read {report.read}, created {report.created}, matched {report.matched}, "
               f"sent to review {report.review}, rejected {len(report.rejected)}")
    for row in report.sent_to_review:
        click.echo(f"line {row.line}, sent to review: {row.reason}")
    for row in report.rejected:
        click.echo(f"line {row.line}: {row.reason}")


@translate_cli.command("compile")
def compile_translations():
    """Compile the .po catalogues into the .mo files the app reads."""
    subprocess.run([PYBABEL, "compile", "-f", "-d", str(ROOT / "translations")], check=True)


@translate_cli.command("update")
def update_translations():
    """Extract messages and merge them into every catalogue.

    Without source locations, so that a catalogue changes only where a message does; without
    fuzzy guesses, so that every new message is translated by a person."""
    pot = ROOT / "translations" / "messages.pot"
    subprocess.run([PYBABEL, "extract", "-F", "babel.cfg", "-k", "_l", "--ignore-dirs", ".* __pycache__",
                    "--no-location", "-o", str(pot), "."], check=True, cwd=ROOT)
    subprocess.run([PYBABEL, "update", "--no-fuzzy-matching", "-i", str(pot), "-d", str(ROOT / "translations")],
                   check=True)


@cases_cli.command("check-sla")
def check_sla():
    """Escalate every case whose SLA target has newly run out; run it every few minutes (cron)."""
    with force_locale(current_app.config["BABEL_DEFAULT_LOCALE"]):
        escalated = cases.escalate_breaches()
    for case in escalated:
        click.echo(f"escalated {case.reference}")
    click.echo(f"{len(escalated)} case(s) escalated.")


@reports_cli.command("rebuild-cells")
@click.argument("slugs", nargs=-1)
def rebuild_cells_command(slugs):
    """Add up the report cells of the surveys SLUGS (all surveys without any) from their responses.

    Needed after responses were loaded past the application (a bulk import); a survey whose cells
    are not ready is otherwise added up by its first report.
    """
    query = sa.select(Survey).order_by(Survey.id)
    if slugs:
        query = query.where(Survey.slug.in_(slugs))
    for survey in db.session.scalars(query).all():
        surveys.rebuild_cells(survey)
        click.echo(f"{survey.slug}: report cells rebuilt")


@cases_cli.command("recount-deadlines")
def recount_deadlines():
    """Recount the deadlines of every case not closed, after the SLA policies, the calendar days or the
    business hours changed (the queue orders by them); commits every thousand cases."""
    click.echo(f"{cases.recompute_deadlines()} case(s) recounted.")


@api_tokens_cli.command("create")
@click.argument("username")
@click.argument("name")
def create_api_token(username, name):
    """Create a token that calls the API as USERNAME; it is printed once."""
    user = db.session.scalar(sa.select(StaffUser).where(StaffUser.username == username))
    if user is None:
        raise click.ClickException(f"No staff account {username!r}.")
    click.echo(create_token(user, name))


def register(app: Flask) -> None:
    app.cli.add_command(users_cli)
    app.cli.add_command(instruments_cli)
    app.cli.add_command(translate_cli)
    app.cli.add_command(cases_cli)
    app.cli.add_command(api_tokens_cli)
    app.cli.add_command(customers_cli)
    app.cli.add_command(reports_cli)
    app.cli.add_command(demo)
