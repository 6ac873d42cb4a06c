"""Sending email through the backend MAIL_BACKEND names: "console" or "file" in development,
"smtp" in production."""
import logging
import smtplib
import uuid
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from pathlib import Path

from .settings import MailSettings, settings

log = logging.getLogger(__name__)


def _console(message: EmailMessage, config: MailSettings) -> None:
    log.info("mail to %s: %s\n%s", message["To"], message["Subject"], message.get_content())


def _file(message: EmailMessage, config: MailSettings) -> None:
    folder = Path(config.file_dir)
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"{uuid.uuid4().hex}.eml").write_bytes(bytes(message))


def _smtp(message: EmailMessage, config: MailSettings) -> None:
    with smtplib.SMTP(config.smtp_host, config.smtp_port, timeout=20) as server:
        if config.smtp_starttls:
            server.starttls()
        if config.smtp_username:
            server.login(config.smtp_username, config.smtp_password or "")
        server.send_message(message)


BACKENDS = {"console": _console, "file": _file, "smtp": _smtp}


def send_mail(to: str, subject: str, body: str, headers: dict[str, str] | None = None) -> bool:
    """Send a plain-text message, with any extra ``headers``; returns whether the backend took it.

    A failure is logged, not raised: the complaint it is about is already stored, and the
    customer sees the same information on the tracking page.
    """
    config = settings().mail
    message = EmailMessage()
    message["From"] = config.sender
    message["To"] = to
    message["Subject"] = subject
    message["Date"] = formatdate(localtime=False)
    message["Message-ID"] = make_msgid()
    for name, value in (headers or {}).items():
        message[name] = value
    message.set_content(body)
    backend = BACKENDS[config.backend]
    try:
        backend(message, config)
    except (OSError, smtplib.SMTPException):
        log.exception("could not send mail to %s", to)
        return False
    return True
