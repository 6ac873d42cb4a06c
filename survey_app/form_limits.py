"""A form field kept to the length the service's input dataclass declares for it, so the form
refuses (and its ``maxlength`` stops) exactly what the service would."""
from wtforms.validators import Length

from .services.platform.limits import max_length


def within(holder: type, name: str) -> Length:
    """The ``Length`` validator of field ``name`` of the dataclass ``holder``."""
    return Length(max=max_length(holder, name))
