"""Bootstrap of a PLS path model: all resamples at once, from counts and per-row moments.

A resample is a vector of counts over the n rows (how often each row was drawn), so the
moments of B resamples are one matrix product ``F @ T`` of the counts F (B × n) with the table
T of per-row items and cross-products (:class:`~analysis.moments.MomentTable`). Every resample
then becomes a covariance matrix, and the whole stack is fitted by the batched PLS algorithm
(:func:`analysis.engine.estimate`), each resample leaving the stack when it converges. The
jackknife that BCa intervals need is the same with leave-one-out counts (above
:data:`JACKKNIFE_MAX` rows: leave-one-group-out over that many contiguous groups). Resamples
and rows are processed in chunks so that memory stays bounded.

Intervals
---------
*Percentile*: the α/2 and 1 − α/2 quantiles of the B replicates θ*.
*BCa* (Efron 1987): the quantiles at Φ(z₀ + (z₀ + z)/(1 − a(z₀ + z))) for z = z_{α/2},
z_{1−α/2}, with bias correction z₀ = Φ⁻¹(#{θ* < θ̂}/B) and acceleration
a = Σ(θ̄₍.₎ − θ₍ᵢ₎)³ / (6 [Σ(θ̄₍.₎ − θ₍ᵢ₎)²]^{3/2}) from the jackknife values θ₍ᵢ₎.

References
----------
Efron, B. (1987). Better bootstrap confidence intervals. *JASA* 82(397), 171-185.
Efron, B. & Tibshirani, R. J. (1993). *An introduction to the bootstrap*, ch. 14.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.special import ndtr, ndtri

from . import index as acsi
from .engine import estimate
from .errors import EstimationError, NeedsRowsError
from .model import ModelSpec
from .moments import MomentTable
from .reliability import correlation, htmt
from .results import Summary, pair_key, to_builtin

#: Above this many rows the BCa jackknife leaves out groups of rows instead of single rows.
JACKKNIFE_MAX = 1000
#: Memory for the count matrix of one chunk of resamples.
COUNT_BYTES = 64 * 2**20
#: Largest number of resamples fitted together (also the granularity of progress reports).
MAX_CHUNK = 1000

FAMILIES = ("paths", "total_effects", "weights", "loadings", "r2", "index", "impacts", "htmt")

Progress = Callable[[int, int], None]


class Statistics:
    """The bootstrapped statistics of one model, computed for stacks of covariance matrices."""

    def __init__(self, model: ModelSpec, scheme, scaled, tol, max_iter, scale):
        self.model, self.scheme, self.scaled = model, scheme, scaled
        self.tol, self.max_iter, self.scale = tol, max_iter, scale
        names = model.names
        index = {n: k for k, n in enumerate(names)}
        self.edges = [(index[a], index[b]) for a, b in model.paths]
        self.reachable = model.reachable
        reflective = [j for j, c in enumerate(model.constructs) if c.mode == "A"]
        self.htmt_pairs = [(a, b) for k, a in enumerate(reflective) for b in reflective[k + 1:]]
        self.keys = {
            "paths": [pair_key(names[i], names[j]) for i, j in self.edges],
            "total_effects": [pair_key(names[i], names[j]) for i, j in self.reachable],
            "weights": list(model.items), "loadings": list(model.items),
            "r2": [names[j] for j in model.endogenous], "index": list(names),
            "impacts": [pair_key(names[i], names[j]) for i, j in self.reachable],
            "htmt": [f"{names[i]}<->{names[j]}" for i, j in self.htmt_pairs],
        }

    def __call__(self, means: np.ndarray, cov: np.ndarray) -> tuple[dict, np.ndarray, np.ndarray]:
        """Statistics of each (means, covariance) of the stack, with failure flags.

        Returns ``(values, failed, reason)``: ``values[family]`` has shape (B, k); ``reason``
        codes 0 ok, 1 an item without variation, 2 a singular matrix, 3 no convergence.
        """
        model = self.model
        with np.errstate(divide="ignore", invalid="ignore"):
            sd = np.sqrt(np.diagonal(cov, axis1=1, axis2=2))
            constant = ~(sd > 0).all(axis=1)
            corr = correlation(cov)
            fitted = corr if self.scaled else cov
            fitted = np.where(constant[:, None, None], np.eye(len(sd[0])), fitted)
            est = estimate(fitted, model, self.scheme, self.tol, self.max_iter)
            std = est.weights if self.scaled else est.weights * sd
            raw = acsi.raw_weights(est.weights, sd, self.scaled)
            loadings = (est.item_lv / (1.0 if self.scaled else sd[:, :, None]) * model.odm).sum(2)
            unstd = acsi.unstandardised_effects(est.total, raw, cov, self.scale, model)
            table = htmt(corr, model)
            rows, cols = np.array(self.edges, dtype=int).reshape(-1, 2).T
            reach = np.array(self.reachable, dtype=int).reshape(-1, 2).T
            pairs = np.array(self.htmt_pairs, dtype=int).reshape(-1, 2).T
            values = {
                "paths": est.paths[:, rows, cols],
                "total_effects": est.total[:, reach[0], reach[1]],
                "weights": std, "loadings": loadings,
                "r2": est.r2[:, list(model.endogenous)],
                "index": acsi.indices(raw, means, self.scale, model),
                "impacts": acsi.IMPACT_POINTS * unstd[:, reach[0], reach[1]],
                "htmt": table[:, pairs[0], pairs[1]],
            }
        finite = np.all([np.isfinite(v).all(axis=1) for v in values.values()], axis=0)
        reason = np.select([constant, est.failed | ~finite, ~est.converged], [1, 2, 3], 0)
        return values, reason != 0, reason


REASONS = {1: "an item without variation", 2: "a singular matrix or a non-finite result",
           3: "no convergence within the iteration limit"}


#: Caption of each family in :meth:`BootstrapResult.summary`.
CAPTIONS = {"paths": "Paths", "total_effects": "Total effects",
            "weights": "Outer weights (standardised items)", "loadings": "Loadings", "r2": "R2",
            "index": "Index (0-100)", "impacts": "Impacts (index points for +5)",
            "htmt": "HTMT"}


@dataclass(frozen=True)
class BootstrapResult:
    """Result of :func:`bootstrap`: replicates, standard errors and intervals.

    Attributes
    ----------
    n_resamples : int
        Resamples drawn.
    failures : dict of str to int
        ``reason -> count`` of resamples left out (they did not converge or could not be fitted).
    seed : int or None
        Seed of the random generator.
    level : float
        Confidence level of the intervals.
    jackknife : str
        "leave-one-out" or "leave-one-group-out (G groups)".
    tables : dict of str to DataFrame
        ``family -> DataFrame`` indexed by key with estimate, se, ci_low, ci_high (BCa),
        pct_low, pct_high (percentile), for the families in :data:`FAMILIES`.
    replicates : dict of str to ndarray
        ``family -> ndarray`` of shape (successful resamples, keys).
    """

    n_resamples: int
    failures: dict[str, int]
    seed: int | None
    level: float
    jackknife: str
    tables: dict[str, pd.DataFrame]
    replicates: dict[str, np.ndarray]

    @property
    def n_failed(self) -> int:
        """Resamples left out."""
        return sum(self.failures.values())

    def to_dict(self) -> dict:
        """JSON-safe built-ins: each family maps key -> {estimate, se, ci_low, ci_high, ...}."""
        out = {"n_resamples": self.n_resamples, "n_failed": self.n_failed,
               "failures": self.failures, "seed": self.seed, "level": self.level,
               "interval": "bca", "jackknife": self.jackknife}
        out.update({family: table.to_dict(orient="index")
                    for family, table in self.tables.items()})
        return to_builtin(out)

    def summary(self) -> Summary:
        """A readable report: one table of estimates, standard errors and intervals per family."""
        settings = {"left out": self.n_failed,
                    **{f"left out: {reason}": count for reason, count in self.failures.items()},
                    "intervals": f"{self.level:.0%} BCa (ci_low, ci_high) and percentile "
                                 "(pct_low, pct_high)",
                    "jackknife": self.jackknife, "seed": self.seed}
        return Summary(f"Bootstrap: {self.n_resamples} resamples", settings,
                       [(CAPTIONS[family], table) for family, table in self.tables.items()])


def bootstrap(results, n_resamples: int = 5000, *, seed: int | None = None,
              level: float = 0.95, progress: Progress | None = None) -> BootstrapResult:
    """Bootstrap a fitted model: percentile and BCa intervals for its main statistics.

    Parameters
    ----------
    results : PLSResults
        A fit made from rows; its settings (scheme, scaling, missing answers, scales) are reused,
        and mean replacement is redone inside every resample.
    n_resamples : int
        Number of resamples B.
    seed : int, optional
        Seed of the random generator; the same seed gives the same resamples.
    level : float
        Confidence level of the intervals.
    progress : callable, optional
        Called as ``progress(done, total)`` after each chunk of work.

    Returns
    -------
    BootstrapResult

    Raises
    ------
    NeedsRowsError
        The fit was made from moments.
    EstimationError
        Fewer than 2 resamples asked for, or fewer than 2 could be fitted.
    """
    if not results.from_rows:
        raise NeedsRowsError("the bootstrap resamples rows; this fit was made from moments")
    if n_resamples < 2:
        raise EstimationError("the bootstrap needs at least 2 resamples")
    statistic = Statistics(results.model, results.scheme, results.scaled, results.tol,
                           results.max_iter, results.scale)
    table = MomentTable(results._rows)
    n = table.n
    rng = np.random.default_rng(seed)
    groups = min(n, JACKKNIFE_MAX)
    total_work = n_resamples + groups
    chunk = int(max(1, min(MAX_CHUNK, n_resamples, COUNT_BYTES // (8 * n))))
    full = table.total()[None]
    estimate_values, _, _ = statistic(*table.covariances(np.array([n]), full))
    parts: list[dict] = []
    reasons = []
    done = 0
    while done < n_resamples:
        size = min(chunk, n_resamples - done)
        sums = table.weighted_sums(_counts(rng, size, n))
        values, failed, reason = statistic(*table.covariances(np.full(size, n), sums))
        parts.append({k: v[~failed] for k, v in values.items()})
        reasons.append(reason[failed])
        done += size
        if progress:
            progress(done, total_work)
    jack, sizes = _jackknife(table, groups)
    jack_values, jack_failed, _ = statistic(*table.covariances(n - sizes, jack))
    if progress:
        progress(total_work, total_work)
    replicates = {k: np.concatenate([p[k] for p in parts]) for k in FAMILIES}
    codes = np.concatenate(reasons)
    failures = {REASONS[c]: int((codes == c).sum()) for c in np.unique(codes)}
    if len(codes) > n_resamples - 2:
        raise EstimationError(f"too few resamples could be fitted: {failures}")
    tables = {}
    for family in FAMILIES:
        tables[family] = _intervals(statistic.keys[family], estimate_values[family][0],
                                    replicates[family], jack_values[family][~jack_failed], level)
    kind = "leave-one-out" if groups == n else f"leave-one-group-out ({groups} groups)"
    return BootstrapResult(n_resamples, failures, seed, level, kind, tables, replicates)


def _counts(rng: np.random.Generator, size: int, n: int) -> np.ndarray:
    """Resampling counts (size × n): draw row indices and count them."""
    draws = rng.integers(0, n, size=(size, n))
    draws += (np.arange(size) * n)[:, None]
    return np.bincount(draws.ravel(), minlength=size * n).reshape(size, n).astype(float)


def _jackknife(table: MomentTable, groups: int) -> tuple[np.ndarray, np.ndarray]:
    """Table sums leaving out each of ``groups`` contiguous groups of rows, and group sizes."""
    n = table.n
    starts = np.arange(groups) * n // groups
    sizes = np.diff(np.append(starts, n))
    group_sums = np.zeros((groups, table.width))
    group_of = np.repeat(np.arange(groups), sizes)
    for rows, part in table.chunks():
        ids = group_of[rows]
        first = np.flatnonzero(np.r_[True, ids[1:] != ids[:-1]])
        group_sums[ids[first]] += np.add.reduceat(part, first, axis=0)
    return table.total()[None] - group_sums, sizes.astype(float)


def _intervals(keys, estimate, replicates, jack, level) -> pd.DataFrame:
    """Standard errors, percentile and BCa intervals for each column of the replicates."""
    b = len(replicates)
    alpha = (1 - level) / 2
    z = ndtri(np.array([alpha, 1 - alpha]))
    ordered = np.sort(replicates, axis=0)
    below = ((replicates < estimate).sum(axis=0) + 0.5 * (replicates == estimate).sum(axis=0))
    z0 = ndtri(np.clip(below / b, 1 / (b + 1), b / (b + 1)))
    d = jack.mean(axis=0) - jack
    with np.errstate(divide="ignore", invalid="ignore"):
        accel = np.nan_to_num((d ** 3).sum(axis=0) / (6 * ((d ** 2).sum(axis=0)) ** 1.5))
        shifted = z0[None] + z[:, None]
        levels = ndtr(z0[None] + shifted / (1 - accel[None] * shifted))
    bca = _quantiles(ordered, levels)
    pct = _quantiles(ordered, np.repeat([[alpha], [1 - alpha]], ordered.shape[1], axis=1))
    return pd.DataFrame({"estimate": estimate, "se": replicates.std(axis=0, ddof=1),
                         "ci_low": bca[0], "ci_high": bca[1],
                         "pct_low": pct[0], "pct_high": pct[1]}, index=keys)


def _quantiles(ordered: np.ndarray, levels: np.ndarray) -> np.ndarray:
    """Linear-interpolation quantiles of sorted columns at per-column levels (2, k)."""
    b = len(ordered)
    position = np.clip(levels, 0, 1) * (b - 1)
    low = np.floor(position).astype(int)
    high = np.minimum(low + 1, b - 1)
    frac = position - low
    cols = np.arange(ordered.shape[1])[None]
    return ordered[low, cols] * (1 - frac) + ordered[high, cols] * frac
