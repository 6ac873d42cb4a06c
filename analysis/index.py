"""ACSI-style 0-100 satisfaction indices, impacts and the importance-performance map.

The index of construct j rescales its weighted item mean to 0-100,

    Iⱼ = Σᵢ w̃ᵢ (x̄ᵢ − minᵢ) / (maxᵢ − minᵢ) × 100,   w̃ᵢ = (wᵢ / sᵢ) / Σₖ (wₖ / sₖ),

where wᵢ is the weight for standardised items, sᵢ the item's standard deviation and min / max
the ends of the answer scale (with one scale for the block this is the ACSI formula
(Σ w̃ᵢx̄ᵢ − min)/(max − min) × 100). The same weights applied to a respondent's answers give an
index score Iⱼ(r); the unstandardised total effect of driver i on target j is the standardised
total effect times sd(Iⱼ)/sd(Iᵢ), and the ACSI *impact* is the change in the target's index
when the driver's index rises 5 points: 5 × that effect.

The importance-performance map (IPMA) puts, for one target, each driver's unstandardised total
effect (importance) against its index (performance); at item level the importance of item i
of construct j is w̃ᵢ × the total effect of j, its performance the rescaled item mean.

All functions here work on stacks (leading axis B) so the bootstrap can use them.

References
----------
Fornell, C., Johnson, M. D., Anderson, E. W., Cha, J. & Bryant, B. E. (1996). The American
Customer Satisfaction Index: nature, purpose, and findings. *Journal of Marketing* 60(4), 7-18.
Ringle, C. M. & Sarstedt, M. (2016). Gain more insight from your PLS-SEM results: the
importance-performance map analysis. *Industrial Management & Data Systems* 116(9), 1865-1886.
"""
from __future__ import annotations

from typing import NamedTuple

import numpy as np
import pandas as pd

from .model import ModelSpec

IMPACT_POINTS = 5.0


def raw_weights(weights: np.ndarray, sd: np.ndarray, scaled: bool) -> np.ndarray:
    """Weights per raw item unit: estimated weights divided by item sd when items were scaled."""
    return weights / sd if scaled else weights


def rescaled_weights(raw: np.ndarray, model: ModelSpec) -> np.ndarray:
    """w̃: raw weights normalised to sum to 1 within each block, shape (B, p)."""
    return raw / (raw @ model.odm)[:, model.block]


def performance(means: np.ndarray, scale: np.ndarray) -> np.ndarray:
    """Item means rescaled to 0-100."""
    return (means - scale[:, 0]) / (scale[:, 1] - scale[:, 0]) * 100.0


def indices(raw: np.ndarray, means: np.ndarray, scale: np.ndarray, model: ModelSpec
            ) -> np.ndarray:
    """0-100 index of every construct, shape (B, J)."""
    return (rescaled_weights(raw, model) * performance(means, scale)) @ model.odm


def unstandardised_effects(total: np.ndarray, raw: np.ndarray, cov: np.ndarray,
                           scale: np.ndarray, model: ModelSpec) -> np.ndarray:
    """Total effects between the 0-100 index scores, ``[from, to]``, shape (B, J, J)."""
    coef = rescaled_weights(raw, model) / (scale[:, 1] - scale[:, 0]) * 100.0
    dense = coef[:, :, None] * model.odm
    sd = np.sqrt((dense * (cov @ dense)).sum(axis=1))
    return total * sd[:, None, :] / sd[:, :, None]


class IPMAResult(NamedTuple):
    """Result of :meth:`analysis.pls.PLSResults.ipma`: importance-performance map for a target."""

    target: str
    constructs: pd.DataFrame  # index: driver; columns importance, performance
    items: pd.DataFrame       # index: item; columns construct, importance, performance

    def to_dict(self) -> dict:
        """JSON-safe built-ins."""
        from .results import to_builtin
        return to_builtin({"target": self.target,
                           "constructs": self.constructs.to_dict(orient="index"),
                           "items": self.items.to_dict(orient="index")})


def default_target(model: ModelSpec) -> str:
    """The loyalty construct when one is named so, else the last construct with no successor."""
    for name in model.names:
        if name.lower().startswith(("loy", "cusl")):
            return name
    final = [n for j, n in enumerate(model.names) if not model.path_matrix[j].any()]
    return final[-1]


def ipma(target: str, effects: np.ndarray, index: np.ndarray, rescaled: np.ndarray,
         item_performance: np.ndarray, model: ModelSpec) -> IPMAResult:
    """Importance-performance map of ``target`` from one fit's (J, J) unstandardised effects."""
    if target not in model.names:
        raise KeyError(f"{target} is not a construct of the model")
    t = model.names.index(target)
    drivers = [j for j in range(len(model.names)) if effects[j, t] != 0.0]
    constructs = pd.DataFrame({"importance": effects[drivers, t], "performance": index[drivers]},
                              index=[model.names[j] for j in drivers])
    items = [i for i, j in enumerate(model.block) if j in drivers]
    frame = pd.DataFrame({"construct": [model.names[model.block[i]] for i in items],
                          "importance": rescaled[items] * effects[model.block[items], t],
                          "performance": item_performance[items]},
                         index=[model.items[i] for i in items])
    return IPMAResult(target, constructs, frame)
