"""Exceptions and warnings raised by the analysis package."""


class ModelSyntaxError(ValueError):
    """A model text that cannot be parsed; the message names the line and what to fix."""

    def __init__(self, message: str, line_number: int | None = None, line: str | None = None):
        self.line_number = line_number
        self.line = line
        if line_number is not None:
            message = f"line {line_number}: {message}" + (f": {line.strip()!r}" if line else "")
        super().__init__(message)


class ModelSpecificationError(ValueError):
    """A model that parses but cannot be estimated (unknown items, cycles, empty blocks)."""


class NeedsRowsError(ValueError):
    """A quantity that needs individual rows was asked of a fit made from moments."""


class ConvergenceWarning(UserWarning):
    """The PLS iteration stopped at its iteration limit without reaching the tolerance."""


class NegativeWeightWarning(UserWarning):
    """An outer weight is negative, so an index built from the weights is hard to read."""
