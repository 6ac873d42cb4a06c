"""Plumbing shared by result objects: JSON-safe conversion and the printable summary."""
from __future__ import annotations

import html
import math
from collections.abc import Mapping

import numpy as np
import pandas as pd


def to_builtin(value):
    """Convert numpy / pandas values to JSON-safe built-ins; NaN and infinities become None."""
    if isinstance(value, Mapping):
        return {str(k): to_builtin(v) for k, v in value.items()}
    if isinstance(value, (pd.Series, pd.DataFrame)):
        return to_builtin(value.to_dict())
    if isinstance(value, (list, tuple, np.ndarray)):
        return [to_builtin(v) for v in value]
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if isinstance(value, (int, np.integer)):
        return int(value)
    if isinstance(value, (float, np.floating)):
        value = float(value)
        return value if math.isfinite(value) else None
    return value


def pair_key(source: str, target: str) -> str:
    """The key of a directed pair in dictionaries: ``"From->To"``."""
    return f"{source}->{target}"


class Summary:
    """A titled report made of tables; built by ``summary()`` methods, printed by the caller."""

    def __init__(self, title: str, settings: Mapping[str, object],
                 tables: list[tuple[str, pd.DataFrame]]):
        self.title = title
        self.settings = dict(settings)
        self.tables = list(tables)

    def as_text(self) -> str:
        """Plain-text report."""
        lines = [self.title, "=" * len(self.title)]
        width = max((len(k) for k in self.settings), default=0)
        lines += [f"{k:<{width}}  {v}" for k, v in self.settings.items()]
        for caption, frame in self.tables:
            lines += ["", caption, "-" * len(caption),
                      frame.to_string(float_format=lambda v: f"{v:.4f}", na_rep="")]
        return "\n".join(lines) + "\n"

    def as_html(self) -> str:
        """HTML fragment with one table per section."""
        parts = [f"<h2>{html.escape(self.title)}</h2><dl>"]
        parts += [f"<dt>{html.escape(str(k))}</dt><dd>{html.escape(str(v))}</dd>"
                  for k, v in self.settings.items()]
        parts.append("</dl>")
        for caption, frame in self.tables:
            parts.append(f"<h3>{html.escape(caption)}</h3>")
            parts.append(frame.to_html(float_format=lambda v: f"{v:.4f}", na_rep=""))
        return "".join(parts)

    def _repr_html_(self) -> str:
        return self.as_html()

    def __str__(self) -> str:
        return self.as_text()
