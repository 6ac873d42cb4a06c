"""The contact channel table: which key reaches each channel, what a complaint's consent covers,
how a message goes out, and that no channel is left without its row."""
import enum

import pytest

from survey_app.models import ContactChannel
from survey_app.services.customers import channels
from survey_app.services.customers.matching import ContactKeys
from survey_app.services.platform.labels import EnumTable


def test_a_phone_number_reaches_calls_and_sms_and_an_email_address_email():
    assert channels.reached_by(ContactKeys(phone="+8613800138000")) == [ContactChannel.SMS, ContactChannel.PHONE]
    assert channels.reached_by(ContactKeys(email="li@example.com")) == [ContactChannel.EMAIL]
    assert channels.reached_by(ContactKeys()) == []


def test_the_complaint_consent_box_covers_the_channels_its_phone_or_email_reaches():
    assert set(channels.COMPLAINT_CONSENT_CHANNELS) == {ContactChannel.SMS, ContactChannel.EMAIL, ContactChannel.PHONE}


def test_email_goes_out_through_the_mail_backend(app, mailbox):
    assert channels.send(ContactChannel.EMAIL, "li@example.com", "Hello", "Body")
    [sent] = mailbox()
    assert (sent["To"], sent["Subject"]) == ("li@example.com", "Hello")


@pytest.mark.parametrize("channel", [c for c in ContactChannel if channels.CHANNELS[c].send is None])
def test_a_channel_the_platform_does_not_send_on_is_refused(app, channel):
    with pytest.raises(ValueError):
        channels.send(channel, "+8613800138000", "Hello", "Body")


def test_a_table_missing_a_member_is_refused_when_built():
    class Colour(enum.StrEnum):
        RED = "red"
        BLUE = "blue"

    with pytest.raises(ValueError, match="blue"):
        EnumTable(Colour, {Colour.RED: "red"})


def test_a_table_is_read_by_member_or_value_and_gives_choices_in_enum_order():
    class Colour(enum.StrEnum):
        RED = "red"
        BLUE = "blue"

    table = EnumTable(Colour, {Colour.BLUE: "blue label", Colour.RED: "red label"})
    assert table["red"] == table[Colour.RED] == "red label" and table("blue") == "blue label"
    assert table.choices() == [("red", "red label"), ("blue", "blue label")]
    assert table.get("green") is None
