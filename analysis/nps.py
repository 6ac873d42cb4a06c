"""Net Promoter Score and top-box satisfaction shares, with confidence intervals.

NPS = 100 (p₊ − p₋) with p₊ the share of promoters (9-10) and p₋ of detractors (0-6) on the
0-10 recommendation question. Its standard error follows from the trinomial distribution,
se = 100 √((p₊ + p₋ − (p₊ − p₋)²)/n), and the interval is NPS ± z·se, clipped to ±100.
Top-2-box CSAT is the share of answers in the two highest categories of the scale, with a
Wilson score interval.

References
----------
Reichheld, F. F. (2003). The one number you need to grow. *Harvard Business Review* 81(12).
Rocks, B. (2016). Interval estimation for the "net promoter score". *The American
Statistician* 70(4), 365-372.
Wilson, E. B. (1927). Probable inference, the law of succession, and statistical inference.
*JASA* 22(158), 209-212.
"""
from __future__ import annotations

from collections.abc import Mapping
from typing import NamedTuple

import numpy as np
from scipy.special import ndtri
from statsmodels.stats.proportion import proportion_confint

from .errors import EstimationError
from .results import to_builtin


class NPSResult(NamedTuple):
    """Result of :func:`net_promoter_score`."""

    nps: float
    ci_low: float
    ci_high: float
    promoters: float   # shares
    passives: float
    detractors: float
    n: int

    def to_dict(self) -> dict:
        """JSON-safe built-ins."""
        return to_builtin(self._asdict())


class ShareResult(NamedTuple):
    """Result of :func:`top_box`: a share with its Wilson interval."""

    share: float
    ci_low: float
    ci_high: float
    count: int
    n: int

    def to_dict(self) -> dict:
        """JSON-safe built-ins."""
        return to_builtin(self._asdict())


def _answers(values) -> np.ndarray:
    x = np.asarray(values, dtype=float).ravel()
    x = x[~np.isnan(x)]
    if not len(x):
        raise EstimationError("no answers")
    return x


def net_promoter_score(scores, level: float = 0.95) -> NPSResult:
    """NPS of 0-10 recommendation scores (NaN = no answer) with a Wald interval.

    Raises
    ------
    EstimationError
        No score is answered, or a score lies outside 0-10.
    """
    values, counts = np.unique(_answers(scores), return_counts=True)
    return net_promoter_score_of_counts(dict(zip(values.tolist(), counts.tolist())), level)


def net_promoter_score_of_counts(counts: Mapping[float, int], level: float = 0.95) -> NPSResult:
    """:func:`net_promoter_score` of scores given as {score: number of respondents giving it}."""
    counts = {float(score): int(k) for score, k in counts.items() if k}
    n = sum(counts.values())
    if not n:
        raise EstimationError("no answers")
    if any(score < 0 or score > 10 for score in counts):
        raise EstimationError("NPS scores must lie between 0 and 10")
    promoters = sum(k for score, k in counts.items() if score >= 9) / n
    detractors = sum(k for score, k in counts.items() if score <= 6) / n
    value = 100 * (promoters - detractors)
    se = 100 * np.sqrt(max(promoters + detractors - (promoters - detractors) ** 2, 0.0) / n)
    z = ndtri(0.5 + level / 2)
    return NPSResult(value, max(-100.0, value - z * se), min(100.0, value + z * se),
                     promoters, 1 - promoters - detractors, detractors, n)


def top_box(answers, scale_max: float, boxes: int = 2, level: float = 0.95) -> ShareResult:
    """Share of answers in the top ``boxes`` categories (top-2-box CSAT by default)."""
    x = _answers(answers)
    return share(int(np.sum(x > scale_max - boxes)), len(x), level)


def share(count: int, n: int, level: float = 0.95) -> ShareResult:
    """The share ``count / n`` with its Wilson score interval."""
    if not n:
        raise EstimationError("no answers")
    low, high = proportion_confint(count, n, alpha=1 - level, method="wilson")
    return ShareResult(count / n, float(low), float(high), count, n)
