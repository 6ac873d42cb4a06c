"""Lengths of typed text, declared once on the dataclass a service takes: the service checks them,
and the forms (validators, hence ``maxlength``) and the API read them from there. And the largest
record id, which whatever reads an id from a link or a form checks before it reaches the database."""
from dataclasses import field, fields

# INTEGER on SQLite takes up to 2**63 - 1 but refuses a larger Python int with OverflowError;
# PostgreSQL's integer stops at 2**31 - 1. Ids are integer columns on both.
MAX_RECORD_ID = 2**31 - 1


def limited(max_length: int, **options):
    """A text field of a service's input dataclass that takes at most ``max_length`` characters."""
    return field(metadata={"max_length": max_length}, **options)


def max_length(holder: type, name: str) -> int:
    """The most characters field ``name`` of the dataclass ``holder`` takes."""
    return next(item.metadata["max_length"] for item in fields(holder) if item.name == name)
