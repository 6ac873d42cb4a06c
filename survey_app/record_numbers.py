"""Record ids and versions read from URLs, query strings and forms: ASCII digits an integer column holds.

``<int:...>`` in every route is :class:`RecordIdConverter` (create_app puts it in the URL map),
``request.args.get(name, type=record_number)`` reads an id filter or a version, and
:func:`is_record_number` checks one a form sent. Python's ``int``
takes other scripts' digits ("١٢٣") and numbers no column holds, which SQLite answers with
OverflowError: both are refused here, as a page that is not found or a value that is not given.
"""
from werkzeug.routing import IntegerConverter

from .services.platform.limits import MAX_RECORD_ID

# Ten digits hold every id up to MAX_RECORD_ID; int() of a longer text is wasted work (and of
# thousands of digits Python refuses it with ValueError).
_MAX_DIGITS = len(str(MAX_RECORD_ID))


class RecordIdConverter(IntegerConverter):
    """``<int:...>`` for ids: 1 to MAX_RECORD_ID in ASCII digits; anything else is a 404."""

    regex = rf"[0-9]{{1,{_MAX_DIGITS}}}"

    def __init__(self, map, fixed_digits: int = 0, min: int = 1, max: int = MAX_RECORD_ID) -> None:
        super().__init__(map, fixed_digits=fixed_digits, min=min, max=max)


def is_record_number(text: str | None) -> bool:
    """Whether ``text`` is a record id or version: 1 to MAX_RECORD_ID in ASCII digits."""
    return bool(text) and text.isascii() and text.isdigit() and len(text) <= _MAX_DIGITS \
        and 1 <= int(text) <= MAX_RECORD_ID


def record_number(text: str) -> int:
    """A record id or version typed in a query string or a form, as ``type=`` of ``request.args.get``.

    :raise ValueError: for anything else (``get`` then gives its default).
    """
    if not is_record_number(text):
        raise ValueError(f"{text!r} is not a record number")
    return int(text)
