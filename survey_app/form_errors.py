"""A service's refusal shown on the form the person filled in."""
from flask import flash

from .services.errors import InvalidInput


def show_field_errors(form, error: InvalidInput) -> None:
    """Put the service's messages next to their fields; a field the form refused already keeps
    its own message (one message a field, the form's first). What names no field of this form
    is flashed, so no refusal goes unsaid."""
    unplaced = False
    for name, message in error.field_errors.items():
        if name in form:
            if not form[name].errors:
                form[name].errors = [message]
        else:
            unplaced = True
    if unplaced or not error.field_errors:
        flash(str(error), "error")
