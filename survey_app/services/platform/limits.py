"""Lengths of typed text, declared once on the dataclass a service takes: the service checks them,
and the forms (validators, hence ``maxlength``) and the API read them from there."""
from dataclasses import field, fields


def limited(max_length: int, **options):
    """A text field of a service's input dataclass that takes at most ``max_length`` characters."""
    return field(metadata={"max_length": max_length}, **options)


def max_length(holder: type, name: str) -> int:
    """The most characters field ``name`` of the dataclass ``holder`` takes."""
    return next(item.metadata["max_length"] for item in fields(holder) if item.name == name)
