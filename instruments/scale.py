"""Numeric answer scales."""
from collections.abc import Mapping
from dataclasses import dataclass

from .local_text import LocalText


@dataclass(frozen=True)
class Scale:
    """A numeric answer scale, e.g. 1–10 with anchor labels at its ends."""

    id: str
    min: int
    max: int
    labels: Mapping[int, LocalText]
    dont_know: bool = False

    @property
    def points(self) -> range:
        return range(self.min, self.max + 1)
