"""Measurement quality: reliability, convergent and discriminant validity, collinearity.

For a block with item correlation matrix R (p items), PLS loadings λ and weights w for
standardised items (scaled so the score has unit variance):

* Cronbach's alpha, standardised: α = p/(p − 1) · (1 − p / Σᵢⱼ Rᵢⱼ);
* Dillon-Goldstein's rho (R plspm), from the loadings λ¹ on the first principal component of
  R: ρ_DG = (Σλ¹)² / ((Σλ¹)² + Σ(1 − λ¹²));
* composite reliability ρ_C, the same formula with the PLS loadings;
* ρ_A = (wᵀw)² · wᵀ(R − diag R)w / wᵀ(wwᵀ − diag wwᵀ)w (Dijkstra & Henseler 2015);
* average variance extracted AVE = mean λ²;
* HTMT of blocks i, j: mean correlation between their items divided by the geometric mean of
  the mean correlations within each block (a single-item block counts as 1);
* VIF: the diagonal of the inverse correlation matrix of a regression's predictors;
* f² of path i → j: (R²ⱼ − R²ⱼ without i) / (1 − R²ⱼ).

References
----------
Cronbach, L. J. (1951). Coefficient alpha and the internal structure of tests.
*Psychometrika* 16, 297-334.
Dijkstra, T. K. & Henseler, J. (2015). Consistent partial least squares path modeling.
*MIS Quarterly* 39(2), 297-316.
Fornell, C. & Larcker, D. F. (1981). Evaluating structural equation models with unobservable
variables and measurement error. *Journal of Marketing Research* 18(1), 39-50.
Henseler, J., Ringle, C. M. & Sarstedt, M. (2015). A new criterion for assessing discriminant
validity in variance-based structural equation modeling. *JAMS* 43, 115-135.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from .engine import solve
from .model import ModelSpec


def correlation(cov: np.ndarray) -> np.ndarray:
    """Correlation matrices from covariance matrices (works on stacks)."""
    sd = np.sqrt(np.diagonal(cov, axis1=-2, axis2=-1))
    return cov / sd[..., :, None] / sd[..., None, :]


def block_reliability(r: np.ndarray, loadings: np.ndarray, std_weights: np.ndarray
                      ) -> dict[str, float]:
    """Reliability figures of one block from its item correlations, loadings and weights."""
    p = len(loadings)
    eig, vectors = np.linalg.eigh(r)
    pc = np.abs(vectors[:, -1]) * np.sqrt(eig[-1])
    out = {"alpha": 1.0, "rho_a": 1.0, "rho_c": 1.0, "dg_rho": 1.0,
           "ave": float(np.mean(loadings ** 2)), "eig_1st": float(eig[-1]),
           "eig_2nd": float(eig[-2]) if p > 1 else float("nan")}
    if p > 1:
        out["alpha"] = p / (p - 1) * (1 - p / r.sum())
        out["dg_rho"] = _composite(pc)
        out["rho_c"] = _composite(loadings)
        w = std_weights
        outer = np.outer(w, w)
        off = r - np.diag(np.diag(r))
        denominator = w @ (outer - np.diag(np.diag(outer))) @ w
        out["rho_a"] = ((w @ w) ** 2 * (w @ off @ w) / denominator if denominator
                        else float("nan"))
    return {k: float(v) for k, v in out.items()}


def _composite(loadings: np.ndarray) -> float:
    total = loadings.sum() ** 2
    return total / (total + (1 - loadings ** 2).sum())


def htmt(r: np.ndarray, model: ModelSpec) -> np.ndarray:
    """HTMT of all construct pairs from item correlations (B, p, p); shape (B, J, J), NaN diagonal."""
    sizes = model.odm.sum(axis=0)
    block_sums = model.odm.T @ r @ model.odm
    within = np.diagonal(block_sums, axis1=-2, axis2=-1)
    mono = np.where(sizes > 1, (within - sizes) / np.maximum(sizes * (sizes - 1), 1), 1.0)
    hetero = block_sums / np.outer(sizes, sizes)
    ratio = hetero / np.sqrt(mono[..., :, None] * mono[..., None, :])
    eye = np.eye(len(sizes), dtype=bool)
    return np.where(eye, np.nan, ratio)


def vif_inner(lv_corr: np.ndarray, model: ModelSpec) -> dict[tuple[int, int], float]:
    """VIF of each predictor in each structural regression, keyed (from, to)."""
    out = {}
    for k in model.endogenous:
        preds = list(model.predecessors[k])
        inverse = np.linalg.inv(lv_corr[np.ix_(preds, preds)])
        out.update({(i, k): float(v) for i, v in zip(preds, np.diag(inverse))})
    return out


def vif_outer(r: np.ndarray, model: ModelSpec) -> np.ndarray:
    """VIF of each item within its block (1 for single-item blocks), shape (p,)."""
    out = np.ones(len(model.items))
    for block in model.slices:
        if block.stop - block.start > 1:
            out[block] = np.diag(np.linalg.inv(r[block, block]))
    return out


def f_squared(lv_corr: np.ndarray, r2: np.ndarray, model: ModelSpec
              ) -> dict[tuple[int, int], float]:
    """Cohen's f² of each path, keyed (from, to)."""
    out = {}
    for k in model.endogenous:
        preds = list(model.predecessors[k])
        for i in preds:
            rest = [q for q in preds if q != i]
            excluded = 0.0
            if rest:
                beta = solve(lv_corr[np.ix_(rest, rest)][None], lv_corr[rest, k][None])[0]
                excluded = float(beta @ lv_corr[rest, k])
            out[(i, k)] = (r2[k] - excluded) / (1 - r2[k])
    return out


def fornell_larcker(lv_corr: np.ndarray, ave: np.ndarray, names) -> pd.DataFrame:
    """Construct correlations with √AVE on the diagonal (Fornell & Larcker 1981)."""
    table = lv_corr.copy()
    np.fill_diagonal(table, np.sqrt(ave))
    return pd.DataFrame(table, index=list(names), columns=list(names))
