"""What is known about each contact channel, in one row: its label, the contact key that reaches
it, whether a complaint's "you may contact me" box covers it and how a message goes out on it.
Adding a channel is its ContactChannel member (the column type needs it) and its row here."""
from collections.abc import Callable
from typing import NamedTuple

from flask_babel import lazy_gettext as _l

from ...models import ContactChannel
from ..platform import mail
from ..platform.labels import EnumTable


class ChannelRow(NamedTuple):
    label: object
    # "phone" or "email": the key of a customer (or of the contact details they leave) a message
    # on this channel is addressed to; None when neither reaches it.
    key: str | None
    # Whether ticking the complaint form's "you may contact me" box consents to follow-up on it.
    complaint_consent: bool
    # The platform's own sender; None when messages leave through the firm's SMS or WeChat tool
    # (from the invitation-link export) or a staff member's call.
    send: Callable[..., bool] | None


CHANNELS = EnumTable(ContactChannel, {
    ContactChannel.SMS: ChannelRow(_l("SMS"), key="phone", complaint_consent=True, send=None),
    ContactChannel.EMAIL: ChannelRow(_l("Email"), key="email", complaint_consent=True, send=mail.send_mail),
    ContactChannel.PHONE: ChannelRow(_l("Phone"), key="phone", complaint_consent=True, send=None),
    ContactChannel.WECHAT: ChannelRow(_l("WeChat"), key=None, complaint_consent=False, send=None),
})

COMPLAINT_CONSENT_CHANNELS = tuple(channel for channel, row in CHANNELS.items() if row.complaint_consent)


def reaches(holder, channel: ContactChannel | str) -> bool:
    """Whether ``holder`` (a customer or the contact keys someone left) has the key ``channel`` needs."""
    key = CHANNELS[channel].key
    return key is not None and bool(getattr(holder, key))


def reached_by(holder) -> list[ContactChannel]:
    """The channels ``holder``'s phone number and email address let us answer on."""
    return [channel for channel in CHANNELS if reaches(holder, channel)]


def send(channel: ContactChannel | str, to: str, subject: str, body: str,
         headers: dict[str, str] | None = None) -> bool:
    """Send a message on ``channel`` through the platform's sender; returns whether it was taken.

    :raise ValueError: for a channel whose messages the platform does not send itself.
    """
    sender = CHANNELS[channel].send
    if sender is None:
        raise ValueError(f"the platform sends nothing on {channel} itself")
    return sender(to, subject, body, headers)
