"""Exceptions and warnings raised by the analysis package.

Two families, both :class:`ValueError` so that callers catching ``ValueError`` keep working:

* :class:`ModelError` — the model itself is wrong (:class:`ModelSyntaxError` for model text,
  :class:`ModelSpecificationError` for a model that parses or comes from an instrument);
  the fix is to the model, whatever the data.
* :class:`EstimationError` — the model is valid but cannot be estimated on the data given
  (:class:`NeedsRowsError` when the data are moments and the quantity needs rows); the fix is
  to the data or to the arguments of the call.
"""


class ModelError(ValueError):
    """A model that cannot be used whatever the data: its text or its structure is wrong."""


class ModelSyntaxError(ModelError):
    """A model text that cannot be parsed; the message names the line and what to fix."""

    def __init__(self, message: str, line_number: int | None = None, line: str | None = None):
        self.line_number = line_number
        self.line = line
        if line_number is not None:
            message = f"line {line_number}: {message}" + (f": {line.strip()!r}" if line else "")
        super().__init__(message)


class ModelSpecificationError(ModelError):
    """A model that parses but is not valid (unknown constructs, cycles, empty blocks)."""


class EstimationError(ValueError):
    """A valid model that cannot be estimated on the data given.

    Too few rows, items without answers or without variation, unknown scale ends, singular
    blocks, too few bootstrap resamples fitted, NPS scores missing or out of range, data that
    are not a numeric table, moments that cannot be merged, or an unknown option value.
    """


class NeedsRowsError(EstimationError):
    """A quantity that needs individual rows was asked of a fit made from moments."""


class ConvergenceWarning(UserWarning):
    """The PLS iteration stopped at its iteration limit without reaching the tolerance."""


class NegativeWeightWarning(UserWarning):
    """An outer weight is negative, so an index built from the weights is hard to read."""
