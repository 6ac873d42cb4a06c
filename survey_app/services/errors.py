"""Domain errors that views turn into a message and a 4xx status."""


class DomainError(Exception):
    """A rule of the domain refused the operation; ``str(error)`` is shown to the user."""


class NotFound(DomainError):
    pass


class Conflict(DomainError):
    pass


class InvalidInput(DomainError):
    def __init__(self, message: str, field_errors: dict[str, str] | None = None):
        super().__init__(message)
        self.field_errors = field_errors or {}
