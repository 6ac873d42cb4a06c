"""What a fit works on: the model's items, reverse-coded, with missing answers handled.

:func:`prepare` turns a table or :class:`~analysis.moments.Moments` into a :class:`Prepared`
value: the (recoded) moments, the (recoded) rows when there are rows, and the item scales used
by the 0-100 index.
"""
from __future__ import annotations

from typing import NamedTuple

import numpy as np

from .errors import EstimationError, NeedsRowsError
from .model import ModelSpec
from .moments import Moments, as_matrix

MISSING = ("mean", "casewise")


class Prepared(NamedTuple):
    """Result of :func:`prepare`."""

    moments: Moments
    rows: np.ndarray | None   # (n, p) recoded items (NaN for missing); None from moments
    n_dropped: int            # rows removed by casewise deletion
    scale: np.ndarray         # (p, 2) scale ends of each item


def prepare(data, model: ModelSpec, missing: str = "mean",
            scale: tuple[float, float] | None = None) -> Prepared:
    """Select, recode and clean the model's items.

    Parameters
    ----------
    data : DataFrame, ndarray or Moments
        Rows (a DataFrame is matched by column name, an array must hold the items in
        ``model.items`` order) or their moments.
    missing : {"mean", "casewise"}
        Mean replacement keeps every row; casewise deletion drops rows with any missing item
        and needs rows.
    scale : (min, max), optional
        Scale ends for items the model gives none for; by default the smallest and largest
        answer over all the model's items.

    Raises
    ------
    EstimationError
        Too few rows, an item without any answer, unknown or empty scales, or an unknown
        ``missing``; :class:`~analysis.errors.NeedsRowsError` for casewise deletion on moments.
    """
    if missing not in MISSING:
        raise EstimationError(f"missing must be 'mean' or 'casewise', not {missing!r}")
    rows, dropped = None, 0
    if isinstance(data, Moments):
        if missing == "casewise":
            raise NeedsRowsError("casewise deletion needs rows; moments can only be "
                                 "fitted with mean replacement")
        moments = data.select(model.items)
    else:
        _, rows = as_matrix(data, model.items)
        if missing == "casewise":
            complete = ~np.isnan(rows).any(axis=1)
            dropped = int((~complete).sum())
            rows = rows[complete]
        moments = Moments.from_rows(rows, model.items)
    if moments.n < 3:
        raise EstimationError(f"{moments.n} rows are too few to fit a model")
    empty = [i for i, count in zip(model.items, moments.counts) if count == 0]
    if empty:
        raise EstimationError(f"item(s) without any answer: {', '.join(empty)}")
    if scale is None:
        seen = np.isfinite(moments.minimum) & np.isfinite(moments.maximum)
        if not seen.all() and not model.scales:
            raise EstimationError("the ends of the item scale are unknown: give scale=(min, max)")
        scale = (float(moments.minimum[seen].min(initial=np.inf)),
                 float(moments.maximum[seen].max(initial=-np.inf)))
    ends = model.item_scale(scale)
    if np.any(ends[:, 1] <= ends[:, 0]):
        raise EstimationError("each item scale needs min < max")
    if model.reverse:
        k = [model.items.index(i) for i in model.reverse]
        moments = moments.reversed(model.reverse, ends[k, 0], ends[k, 1])
        if rows is not None:
            rows = rows.astype(float)
            rows[:, k] = ends[k, 0] + ends[k, 1] - rows[:, k]
    return Prepared(moments, rows, dropped, ends)
