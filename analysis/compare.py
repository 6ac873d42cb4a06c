"""Two groups or waves compared: index differences and path differences.

* Index: each group is bootstrapped on its own (independent resamples); the interval of the
  difference I_b − I_a is the percentile interval of the differences of the replicates.
* Paths: a permutation test (Chin & Dibbern 2010). The two groups' rows are pooled and the
  group labels shuffled K times; each shuffle's two groups are fitted from their moments,
  which come for all K shuffles at once from the pooled per-row moment table, and the p-value
  of a path is (1 + #{|d*| ≥ |d|}) / (K + 1) for the observed difference d.

References
----------
Chin, W. W. & Dibbern, J. (2010). An introduction to a permutation based procedure for
multi-group PLS analysis. In *Handbook of Partial Least Squares*, 171-193. Springer.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from .bootstrap import Statistics, bootstrap
from .errors import NeedsRowsError
from .moments import MomentTable
from .pls import fit_model
from .results import Summary, to_builtin


@dataclass(frozen=True)
class ComparisonResult:
    """Result of :func:`compare_groups`.

    Attributes
    ----------
    groups : (str, str)
        Names of groups a and b; differences are b − a.
    index : DataFrame
        Per construct: a, b, difference, ci_low, ci_high (percentile interval of the
        difference of the two groups' bootstrap replicates).
    paths : DataFrame
        Per path ("From->To"): a, b, difference, p_value (permutation test).
    n_resamples : int
        Bootstrap resamples per group for the index intervals.
    n_permutations : int
        Label shuffles of the path test.
    level : float
        Confidence level of the index intervals.
    seed : int or None
        Seed of the random generator.
    """

    groups: tuple[str, str]
    index: pd.DataFrame
    paths: pd.DataFrame
    n_resamples: int
    n_permutations: int
    level: float
    seed: int | None

    def to_dict(self) -> dict:
        """JSON-safe built-ins."""
        return to_builtin({"groups": list(self.groups), "n_resamples": self.n_resamples,
                           "n_permutations": self.n_permutations, "level": self.level,
                           "seed": self.seed, "index": self.index.to_dict(orient="index"),
                           "paths": self.paths.to_dict(orient="index")})

    def summary(self) -> Summary:
        """A readable report: index differences with intervals, path differences with p-values."""
        a, b = self.groups
        named = {"a": a, "b": b}
        settings = {"groups": f"a = {a}, b = {b} (differences b - a)",
                    "bootstrap resamples per group": self.n_resamples,
                    "permutations": self.n_permutations, "seed": self.seed}
        return Summary(f"Comparison of {a} and {b}", settings, [
            (f"Index (0-100): difference with its {self.level:.0%} percentile interval",
             self.index.rename(columns=named)),
            ("Paths: difference with its permutation p-value", self.paths.rename(columns=named)),
        ])


def compare_groups(data_a, data_b, model, *, names: tuple[str, str] = ("a", "b"),
                   n_resamples: int = 1000, n_permutations: int = 1000,
                   seed: int | None = None, level: float = 0.95, **fit_options
                   ) -> ComparisonResult:
    """Compare the indices and paths of two groups (segments, waves) under one model.

    Parameters
    ----------
    data_a, data_b : DataFrame or ndarray
        The rows of each group.
    model : ModelSpec or str
    names : (str, str)
        Names of the two groups in the result.
    n_resamples : int
        Bootstrap resamples per group for the index differences.
    n_permutations : int
        Label shuffles for the path test.
    seed : int, optional
        Seed of the random generator; the same seed gives the same result.
    level : float
        Confidence level of the index intervals.
    fit_options
        Passed to :func:`~analysis.pls.fit_model` (scheme, scaled, missing, scale, ...).

    Returns
    -------
    ComparisonResult

    Raises
    ------
    EstimationError
        Either group cannot be fitted or bootstrapped (see :func:`~analysis.pls.fit_model`
        and :func:`~analysis.bootstrap.bootstrap`).
    """
    rng = np.random.default_rng(seed)
    a = fit_model(data_a, model, **fit_options)
    # Both groups use group a's scale ends, so their indices are on the same footing.
    options = {**fit_options, "scale": (float(a.scale[:, 0].min()), float(a.scale[:, 1].max()))}
    b = fit_model(data_b, a.model, **options)
    seeds = rng.integers(1 << 62, size=3)
    boot_a = bootstrap(a, n_resamples, seed=int(seeds[0]), level=level)
    boot_b = bootstrap(b, n_resamples, seed=int(seeds[1]), level=level)
    index = _index_difference(a, b, boot_a, boot_b, level)
    paths = _permutation_test(a, b, n_permutations, np.random.default_rng(seeds[2]))
    return ComparisonResult(tuple(names), index, paths, n_resamples, n_permutations, level, seed)


def _index_difference(a, b, boot_a, boot_b, level) -> pd.DataFrame:
    k = min(len(boot_a.replicates["index"]), len(boot_b.replicates["index"]))
    diff = boot_b.replicates["index"][:k] - boot_a.replicates["index"][:k]
    alpha = (1 - level) / 2
    low, high = np.quantile(diff, [alpha, 1 - alpha], axis=0)
    return pd.DataFrame({"a": a.index, "b": b.index, "difference": b.index - a.index,
                         "ci_low": low, "ci_high": high})


def _permutation_test(a, b, n_permutations, rng) -> pd.DataFrame:
    if not (a.from_rows and b.from_rows):
        raise NeedsRowsError("the permutation test needs the rows of both groups")
    statistic = Statistics(a.model, a.scheme, a.scaled, a.tol, a.max_iter, a.scale)
    table = MomentTable(np.vstack([a._rows, b._rows]))
    n, n_a = table.n, a.n
    labels = np.zeros((n_permutations, n))
    for row in labels:
        row[rng.permutation(n)[:n_a]] = 1.0
    sums_a = table.weighted_sums(labels)
    sums_b = table.total()[None] - sums_a
    paths_a, failed_a, _ = statistic(*table.covariances(np.full(n_permutations, n_a), sums_a))
    paths_b, failed_b, _ = statistic(*table.covariances(np.full(n_permutations, n - n_a),
                                                        sums_b))
    ok = ~(failed_a | failed_b)
    shuffled = (paths_b["paths"] - paths_a["paths"])[ok]
    observed = (b.paths - a.paths).to_numpy()
    extreme = (np.abs(shuffled) >= np.abs(observed) - 1e-12).sum(axis=0)
    return pd.DataFrame({"a": a.paths, "b": b.paths, "difference": observed,
                         "p_value": (1 + extreme) / (1 + ok.sum())})
