"""Item moments: everything a PLS path model and a satisfaction index need, and they add up.

A :class:`Moments` value holds, for p items over n rows,

* ``n`` the number of rows, ``sums`` the item sums Σ xᵢ and ``cross`` the cross-product sums
  Σ xᵢxⱼ (missing answers counted as 0);
* when answers are missing, ``pair_sums`` Aᵢⱼ = Σ xᵢ and ``pair_counts`` Nᵢⱼ = Σ 1 over the rows
  where both i and j are answered.

These reproduce mean replacement exactly: with item means mᵢ = Aᵢᵢ/Nᵢᵢ, the covariance of the
mean-replaced table is

    Sᵢⱼ = (Σ xᵢxⱼ − mⱼAᵢⱼ − mᵢAⱼᵢ + mᵢmⱼNᵢⱼ) / n,

because a replaced answer sits at its item mean and adds nothing to any centred product. Every
field is a sum (or a minimum / maximum), so the moments of a union of tables are the sums of
their moments (:meth:`Moments.merge`): waves, segments, partitions and shards combine without
their rows, and a database computes them in one aggregate query.
"""
from __future__ import annotations

from collections.abc import Iterator, Sequence

import numpy as np
import pandas as pd

from .errors import EstimationError

#: Memory for the per-row moment table; larger tables are processed in chunks of rows.
CHUNK_BYTES = 256 * 2**20
#: Rows summed at a time when building moments from a table.
BLOCK_ROWS = 4096


class Moments:
    """Sums and cross-product sums of items over a set of rows.

    Parameters
    ----------
    items : sequence of str
        Item names, in the order of the arrays.
    n : int
        Number of rows.
    sums : ndarray, shape (p,)
        Σ xᵢ over the rows where item i is answered.
    cross : ndarray, shape (p, p)
        Σ xᵢxⱼ over the rows where both are answered.
    pair_sums, pair_counts : ndarray, shape (p, p), optional
        Aᵢⱼ and Nᵢⱼ as above; ``None`` when no answer is missing.
    minimum, maximum : ndarray, shape (p,), optional
        Smallest and largest answer of each item (NaN when none).

    Examples
    --------
    >>> m = Moments.from_rows(pd.DataFrame({"a": [1.0, 2.0], "b": [3.0, 5.0]}))
    >>> (m + m).n
    4
    """

    __slots__ = ("items", "n", "sums", "cross", "pair_sums", "pair_counts", "minimum", "maximum")

    def __init__(self, items, n, sums, cross, pair_sums=None, pair_counts=None,
                 minimum=None, maximum=None):
        p = len(items)
        self.items = tuple(items)
        self.n = int(n)
        self.sums = np.asarray(sums, dtype=float).reshape(p)
        self.cross = np.asarray(cross, dtype=float).reshape(p, p)
        if (pair_sums is None) != (pair_counts is None):
            raise EstimationError("pair_sums and pair_counts come together")
        self.pair_sums = None if pair_sums is None else np.asarray(pair_sums, float).reshape(p, p)
        self.pair_counts = (None if pair_counts is None
                            else np.asarray(pair_counts, float).reshape(p, p))
        nan = np.full(p, np.nan)
        self.minimum = nan if minimum is None else np.asarray(minimum, dtype=float).reshape(p)
        self.maximum = nan if maximum is None else np.asarray(maximum, dtype=float).reshape(p)
        for name in self.__slots__[2:]:
            value = getattr(self, name)
            if value is not None:
                value.flags.writeable = False

    def __setattr__(self, name, value):
        if hasattr(self, "maximum"):
            raise AttributeError("Moments are read-only")
        object.__setattr__(self, name, value)

    def __repr__(self):
        return f"Moments(n={self.n}, items={len(self.items)}, missing={self.has_missing})"

    # -- building -------------------------------------------------------------------------
    @classmethod
    def from_rows(cls, data, items: Sequence[str] | None = None) -> "Moments":
        """Moments of a table (DataFrame or 2-d array; NaN marks a missing answer)."""
        items, x = as_matrix(data, items)
        if len(x) <= BLOCK_ROWS:
            return cls._from_block(items, x.astype(float, copy=False))
        # Blocks of rows that stay in cache: converting and multiplying them one at a time is
        # faster than making a float copy of a large table first.
        return cls.merge([cls._from_block(items, x[start:start + BLOCK_ROWS].astype(float))
                          for start in range(0, len(x), BLOCK_ROWS)])

    @classmethod
    def _from_block(cls, items: tuple[str, ...], x: np.ndarray) -> "Moments":
        if not len(x):
            return cls(items, 0, np.zeros(len(items)), np.zeros((len(items),) * 2))
        observed = ~np.isnan(x)
        if observed.all():
            return cls(items, len(x), x.sum(axis=0), x.T @ x, minimum=x.min(axis=0),
                       maximum=x.max(axis=0))
        minimum = np.min(x, axis=0, initial=np.inf, where=observed)
        maximum = np.max(x, axis=0, initial=-np.inf, where=observed)
        minimum[np.isinf(minimum)] = np.nan
        maximum[np.isinf(maximum)] = np.nan
        x0 = np.where(observed, x, 0.0)
        m = observed.astype(float)
        return cls(items, len(x), x0.sum(axis=0), x0.T @ x0, x0.T @ m, m.T @ m, minimum, maximum)

    @classmethod
    def merge(cls, parts: Sequence["Moments"]) -> "Moments":
        """The moments of the union of the tables behind ``parts`` (same items, same order)."""
        parts = list(parts)
        if not parts:
            raise EstimationError("nothing to merge")
        items = parts[0].items
        if any(part.items != items for part in parts):
            raise EstimationError("moments to merge must have the same items in the same order")
        n = sum(part.n for part in parts)
        sums = np.sum([part.sums for part in parts], axis=0)
        cross = np.sum([part.cross for part in parts], axis=0)
        pair_sums = pair_counts = None
        if any(part.has_missing for part in parts):
            pair_sums = np.sum([part._pairs()[0] for part in parts], axis=0)
            pair_counts = np.sum([part._pairs()[1] for part in parts], axis=0)
        with np.errstate(invalid="ignore"):
            minimum = np.fmin.reduce([part.minimum for part in parts])
            maximum = np.fmax.reduce([part.maximum for part in parts])
        return cls(items, n, sums, cross, pair_sums, pair_counts, minimum, maximum)

    def __add__(self, other: "Moments") -> "Moments":
        return Moments.merge([self, other])

    # -- reading --------------------------------------------------------------------------
    @property
    def has_missing(self) -> bool:
        """Whether any answer is missing."""
        return self.pair_counts is not None

    def _pairs(self) -> tuple[np.ndarray, np.ndarray]:
        if self.has_missing:
            return self.pair_sums, self.pair_counts
        p = len(self.items)
        return np.repeat(self.sums[:, None], p, axis=1), np.full((p, p), float(self.n))

    @property
    def counts(self) -> np.ndarray:
        """Number of answers to each item."""
        return np.diag(self.pair_counts).copy() if self.has_missing else np.full(
            len(self.items), float(self.n))

    @property
    def means(self) -> np.ndarray:
        """Item means over the answered rows."""
        return self.sums / self.counts

    def covariance(self) -> np.ndarray:
        """Population covariance (divisor n) of the table with missing answers mean-replaced."""
        return covariance(self.n, self.sums, self.cross, self.pair_sums, self.pair_counts)

    def select(self, items: Sequence[str]) -> "Moments":
        """The moments of a subset of the items, in the given order."""
        items = tuple(items)
        if items == self.items:
            return self
        position = {name: k for k, name in enumerate(self.items)}
        unknown = [i for i in items if i not in position]
        if unknown:
            raise KeyError(f"the moments have no item(s) {', '.join(unknown)}")
        k = np.array([position[i] for i in items])
        grid = np.ix_(k, k)
        pair_sums = None if not self.has_missing else self.pair_sums[grid]
        pair_counts = None if not self.has_missing else self.pair_counts[grid]
        return Moments(items, self.n, self.sums[k], self.cross[grid], pair_sums, pair_counts,
                       self.minimum[k], self.maximum[k])

    def reversed(self, items: Sequence[str], low: Sequence[float], high: Sequence[float]
                 ) -> "Moments":
        """The moments after recoding ``x -> low + high - x`` for the given items.

        The recoding is affine, x' = c + s·x with s = −1, so every sum transforms exactly:
        Σx'ᵢx'ⱼ = cᵢcⱼNᵢⱼ + cᵢsⱼAⱼᵢ + cⱼsᵢAᵢⱼ + sᵢsⱼΣxᵢxⱼ and A'ᵢⱼ = cᵢNᵢⱼ + sᵢAᵢⱼ.
        """
        if not len(items):
            return self
        p = len(self.items)
        position = {name: k for k, name in enumerate(self.items)}
        c, s = np.zeros(p), np.ones(p)
        for item, lo, hi in zip(items, low, high):
            c[position[item]], s[position[item]] = lo + hi, -1.0
        a, counts = self._pairs()
        cross = (np.outer(c, c) * counts + c[:, None] * s[None, :] * a.T
                 + c[None, :] * s[:, None] * a + np.outer(s, s) * self.cross)
        pair_sums = c[:, None] * counts + s[:, None] * a
        sums = np.diag(pair_sums).copy()
        flipped = s < 0
        minimum = np.where(flipped, c - self.maximum, self.minimum)
        maximum = np.where(flipped, c - self.minimum, self.maximum)
        if not self.has_missing:
            return Moments(self.items, self.n, sums, cross, minimum=minimum, maximum=maximum)
        return Moments(self.items, self.n, sums, cross, pair_sums, counts, minimum, maximum)

    # -- storage --------------------------------------------------------------------------
    def to_dict(self) -> dict:
        """JSON-safe built-ins (missing extremes as None)."""
        out = {"items": list(self.items), "n": self.n, "sums": self.sums.tolist(),
               "cross": self.cross.tolist(),
               "minimum": [None if np.isnan(v) else float(v) for v in self.minimum],
               "maximum": [None if np.isnan(v) else float(v) for v in self.maximum]}
        if self.has_missing:
            out["pair_sums"] = self.pair_sums.tolist()
            out["pair_counts"] = self.pair_counts.tolist()
        return out

    @classmethod
    def from_dict(cls, data: dict) -> "Moments":
        """Inverse of :meth:`to_dict`."""
        extremes = [np.array([np.nan if v is None else v for v in data.get(key) or []], float)
                    if data.get(key) is not None else None for key in ("minimum", "maximum")]
        return cls(data["items"], data["n"], data["sums"], data["cross"], data.get("pair_sums"),
                   data.get("pair_counts"), *extremes)


def as_matrix(data, items: Sequence[str] | None = None) -> tuple[tuple[str, ...], np.ndarray]:
    """Item names and a numeric matrix (float with NaN for missing, or integer) of the items."""
    if isinstance(data, pd.DataFrame):
        items = tuple(items) if items is not None else tuple(map(str, data.columns))
        unknown = [i for i in items if i not in data.columns]
        if unknown:
            raise KeyError(f"the data have no column(s) {', '.join(unknown)}")
        if all(dtype.kind in "biuf" for dtype in data.dtypes):
            # One numeric array for the whole frame, then the item columns: much faster than
            # selecting columns first when the frame is large.
            positions = data.columns.get_indexer(items)
            return items, data.to_numpy()[:, positions]
        try:
            x = data[list(items)].to_numpy(dtype=float, na_value=np.nan)
        except (TypeError, ValueError) as error:
            raise EstimationError(f"item columns must be numeric: {error}") from None
        return items, x
    x = np.asarray(data)
    if x.dtype.kind not in "biuf":
        x = x.astype(float)
    x = x.reshape(1, -1) if x.ndim == 1 else x
    if x.ndim != 2:
        raise EstimationError("data must be a table: one row per respondent, one column per item")
    if items is None:
        items = tuple(f"x{k + 1}" for k in range(x.shape[1]))
    if len(items) != x.shape[1]:
        raise EstimationError(f"{x.shape[1]} columns for {len(items)} items")
    return tuple(items), x


def covariance(n, sums, cross, pair_sums=None, pair_counts=None) -> np.ndarray:
    """Mean-replaced population covariance from sums; works on stacks (..., p, p) too."""
    n = np.asarray(n, dtype=float)[..., None, None]
    if pair_sums is None:
        means = sums / n[..., 0]
        return cross / n - means[..., :, None] * means[..., None, :]
    means = np.diagonal(pair_sums, axis1=-2, axis2=-1) / np.diagonal(pair_counts, axis1=-2,
                                                                     axis2=-1)
    mi, mj = means[..., :, None], means[..., None, :]
    centred = (cross - mj * pair_sums - mi * np.swapaxes(pair_sums, -1, -2)
               + mi * mj * pair_counts)
    return centred / n


class MomentTable:
    """Per-row moment contributions, so that weighted row counts give moments by matrix product.

    Row r contributes its items xᵣ and the upper triangle of xᵣxᵣᵀ (and, with missing answers,
    its answered-indicators and their products). For a matrix of row counts ``F`` (B × n), the
    moments of all B weighted tables are ``F @ T`` in one product; a bootstrap resample and a
    jackknife leave-one-out are such counts. Rows are processed in chunks of at most
    :data:`CHUNK_BYTES`, so memory stays bounded whatever n.
    """

    def __init__(self, x: np.ndarray):
        self.x = x = np.asarray(x, dtype=float)
        self.n, self.p = x.shape
        self.has_missing = bool(np.isnan(x).any())
        self.upper = np.triu_indices(self.p)
        width = self.p + len(self.upper[0])
        if self.has_missing:
            width += self.p * self.p + len(self.upper[0])
        self.width = width
        self.chunk_rows = max(1, min(self.n, CHUNK_BYTES // (8 * width)))
        self._whole = self._rows(slice(0, self.n)) if self.chunk_rows >= self.n else None

    def _rows(self, rows: slice) -> np.ndarray:
        x = self.x[rows]
        i, j = self.upper
        if not self.has_missing:
            return np.concatenate([x, x[:, i] * x[:, j]], axis=1)
        m = ~np.isnan(x)
        x0 = np.where(m, x, 0.0)
        m = m.astype(float)
        pairs = (x0[:, :, None] * m[:, None, :]).reshape(len(x), -1)
        return np.concatenate([x0, x0[:, i] * x0[:, j], pairs, m[:, i] * m[:, j]], axis=1)

    def chunks(self) -> Iterator[tuple[slice, np.ndarray]]:
        """Yield ``(rows, table)`` pieces covering all rows."""
        if self._whole is not None:
            yield slice(0, self.n), self._whole
            return
        for start in range(0, self.n, self.chunk_rows):
            rows = slice(start, min(self.n, start + self.chunk_rows))
            yield rows, self._rows(rows)

    def weighted_sums(self, weights: np.ndarray) -> np.ndarray:
        """``weights @ T`` for row weights of shape (B, n), chunk by chunk."""
        out = np.zeros((weights.shape[0], self.width))
        for rows, table in self.chunks():
            out += weights[:, rows] @ table
        return out

    def total(self) -> np.ndarray:
        """Column sums of T, shape (width,)."""
        return sum(table.sum(axis=0) for _, table in self.chunks())

    def covariances(self, n, sums: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Item means and mean-replaced covariances from stacked table sums, shape (B, width)."""
        p, (i, j) = self.p, self.upper
        b = sums.shape[0]
        k = len(i)
        cross = np.empty((b, p, p))
        cross[:, i, j] = sums[:, p:p + k]
        cross[:, j, i] = sums[:, p:p + k]
        n = np.asarray(n, dtype=float)
        if not self.has_missing:
            return sums[:, :p] / n[:, None], covariance(n, sums[:, :p], cross)
        pair_sums = sums[:, p + k:p + k + p * p].reshape(b, p, p)
        counts = np.empty((b, p, p))
        counts[:, i, j] = sums[:, p + k + p * p:]
        counts[:, j, i] = counts[:, i, j]
        means = sums[:, :p] / np.diagonal(counts, axis1=1, axis2=2)
        return means, covariance(n, sums[:, :p], cross, pair_sums, counts)
