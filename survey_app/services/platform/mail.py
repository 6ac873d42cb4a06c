"""Sending email through the backend MAIL_BACKEND names: "console" or "file" in development,
"smtp" in production."""
import logging
import smtplib
import uuid
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from pathlib import Path

from flask import current_app

log = logging.getLogger(__name__)


def _console(message: EmailMessage, config) -> None:
    log.info("mail to %s: %s\n%s", message["To"], message["Subject"], message.get_content())


def _file(message: EmailMessage, config) -> None:
    folder = Path(config["MAIL_FILE_DIR"])
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"{uuid.uuid4().hex}.eml").write_bytes(bytes(message))


def _smtp(message: EmailMessage, config) -> None:
    with smtplib.SMTP(config["SMTP_HOST"], config["SMTP_PORT"], timeout=20) as server:
        if config["SMTP_STARTTLS"]:
            server.starttls()
        if config["SMTP_USERNAME"]:
            server.login(config["SMTP_USERNAME"], config["SMTP_PASSWORD"] or "")
        server.send_message(message)


BACKENDS = {"console": _console, "file": _file, "smtp": _smtp}


def send_mail(to: str, subject: str, body: str, headers: dict[str, str] | None = None) -> bool:
    """Send a plain-text message, with any extra ``headers``; returns whether the backend took it.

    A failure is logged, not raised: the complaint it is about is already stored, and the
    customer sees the same information on the tracking page.
    """
    config = current_app.config
    message = EmailMessage()
    message["From"] = config["MAIL_FROM"]
    message["To"] = to
    message["Subject"] = subject
    message["Date"] = formatdate(localtime=False)
    message["Message-ID"] = make_msgid()
    for name, value in (headers or {}).items():
        message[name] = value
    message.set_content(body)
    backend = BACKENDS[config["MAIL_BACKEND"]]
    try:
        backend(message, config)
    except (OSError, smtplib.SMTPException):
        log.exception("could not send mail to %s", to)
        return False
    return True
